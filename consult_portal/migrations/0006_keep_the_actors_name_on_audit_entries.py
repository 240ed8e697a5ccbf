"""Keep the actor's name on each audit entry (#13), so that an entry still names who acted once the account is gone
(the actor's key is then set to NULL). The entries written before get the name their actor has now; like `prune`,
this one filling calls the plain queryset's update, the log refusing changes otherwise."""

from django.db import migrations, models


def name_the_actors(apps, schema_editor):
    AuditEntry = apps.get_model("portal", "AuditEntry")
    User = apps.get_model("portal", "User")
    actors = User.objects.filter(pk__in=AuditEntry.objects.values("actor"))
    for user in actors.only("username", "first_name", "last_name"):
        full_name = f"{user.first_name} {user.last_name}".strip()
        name = f"{full_name} ({user.username})" if full_name else user.username
        models.QuerySet.update(AuditEntry.objects.filter(actor=user, actor_name=""), actor_name=name[:320])


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0005_remove_secrets_from_audit_entries"),
    ]

    operations = [
        migrations.AddField(
            model_name="auditentry",
            name="actor_name",
            field=models.CharField(blank=True, max_length=320, verbose_name="actor's name"),
        ),
        migrations.RunPython(name_the_actors, migrations.RunPython.noop, elidable=True),
    ]
