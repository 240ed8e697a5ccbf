"""Remove the passwords, hashes, tokens and secrets that entries written before #13 hold (an admin change of a
user recorded its password hash). The log is append-only (`AuditEntryQuerySet.update` refuses): like `prune`, this
one cleaning calls the plain queryset's update. Nothing is put back on the way down."""

from django.db import migrations, models

from consult_portal.audit import scrub


def remove_secrets(apps, schema_editor):
    AuditEntry = apps.get_model("portal", "AuditEntry")
    entries = AuditEntry.objects.exclude(before__isnull=True, after__isnull=True).only("pk", "before", "after")
    for entry in entries.iterator(chunk_size=2000):
        before, after = scrub(entry.before), scrub(entry.after)
        if (before, after) != (entry.before, entry.after):
            models.QuerySet.update(AuditEntry.objects.filter(pk=entry.pk), before=before, after=after)


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0004_add_user_must_change_password"),
    ]

    operations = [
        migrations.RunPython(remove_secrets, migrations.RunPython.noop, elidable=True),
    ]
