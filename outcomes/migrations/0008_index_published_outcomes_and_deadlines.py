# The published outcomes newest first (home page, /outcomes/) and the staff list by deadline (#17).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0007_verify_satisfaction_answers"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="outcomeitem",
            index=models.Index(
                condition=models.Q(published_at__isnull=False),
                fields=["published_at", "id"],
                name="outcome_published_id_idx",
            ),
        ),
        migrations.AddIndex(
            model_name="outcomeitem",
            index=models.Index(fields=["deadline", "id"], name="outcome_deadline_id_idx"),
        ),
    ]
