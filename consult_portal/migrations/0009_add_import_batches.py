import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0008_add_document_counters"),
    ]

    operations = [
        migrations.CreateModel(
            name="ImportBatch",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("token", models.CharField(max_length=64, unique=True, verbose_name="preview token")),
                ("kind", models.CharField(max_length=32, verbose_name="kind of import")),
                ("file_name", models.CharField(blank=True, max_length=200, verbose_name="file")),
                ("confirmed_at", models.DateTimeField(auto_now_add=True, verbose_name="confirmed at")),
                ("counts", models.JSONField(blank=True, default=dict, verbose_name="rows by result")),
                (
                    "confirmed_by",
                    models.ForeignKey(
                        null=True,
                        on_delete=django.db.models.deletion.SET_NULL,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="confirmed by",
                    ),
                ),
            ],
            options={
                "verbose_name": "import",
                "verbose_name_plural": "imports",
                "ordering": ["-confirmed_at", "-id"],
            },
        ),
    ]
