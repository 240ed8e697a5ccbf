"""Writes on consultation meetings: scheduling, status changes and the record.

Every status change leaves a MeetingTransition and an audit entry. Holding a meeting marks its
accepted or planned topics as consulted ("不调研不协商": it needs a research record or a reason).
"""

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal import audit, numbering
from members.models import Member
from topics.models import Topic
from topics.services import topic_change_status

from . import notices, reminders, rules, services_participation
from .models import Meeting, MeetingPhoto, MeetingTransition, Participant, Platform

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


# Meetings that occupy their platform and their invitees.
ACTIVE = (M.PLANNED, M.NOTICE_PUBLISHED, M.HELD, M.RECORDED)


def _check_times(starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationError(_("A meeting must end after it starts."))


def overlapping(*, starts_at: datetime, ends_at: datetime, exclude_pk: int | None = None):
    meetings = Meeting.objects.filter(status__in=ACTIVE, starts_at__lt=ends_at, ends_at__gt=starts_at)
    return meetings.exclude(pk=exclude_pk) if exclude_pk else meetings


def _check_platform_free(platform: Platform, starts_at: datetime, ends_at: datetime, exclude_pk=None) -> None:
    clash = overlapping(starts_at=starts_at, ends_at=ends_at, exclude_pk=exclude_pk).filter(platform=platform).first()
    if clash is not None:
        local = timezone.localtime(clash.starts_at)
        raise ValidationError(
            _("%(platform)s is already booked for “%(title)s” at %(when)s. Choose another time or platform.")
            % {"platform": platform.name, "title": clash.title, "when": local.strftime("%Y-%m-%d %H:%M")},
            code="platform_booked",
        )


def _book_platform(platform: Platform, starts_at: datetime, ends_at: datetime, exclude_pk=None) -> None:
    """Lock the platform, so its bookings take turns until commit, and refuse a time it is already booked for."""
    Platform.objects.select_for_update().filter(pk=platform.pk).first()
    _check_platform_free(platform, starts_at, ends_at, exclude_pk)


def members_booked_elsewhere(*, meeting: Meeting, members: Iterable[Member]) -> list[Member]:
    """Invitees already expected at another meeting at an overlapping time: a warning, not a refusal."""
    ids = [m.pk for m in members]
    busy = (
        Participant.objects.filter(
            member_id__in=ids,
            meeting__in=overlapping(starts_at=meeting.starts_at, ends_at=meeting.ends_at, exclude_pk=meeting.pk),
        )
        .exclude(response=Participant.Response.NO)
        .values_list("member_id", flat=True)
    )
    busy = set(busy)
    return [m for m in members if m.pk in busy]


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
    """Plan a meeting at a platform for accepted, planned (or already consulted) topics, at a time still to come."""
    _check_times(starts_at, ends_at)
    rules.check_not_in_past(starts_at)
    if form not in Meeting.Form.values:
        raise ValidationError(_("Unknown consultation form."))
    topics = list(topics)
    if any(t.status not in SCHEDULABLE_TOPIC_STATUSES for t in topics):
        raise ValidationError(_("Only accepted or planned topics can be put on a meeting."))
    _book_platform(platform, starts_at, ends_at)
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


def _cannot_go(from_status: str, to_status: str) -> ValidationError:
    names = {"from": _label(from_status), "to": _label(to_status)}
    return ValidationError(_("A meeting cannot go from “%(from)s” to “%(to)s”.") % names)


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
    moving_only = to_status == from_status and to_status in RESCHEDULABLE and starts_at is not None
    if not moving_only and to_status not in ALLOWED_TRANSITIONS.get(from_status, ()):
        raise _cannot_go(from_status, to_status)
    if to_status in (M.POSTPONED, M.CANCELLED) and not reason.strip():
        raise ValidationError(_("Postponing or cancelling a meeting needs a reason."))
    if to_status == M.NOTICE_PUBLISHED and from_status != M.NOTICE_PUBLISHED:
        rules.check_noticeable(meeting)
    before = audit.snapshot(meeting, AUDIT_FIELDS)
    old_starts_at = None
    moved = False
    if starts_at is not None or ends_at is not None:
        if to_status not in RESCHEDULABLE:
            raise ValidationError(_("Only a planned, published or postponed meeting can be moved."))
        new_start = starts_at or meeting.starts_at
        new_end = ends_at or (new_start + (meeting.ends_at - meeting.starts_at))
        _check_times(new_start, new_end)
        if new_start != meeting.starts_at:
            rules.check_not_in_past(new_start)
            old_starts_at = meeting.starts_at
        moved = (new_start, new_end) != (meeting.starts_at, meeting.ends_at)
        meeting.starts_at, meeting.ends_at = new_start, new_end
    if to_status in (M.PLANNED, M.NOTICE_PUBLISHED) and (moved or from_status == M.POSTPONED):
        _book_platform(meeting.platform, meeting.starts_at, meeting.ends_at, exclude_pk=meeting.pk)
    if to_status == M.HELD:
        _check_holdable(meeting, meeting.no_research_reason)
    if to_status == M.NOTICE_PUBLISHED and not meeting.notice_number:  # a notice published again keeps its number
        meeting.notice_number = numbering.next_number(numbering.NOTICE)
    meeting.status = to_status
    meeting.status_reason = reason.strip()
    meeting.save()
    # Drop unsent reminders computed for the old time or status; queue those due now, in this transaction.
    reminders.remind_meeting(meeting.pk)
    transition = MeetingTransition.objects.create(
        meeting=meeting,
        actor=by,
        from_status=from_status,
        to_status=to_status,
        reason=reason.strip(),
        old_starts_at=old_starts_at,
    )
    notices.meeting_changed(meeting, transition, moved=moved, notify=notify)  # invitees hear of a new time…
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
def meeting_reschedule(*, meeting: Meeting, starts_at: datetime, ends_at: datetime, by, reason: str = "") -> Meeting:
    """Move a meeting to a new time, keeping its status; the history keeps the old time."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status not in RESCHEDULABLE:
        raise ValidationError(_("Only a planned, published or postponed meeting can be moved."))
    return _transition(meeting, meeting.status, by, reason, starts_at, ends_at)


def _check_holdable(meeting: Meeting, no_research_reason: str) -> None:
    """Held from an allowed status, once started, after research or with the reason why not (不调研不协商)."""
    if M.HELD not in ALLOWED_TRANSITIONS.get(meeting.status, ()):
        raise _cannot_go(meeting.status, M.HELD)
    if meeting.starts_at > timezone.now():
        raise ValidationError(_("A meeting cannot be marked held before it starts."))
    if not rules.has_research_or_reason(meeting, no_research_reason):
        raise ValidationError(_("Record the research before the meeting, or the reason it was held without."))


@transaction.atomic
def meeting_publish(*, meeting: Meeting, by, no_research_reason: str = "") -> Meeting:
    """Publish the notice (提前公布), keeping the reason it goes out without research if one is given. Every rule is
    checked under the lock before anything is written."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    reason = no_research_reason.strip()
    if M.NOTICE_PUBLISHED not in ALLOWED_TRANSITIONS.get(meeting.status, ()):
        raise _cannot_go(meeting.status, M.NOTICE_PUBLISHED)
    rules.check_noticeable(meeting, reason)
    if reason:
        meeting = meeting_set_no_research_reason(meeting=meeting, reason=reason, by=by)
    return _transition(meeting, M.NOTICE_PUBLISHED, by)


@transaction.atomic
def meeting_hold(*, meeting: Meeting, by, no_research_reason: str = "", notify: bool = True) -> Meeting:
    """Mark a meeting held, keeping the reason it was held without research if one is given; its accepted
    and planned topics become consulted. Every rule is checked under the lock before anything is written."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    reason = no_research_reason.strip()
    _check_holdable(meeting, reason or meeting.no_research_reason)
    if reason:
        meeting = meeting_set_no_research_reason(meeting=meeting, reason=reason, by=by)
    return _transition(meeting, M.HELD, by, notify=notify)


@transaction.atomic
def meeting_record(
    *,
    meeting: Meeting,
    summary: str,
    by,
    answers: str = "",
    attendance_count: int | None = None,
    walk_in_count: int | None = None,
    items: Sequence[tuple] = (),
    photos: Iterable = (),
    **participation,
) -> Meeting:
    """Complete the record of a held meeting in one step: summary, on-the-spot answers, attendance, participation
    (residents_invited, residents_attended, departments_count, member_times: `services_participation`), the
    suggestion and consensus items (kind, text) or (kind, text, proposer) outcomes are made from, and its photos
    (cleaned images); all or nothing."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != M.HELD:
        raise ValidationError(_("Only a held meeting can be recorded."))
    if not summary.strip():
        raise ValidationError(_("The record needs a summary."))
    meeting.summary = summary.strip()
    meeting.answers = answers.strip()
    meeting.attendance_count = attendance_count
    meeting.walk_in_count = walk_in_count
    services_participation.set_participation(meeting, participation)
    services_participation.record_items_create(meeting, items)
    meeting = _transition(meeting, M.RECORDED, by)
    content = {"summary": meeting.summary, "answers": meeting.answers, "attendance_count": meeting.attendance_count}
    content |= {"walk_in_count": meeting.walk_in_count, "items": [[kind, text.strip()] for kind, text, *_p in items]}
    content |= services_participation.participation_content(meeting)
    audit.record(actor=by, action="meeting_record_content", obj=meeting, after=content)
    meeting_photos_add(meeting=meeting, images=photos, by=by)  # last: only the commit can fail after it
    return meeting


@transaction.atomic
def meeting_photos_add(*, meeting: Meeting, images: Iterable, by) -> list[MeetingPhoto]:
    """Attach photos (cleaned images) to a meeting's record; if one fails, the files stored so far go too."""
    photos: list[MeetingPhoto] = []
    try:
        for image in images:
            photos.append(MeetingPhoto(meeting=meeting, image=image))
            photos[-1].save()
    except BaseException:
        for photo in photos:
            if photo.image and photo.image._committed:  # stored, not merely the upload's own name
                photo.image.storage.delete(photo.image.name)
        raise
    if photos:
        names = [photo.image.name for photo in photos]
        audit.record(actor=by, action="meeting_photos_add", obj=meeting, after={"photos": names})
    return photos


# -- participants ------------------------------------------------------------------------------

PARTICIPANT_FIELDS = ["meeting", "kind", "member", "name", "organisation", "invited", "response", "checked_in_at"]


def _open_for_people(meeting: Meeting) -> None:
    if meeting.status in (M.CANCELLED, M.RECORDED):
        raise ValidationError(_("This meeting no longer takes invitations or attendance."))


@transaction.atomic
def participants_invite(
    *, meeting: Meeting, by, members: Iterable[Member] = (), others: Iterable[tuple[str, str, str, str]] = ()
) -> list[Participant]:
    """Invite members (once each) and others given as (kind, name, organisation, phone)."""
    _open_for_people(meeting)
    invited = []
    already = set(meeting.participants.filter(member__isnull=False).values_list("member_id", flat=True))
    for member in members:
        if member.pk in already:
            continue
        invited.append(Participant.objects.create(meeting=meeting, kind=Participant.Kind.MEMBER, member=member))
    for kind, name, organisation, phone in others:
        if kind == Participant.Kind.MEMBER or not name.strip():
            raise ValidationError(_("Give the name and kind of each other participant."))
        invited.append(
            Participant.objects.create(
                meeting=meeting, kind=kind, name=name.strip(), organisation=organisation.strip(), phone=phone.strip()
            )
        )
    for participant in invited:
        audit.record(
            actor=by, action="participant_invite", obj=meeting, after=audit.snapshot(participant, PARTICIPANT_FIELDS)
        )
    notices.invited(invited)
    return invited


@transaction.atomic
def participant_respond(*, participant: Participant, response: str, by) -> Participant:
    """An invitee's yes or no, which they may change until the meeting starts; members answer from their
    workspace."""
    if response not in (Participant.Response.YES, Participant.Response.NO):
        raise ValidationError(_("Answer yes or no."))
    participant = Participant.objects.select_for_update().select_related("meeting").get(pk=participant.pk)
    if not rules.answers_open(participant.meeting):
        raise ValidationError(_("This meeting no longer takes answers."))
    before = audit.snapshot(participant, PARTICIPANT_FIELDS)
    participant.response = response
    participant.save(update_fields=["response"])
    audit.record(
        actor=by,
        action="participant_respond",
        obj=participant.meeting,
        before=before,
        after=audit.snapshot(participant, PARTICIPANT_FIELDS),
    )
    return participant


CHECKIN_OPENS_BEFORE = timedelta(hours=2)
CHECKIN_CLOSES_AFTER = timedelta(hours=2)


def checkin_open(meeting: Meeting, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    return (
        meeting.status in (M.NOTICE_PUBLISHED, M.HELD)
        and meeting.starts_at - CHECKIN_OPENS_BEFORE <= now <= meeting.ends_at + CHECKIN_CLOSES_AFTER
    )


# Checking in by the code (members, residents) and at the door: services_checkin.py.


@transaction.atomic
def attendance_mark(*, participant: Participant, present: bool, by) -> Participant:
    """Staff mark who came, for those who did not scan the code."""
    participant = Participant.objects.select_for_update().select_related("meeting").get(pk=participant.pk)
    _open_for_people(participant.meeting)
    before = audit.snapshot(participant, PARTICIPANT_FIELDS)
    participant.checked_in_at = (participant.checked_in_at or timezone.now()) if present else None
    participant.checkin_method = (participant.checkin_method or Participant.CheckinMethod.STAFF) if present else ""
    participant.save(update_fields=["checked_in_at", "checkin_method"])
    audit.record(
        actor=by,
        action="attendance_mark",
        obj=participant.meeting,
        before=before,
        after=audit.snapshot(participant, PARTICIPANT_FIELDS),
    )
    return participant


# -- the reason for no research (research itself: services_research.py) -------------------------


@transaction.atomic
def meeting_set_no_research_reason(*, meeting: Meeting, reason: str, by) -> Meeting:
    """Why a meeting is held without research; `meeting_hold` takes the reason in the same step."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    before = audit.snapshot(meeting, AUDIT_FIELDS)
    meeting.no_research_reason = reason.strip()
    meeting.save(update_fields=["no_research_reason"])
    after = audit.snapshot(meeting, AUDIT_FIELDS)
    audit.record(actor=by, action="meeting_no_research_reason", obj=meeting, before=before, after=after)
    return meeting
