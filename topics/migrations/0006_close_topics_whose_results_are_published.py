"""Close the topics that were already finished before topics closed by themselves (#15).

- A consulted topic whose outcome items (its own, those of the topics merged into it, and those its meetings handed
  over without naming a topic) are all published becomes concluded, dated by the last publication, with a history
  entry of that date (action "conclude_migrated", by which the reverse finds it). No SMS is sent.
- Every closed topic gets its closing date: concluded, declined and forwarded ones that of their last history entry
  into that status (their last change without one); merged ones that of the topic they went into, when it is closed.
  The retention purge counts from this date.

The reverse reopens only the topics this migration concluded (consulted again, their entry deleted); the dates it
filled in go with the field when 0005 is reversed.
"""

from django.db import migrations
from django.db.models import Count, Max, Q

ACTION = "conclude_migrated"
CLOSING = ("concluded", "declined", "forwarded")


def close_finished_topics(apps, schema_editor):
    Topic = apps.get_model("topics", "Topic")
    TopicEvent = apps.get_model("topics", "TopicEvent")
    Meeting = apps.get_model("consultations", "Meeting")
    OutcomeItem = apps.get_model("outcomes", "OutcomeItem")
    for topic in Topic.objects.filter(status="consulted").order_by("pk"):
        group = Topic.objects.filter(Q(pk=topic.pk) | Q(merged_into_id=topic.pk)).values("pk")
        meetings = Meeting.objects.filter(topics__in=group).values("pk")
        items = OutcomeItem.objects.filter(Q(topic__in=group) | Q(topic__isnull=True, meeting__in=meetings))
        found = items.aggregate(
            total=Count("pk"), unpublished=Count("pk", filter=Q(published_at__isnull=True)), last=Max("published_at")
        )
        if not found["total"] or found["unpublished"]:
            continue
        Topic.objects.filter(pk=topic.pk).update(status="concluded", closed_at=found["last"])
        event = TopicEvent.objects.create(topic=topic, action=ACTION, from_status="consulted", to_status="concluded")
        TopicEvent.objects.filter(pk=event.pk).update(at=found["last"])
    for topic in Topic.objects.filter(status__in=CLOSING, closed_at__isnull=True).order_by("pk"):
        entered = topic.events.filter(to_status=topic.status).aggregate(at=Max("at"))["at"]
        Topic.objects.filter(pk=topic.pk).update(closed_at=entered or topic.updated_at)
    for topic in Topic.objects.filter(status="merged", closed_at__isnull=True, merged_into__closed_at__isnull=False):
        Topic.objects.filter(pk=topic.pk).update(closed_at=topic.merged_into.closed_at)


def reopen_what_it_closed(apps, schema_editor):
    Topic = apps.get_model("topics", "Topic")
    TopicEvent = apps.get_model("topics", "TopicEvent")
    for event in TopicEvent.objects.filter(action=ACTION, topic__status="concluded").order_by("pk"):
        Topic.objects.filter(pk=event.topic_id).update(status="consulted", closed_at=None)
        Topic.objects.filter(merged_into_id=event.topic_id).update(closed_at=None)
        event.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("topics", "0005_add_topic_closed_at"),
        ("outcomes", "0002_handling_history_photos_tallies"),
        ("consultations", "0005_add_station_assessment_weights"),
    ]

    operations = [migrations.RunPython(close_finished_topics, reopen_what_it_closed)]
