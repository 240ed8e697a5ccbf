"""The confirmed member imports become import batches of the base's one import framework (kind "members")."""

from django.db import migrations


def forward(apps, schema_editor):
    MemberImport = apps.get_model("members", "MemberImport")
    ImportBatch = apps.get_model("portal", "ImportBatch")
    for old in MemberImport.objects.all():
        batch = ImportBatch.objects.create(token=old.token, kind="members", confirmed_by_id=old.confirmed_by_id)
        ImportBatch.objects.filter(pk=batch.pk).update(confirmed_at=old.confirmed_at)  # auto_now_add set it


def backward(apps, schema_editor):
    MemberImport = apps.get_model("members", "MemberImport")
    ImportBatch = apps.get_model("portal", "ImportBatch")
    for batch in ImportBatch.objects.filter(kind="members"):
        old = MemberImport.objects.create(token=batch.token, confirmed_by_id=batch.confirmed_by_id)
        MemberImport.objects.filter(pk=old.pk).update(confirmed_at=batch.confirmed_at)
    ImportBatch.objects.filter(kind="members").delete()


class Migration(migrations.Migration):
    dependencies = [
        ("members", "0004_store_member_photos_under_random_names"),
        ("portal", "0009_add_import_batches"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
        migrations.DeleteModel(name="MemberImport"),
    ]
