from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0007_add_notification_preferences"),
    ]

    operations = [
        migrations.CreateModel(
            name="DocumentCounter",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("kind", models.CharField(max_length=20, verbose_name="kind of document")),
                ("year", models.PositiveSmallIntegerField(verbose_name="year")),
                ("last", models.PositiveIntegerField(default=0, verbose_name="last number given")),
            ],
            options={
                "verbose_name": "document counter",
                "verbose_name_plural": "document counters",
                "constraints": [models.UniqueConstraint(fields=("kind", "year"), name="document_counter_once_a_year")],
            },
        ),
    ]
