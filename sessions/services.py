"""Writes on consultation meetings: scheduling, status changes and the record.

Every status change leaves a MeetingTransition and an audit entry. Holding a meeting marks its
accepted or planned topics as consulted ("不调研不协商": it needs a research record or a reason).
"""

from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal import audit
from topics.models import Topic
from topics.services import topic_change_status

from .models import Meeting, MeetingTransition, Platform, RecordItem

M = Meeting.Status

ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    M.PLANNED: (M.NOTICE_PUBLISHED, M.POSTPONED, M.CANCELLED),
    M.NOTICE_PUBLISHED: (M.HELD, M.POSTPONED, M.CANCELLED),
    M.POSTPONED: (M.PLANNED, M.NOTICE_PUBLISHED, M.CANCELLED),
    M.HELD: (M.RECORDED,),
    M.RECORDED: (),
    M.CANCELLED: (),
}
RESCHEDULABLE = (M.PLANNED, M.NOTICE_PUBLISHED, M.POSTPONED)
SCHEDULABLE_TOPIC_STATUSES = (Topic.Status.ACCEPTED, Topic.Status.PLANNED, Topic.Status.CONSULTED)

AUDIT_FIELDS = [
    "title",
    "platform",
    "topics",
    "form",
    "starts_at",
    "ends_at",
    "place",
    "host",
    "organiser",
    "status",
    "status_reason",
    "no_research_reason",
    "attendance_count",
    "walk_in_count",
]


def _label(status: str) -> str:
    return str(dict(Meeting.Status.choices).get(status, status))


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationError(_("A meeting must end after it starts."))


@transaction.atomic
def meeting_schedule(
    *,
    title: str,
    platform: Platform,
    starts_at: datetime,
    ends_at: datetime,
    by,
    topics: Iterable[Topic] = (),
    form: str = Meeting.Form.MEETING,
    place: str = "",
    host: str = "",
    organiser: str = "",
    how_to_take_part: str = "",
) -> Meeting:
    """Plan a meeting at a platform for accepted, planned (or already consulted) topics."""
    _check_times(starts_at, ends_at)
    if form not in Meeting.Form.values:
        raise ValidationError(_("Unknown consultation form."))
    topics = list(topics)
    if any(t.status not in SCHEDULABLE_TOPIC_STATUSES for t in topics):
        raise ValidationError(_("Only accepted or planned topics can be put on a meeting."))
    meeting = Meeting.objects.create(
        title=title.strip(),
        platform=platform,
        form=form,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place or platform.address,
        host=host,
        organiser=organiser,
        how_to_take_part=how_to_take_part,
    )
    if topics:
        meeting.topics.set(topics)
    MeetingTransition.objects.create(meeting=meeting, actor=by, from_status="", to_status=meeting.status)
    audit.record(actor=by, action="meeting_schedule", obj=meeting, after=audit.snapshot(meeting, AUDIT_FIELDS))
    return meeting


def _transition(
    meeting: Meeting,
    to_status: str,
    by,
    reason: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    notify: bool = True,
) -> Meeting:
    from_status = meeting.status
    if to_status not in ALLOWED_TRANSITIONS.get(from_status, ()):
        names = {"from": _label(from_status), "to": _label(to_status)}
        raise ValidationError(_("A meeting cannot go from “%(from)s” to “%(to)s”.") % names)
    if to_status in (M.POSTPONED, M.CANCELLED) and not reason.strip():
        raise ValidationError(_("Postponing or cancelling a meeting needs a reason."))
    before = audit.snapshot(meeting, AUDIT_FIELDS)
    old_starts_at = None
    if starts_at is not None or ends_at is not None:
        if to_status not in RESCHEDULABLE:
            raise ValidationError(_("Only a planned, published or postponed meeting can be moved."))
        new_start = starts_at or meeting.starts_at
        new_end = ends_at or (new_start + (meeting.ends_at - meeting.starts_at))
        _check_times(new_start, new_end)
        if new_start != meeting.starts_at:
            old_starts_at = meeting.starts_at
        meeting.starts_at, meeting.ends_at = new_start, new_end
    if to_status == M.HELD:
        if meeting.starts_at > timezone.now():
            raise ValidationError(_("A meeting cannot be marked held before it starts."))
        if not meeting.research.exists() and not meeting.no_research_reason.strip():
            raise ValidationError(_("Record the research before the meeting, or the reason it was held without."))
    meeting.status = to_status
    meeting.status_reason = reason.strip()
    meeting.save()
    MeetingTransition.objects.create(
        meeting=meeting,
        actor=by,
        from_status=from_status,
        to_status=to_status,
        reason=reason.strip(),
        old_starts_at=old_starts_at,
    )
    audit.record(
        actor=by,
        action=f"meeting_{to_status}",
        obj=meeting,
        before=before,
        after=audit.snapshot(meeting, AUDIT_FIELDS),
    )
    if to_status == M.HELD:
        for topic in meeting.topics.filter(status__in=[Topic.Status.ACCEPTED, Topic.Status.PLANNED]).order_by("pk"):
            topic_change_status(
                topic=topic,
                to_status=Topic.Status.CONSULTED,
                by=by,
                action="consult",
                public_note=meeting.title,
                notify=notify,
            )
    return meeting


@transaction.atomic
def meeting_transition(
    *,
    meeting: Meeting,
    to_status: str,
    by,
    reason: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    notify: bool = True,
) -> Meeting:
    """Change a meeting's status (publish the notice, hold, postpone, cancel…); a new time moves it.

    Use `meeting_record` to complete the record of a held meeting. `notify` tells residents whose
    topics are consulted when the meeting is marked held.
    """
    if to_status == M.RECORDED:
        raise ValidationError(_("Complete the record to mark a meeting recorded."))
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    return _transition(meeting, to_status, by, reason, starts_at, ends_at, notify)


@transaction.atomic
def meeting_record(
    *,
    meeting: Meeting,
    summary: str,
    by,
    answers: str = "",
    attendance_count: int | None = None,
    walk_in_count: int | None = None,
    items: Sequence[tuple[str, str]] = (),
) -> Meeting:
    """Complete the record of a held meeting: summary, on-the-spot answers, attendance, and the
    suggestion and consensus items (kind, text) that outcomes are later made from."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != M.HELD:
        raise ValidationError(_("Only a held meeting can be recorded."))
    if not summary.strip():
        raise ValidationError(_("The record needs a summary."))
    if any(kind not in RecordItem.Kind.values or not text.strip() for kind, text in items):
        raise ValidationError(_("Each record item needs a kind and a text."))
    meeting.summary = summary.strip()
    meeting.answers = answers.strip()
    meeting.attendance_count = attendance_count
    meeting.walk_in_count = walk_in_count
    RecordItem.objects.bulk_create([RecordItem(meeting=meeting, kind=kind, text=text.strip()) for kind, text in items])
    return _transition(meeting, M.RECORDED, by)
