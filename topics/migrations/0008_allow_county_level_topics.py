import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("portal", "0010_add_office_settings"),
        ("topics", "0007_index_topics_by_creation_for_deep_pages"),
    ]

    operations = [
        migrations.AlterField(
            model_name="topic",
            name="town",
            field=models.ForeignKey(
                blank=True,
                limit_choices_to={"level": "town"},
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="topics_in_town",
                to="portal.area",
                verbose_name="town",
            ),
        ),
    ]
