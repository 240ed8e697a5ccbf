"""Give every item handed over a per-year assignment number (2026-交-017), the existing ones in the order they were
handed over, and leave each year's counter at the last number given."""

from django.db import migrations, models
from django.utils import timezone

KIND = "交"


def number_the_items_handed_over(apps, schema_editor):
    OutcomeItem = apps.get_model("outcomes", "OutcomeItem")
    DocumentCounter = apps.get_model("portal", "DocumentCounter")
    last: dict[int, int] = {}
    batch = []
    for item in OutcomeItem.objects.order_by("created_at", "id").only("id", "created_at").iterator(chunk_size=2000):
        year = timezone.localtime(item.created_at).year
        last[year] = last.get(year, 0) + 1
        item.number = f"{year}-{KIND}-{last[year]:03d}"
        batch.append(item)
        if len(batch) >= 1000:
            OutcomeItem.objects.bulk_update(batch, ["number"])
            batch = []
    OutcomeItem.objects.bulk_update(batch, ["number"])
    for year, number in last.items():
        DocumentCounter.objects.update_or_create(kind=KIND, year=year, defaults={"last": number})


class Migration(migrations.Migration):
    dependencies = [
        ("outcomes", "0003_store_progress_photos_under_random_names"),
        ("portal", "0008_add_document_counters"),
    ]

    operations = [
        migrations.AddField(
            model_name="outcomeitem",
            name="number",
            field=models.CharField(blank=True, editable=False, max_length=20, verbose_name="assignment number"),
        ),
        migrations.RunPython(number_the_items_handed_over, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="outcomeitem",
            constraint=models.UniqueConstraint(
                condition=models.Q(("number", ""), _negated=True), fields=("number",), name="outcome_number_once"
            ),
        ),
    ]
