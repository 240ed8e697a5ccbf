"""Moving the timestamps the models set to "now" back to the moments of the demo story."""

import string
from collections import defaultdict

from django.utils import timezone

from outcomes.models import OutcomeEvent, OutcomeItem, ProgressUpdate
from sessions.models import Meeting, MeetingTransition
from topics.models import Topic, TopicEvent
from topics.services import CLOSING

from .common import BuilderBase, MeetingPlan, TopicPlan


class BackdateStage(BuilderBase):
    """The last stage: history lines, creation times and codes as the story had them."""

    def backdate(self, topics: list[TopicPlan], meetings: list[MeetingPlan]) -> None:
        rng = self.rng
        codes = set(Topic.objects.values_list("tracking_code", flat=True))
        by_pk = {plan.obj.pk: plan for plan in topics}
        events = defaultdict(list)
        for event in TopicEvent.objects.filter(topic__in=list(by_pk)).order_by("topic_id", "id"):
            events[event.topic_id].append(event)
        changed_events, changed_topics = [], []
        for topic in Topic.objects.filter(pk__in=list(by_pk)).order_by("pk"):
            plan = by_pk[topic.pk]
            rows = events[topic.pk]
            if len(rows) != len(plan.times):
                raise RuntimeError(f"Topic {topic.pk}: {len(rows)} history entries for {len(plan.times)} moments.")
            last = plan.created
            for event, moment in zip(rows, plan.times, strict=True):
                last = max(last, moment)
                event.at = last
            changed_events += rows
            topic.created_at, topic.updated_at = plan.created, last
            if topic.status in CLOSING:
                topic.closed_at = max(event.at for event in rows if event.to_status == topic.status)
            if topic.submitter_phone:
                topic.consent_at = plan.created
            topic.tracking_code = self.code(codes)
            changed_topics.append(topic)
        # A merged topic closed when the topic it went into did.
        closed = {topic.pk: topic.closed_at for topic in changed_topics}
        for topic in changed_topics:
            if topic.status == Topic.Status.MERGED and topic.closed_at is not None:
                topic.closed_at = closed.get(topic.merged_into_id, topic.closed_at)
        TopicEvent.objects.bulk_update(changed_events, ["at"], batch_size=500)
        Topic.objects.bulk_update(
            changed_topics, ["created_at", "updated_at", "consent_at", "tracking_code", "closed_at"], batch_size=500
        )

        tokens = set(Meeting.objects.values_list("checkin_token", flat=True))
        alphabet = string.ascii_letters + string.digits + "-_"
        by_pk = {m.obj.pk: m for m in meetings}
        transitions = defaultdict(list)
        for transition in MeetingTransition.objects.filter(meeting__in=list(by_pk)).order_by("meeting_id", "id"):
            transitions[transition.meeting_id].append(transition)
        changed_transitions, changed_meetings = [], []
        for obj in Meeting.objects.filter(pk__in=list(by_pk)).order_by("pk"):
            plan = by_pk[obj.pk]
            rows = transitions[obj.pk]
            if len(rows) != len(plan.times):
                raise RuntimeError(f"Meeting {obj.pk}: {len(rows)} transitions for {len(plan.times)} moments.")
            last = plan.scheduled
            for transition, moment in zip(rows, plan.times, strict=True):
                last = max(last, moment)
                transition.at = last
            changed_transitions += rows
            obj.created_at = plan.scheduled
            while True:
                token = "".join(rng.choice(alphabet) for _ in range(22))
                if token not in tokens:
                    tokens.add(token)
                    break
            obj.checkin_token = token
            changed_meetings.append(obj)
        MeetingTransition.objects.bulk_update(changed_transitions, ["at"], batch_size=500)
        Meeting.objects.bulk_update(changed_meetings, ["created_at", "checkin_token"], batch_size=500)

        items, moments = [], {}
        for item, handed, answered, closed, published in self.outcome_times:
            item.created_at, item.closed_at, item.published_at = handed, closed, published
            item.handed_over_on = timezone.localdate(handed)
            items.append(item)
            moments[item.pk] = {
                OutcomeEvent.Kind.HANDED_OVER: [handed],
                OutcomeEvent.Kind.ANSWERED: [answered],
                OutcomeEvent.Kind.ACCEPTED: [closed],
                OutcomeEvent.Kind.PUBLISHED: [published],
                OutcomeEvent.Kind.PROGRESS: [],
            }
        OutcomeItem.objects.bulk_update(
            items, ["created_at", "handed_over_on", "closed_at", "published_at"], batch_size=500
        )
        updates = []
        for update, moment in self.progress_times:
            update.created_at = moment
            updates.append(update)
            moments[update.item_id][OutcomeEvent.Kind.PROGRESS].append(moment)
        ProgressUpdate.objects.bulk_update(updates, ["created_at"], batch_size=500)
        # The items' history: each line at the moment of the step it records.
        events = list(OutcomeEvent.objects.filter(item__in=items).order_by("item_id", "id"))
        for event in events:
            event.at = moments[event.item_id][event.kind].pop(0)
        OutcomeEvent.objects.bulk_update(events, ["at"], batch_size=500)
