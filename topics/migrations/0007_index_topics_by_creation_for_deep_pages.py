# The staff topic list, newest first, for the county and for a town: its deep pages read these indexes alone (#17).

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("topics", "0006_close_topics_whose_results_are_published"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="topic",
            index=models.Index(fields=["created_at", "id"], name="topic_created_id_idx"),
        ),
        migrations.AddIndex(
            model_name="topic",
            index=models.Index(fields=["town", "created_at", "id"], name="topic_town_created_id_idx"),
        ),
    ]
