"""Reads for the public side: the notices residents may see ("提前公布") and the calendar exports.

A meeting is public once its notice is published. A postponed or cancelled meeting stays public when
its notice had been published, so residents who read it learn what happened; a `planned` meeting is
internal and does not exist here.
"""

from datetime import timedelta

from django.db.models import (
    Case,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from consult_portal.models import Area, in_town
from topics.models import Topic

from .models import Meeting, MeetingTransition, RecordItem

M = Meeting.Status

ALWAYS_PUBLIC = (M.NOTICE_PUBLISHED, M.HELD, M.RECORDED)
PUBLIC_IF_ANNOUNCED = (M.POSTPONED, M.CANCELLED)
RECENT_DAYS = 90
FEED_LIMIT = 200


def public_meetings() -> QuerySet:
    announced = Exists(MeetingTransition.objects.filter(meeting=OuterRef("pk"), to_status=M.NOTICE_PUBLISHED))
    return Meeting.objects.filter(Q(status__in=ALWAYS_PUBLIC) | (Q(status__in=PUBLIC_IF_ANNOUNCED) & announced))


def _in_town(meetings: QuerySet, town: Area | None) -> QuerySet:
    if town is None:
        return meetings
    return meetings.filter(in_town(town, "platform__area"))


def towns() -> list[Area]:
    return list(Area.objects.filter(level=Area.Level.TOWN).only("id", "name", "code").order_by("code"))


def meeting_list(*, town: Area | None = None, now=None) -> QuerySet:
    """Upcoming (and ongoing) meetings first, soonest first; then those of the last 90 days, latest first.

    Each meeting carries `is_upcoming` so the page can head the two parts.
    """
    now = now or timezone.now()
    upcoming = Q(ends_at__gte=now)
    meetings = _in_town(public_meetings(), town).filter(upcoming | Q(starts_at__gte=now - timedelta(days=RECENT_DAYS)))
    return (
        meetings.select_related("platform__area__parent")
        .annotate(section=Case(When(upcoming, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by(
            "section",
            Case(When(upcoming, then=F("starts_at"))).asc(nulls_last=True),
            Case(When(~upcoming, then=F("starts_at"))).desc(nulls_last=True),
            "pk",
        )
    )


def with_sequence(meetings: QuerySet) -> QuerySet:
    """SEQUENCE of the calendar event: every change a calendar shows (publishing, moving, postponing, cancelling).

    Counted per meeting in a subquery: a COUNT(DISTINCT) over the join would group every meeting of the feed's
    filter before its LIMIT (#17)."""
    changes = MeetingTransition.objects.filter(
        Q(old_starts_at__isnull=False) | Q(to_status__in=[M.NOTICE_PUBLISHED, M.POSTPONED, M.CANCELLED]),
        meeting=OuterRef("pk"),
    )
    counted = changes.order_by().values("meeting").annotate(n=Count("pk")).values("n")
    return meetings.annotate(ical_sequence=Coalesce(Subquery(counted[:1], output_field=IntegerField()), Value(0)))


def _topic_titles() -> Prefetch:
    return Prefetch("topics", queryset=Topic.objects.only("id", "title").order_by("id"))


def public_meeting(pk: int, *, with_record: bool = True) -> Meeting:
    """One public meeting with what its notice shows; the record only once it has been held."""
    meeting = public_meetings().select_related("platform__area__parent").prefetch_related(_topic_titles()).get(pk=pk)
    if with_record and meeting.is_held:
        items = list(RecordItem.objects.filter(meeting=meeting).order_by("id"))
        meeting.suggestions = [i for i in items if i.kind == RecordItem.Kind.SUGGESTION]
        meeting.consensus = [i for i in items if i.kind == RecordItem.Kind.CONSENSUS]
        meeting.public_photos = list(meeting.photos.order_by("id"))
    return meeting


def meeting_for_calendar(pk: int) -> Meeting:
    return with_sequence(public_meetings()).select_related("platform").prefetch_related(_topic_titles()).get(pk=pk)


def calendar_feed(*, town: Area | None = None, now=None) -> QuerySet:
    """Public meetings that have not ended yet, cancelled ones included so subscribed calendars drop them."""
    now = now or timezone.now()
    meetings = _in_town(public_meetings(), town).filter(ends_at__gte=now)
    return (
        with_sequence(meetings)
        .select_related("platform")
        .prefetch_related(_topic_titles())
        .order_by("starts_at", "pk")[:FEED_LIMIT]
    )
