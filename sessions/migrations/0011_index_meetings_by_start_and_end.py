# The staff meeting list (latest first), the public list and the calendar feed (not ended yet) (#17).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0010_backfilled_history_entry"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(fields=["starts_at", "id"], name="meeting_starts_id_idx"),
        ),
        migrations.AddIndex(
            model_name="meeting",
            index=models.Index(fields=["ends_at"], name="meeting_ends_idx"),
        ),
    ]
