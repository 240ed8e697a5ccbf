"""Give every meeting whose notice was published a per-year notice number (2026-通-005), in the order the notices
were first published (the meeting's creation where its history has no publication), and leave each year's counter at
the last number given."""

from django.db import migrations, models
from django.db.models import Min
from django.utils import timezone

KIND = "通"
# A meeting in one of these has had its notice published, whether or not its history says when.
PUBLISHED = ("published", "held", "recorded")


def number_the_published_notices(apps, schema_editor):
    Meeting = apps.get_model("consultations", "Meeting")
    DocumentCounter = apps.get_model("portal", "DocumentCounter")
    first_published = dict(
        Meeting.objects.filter(transitions__to_status="published")
        .annotate(first=Min("transitions__at"))
        .values_list("pk", "first")
    )
    published = [
        (first_published.get(pk) or created_at, pk)
        for pk, created_at, status in Meeting.objects.values_list("pk", "created_at", "status")
        if pk in first_published or status in PUBLISHED
    ]
    last: dict[int, int] = {}
    batch = []
    for when, pk in sorted(published):
        year = timezone.localtime(when).year
        last[year] = last.get(year, 0) + 1
        batch.append(Meeting(pk=pk, notice_number=f"{year}-{KIND}-{last[year]:03d}"))
    Meeting.objects.bulk_update(batch, ["notice_number"], batch_size=1000)
    for year, number in last.items():
        DocumentCounter.objects.update_or_create(kind=KIND, year=year, defaults={"last": number})


class Migration(migrations.Migration):
    dependencies = [
        ("consultations", "0007_keep_the_earlier_versions_of_amended_records"),
        ("portal", "0008_add_document_counters"),
    ]

    operations = [
        migrations.AddField(
            model_name="meeting",
            name="notice_number",
            field=models.CharField(blank=True, editable=False, max_length=20, verbose_name="notice number"),
        ),
        migrations.RunPython(number_the_published_notices, migrations.RunPython.noop, elidable=True),
        migrations.AddConstraint(
            model_name="meeting",
            constraint=models.UniqueConstraint(
                condition=models.Q(("notice_number", ""), _negated=True),
                fields=("notice_number",),
                name="meeting_notice_number_once",
            ),
        ),
    ]
