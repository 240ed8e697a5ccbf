"""What invitees hear of a meeting besides its reminders (reminders.py): their invitation, and a meeting moved,
postponed, cancelled or back on.

Each message is an outbox row written in the transaction of the change. Members with a login get an in-app notice and
an email (an SMS where they chose it, `consult_portal.notifications.tell_users`), with a link to their workspace where
they answer; people invited without a login who left a phone (residents, departments, experts) get an SMS with the
link to the public notice. The dedup keys name the invitation or the change (its history entry), so a step repeated
adds nothing.
"""

from datetime import datetime

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consult_portal import notifications
from consult_portal.models import Notification

from . import selectors_public
from .models import Meeting, MeetingTransition, Participant

M = Meeting.Status
KIND_INVITED = "meeting_invitation"
KIND_CHANGED = "meeting_changed"
TOLD = (M.PLANNED, M.NOTICE_PUBLISHED, M.POSTPONED, M.CANCELLED)  # the statuses a change is told in


def _when(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


def _span(meeting: Meeting) -> str:
    start, end = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
    return f"{_when(start)}–{end:%H:%M}" if end.date() == start.date() else f"{_when(start)}–{_when(end)}"


def _workspace() -> str:
    return reverse("workspace")  # the member's workspace (consult_portal.overview), where invitations are answered


def invited(participants: list[Participant]) -> int:
    """Tell each newly invited member with a login of the invitation; return how many messages were queued."""
    count = 0
    for participant in participants:
        user = participant.member.user if participant.member_id else None
        if user is None or not user.is_active:
            continue
        meeting = participant.meeting

        def subject(meeting=meeting):
            return _("You are invited to %(title)s on %(when)s") % {
                "title": meeting.title,
                "when": _when(meeting.starts_at),
            }

        def body(meeting=meeting):
            facts = _("%(span)s at %(place)s.") % {
                "span": _span(meeting),
                "place": meeting.place or meeting.platform.name,
            }
            return "\n\n".join(
                part
                for part in (facts, meeting.how_to_take_part, _("Say in your workspace whether you will attend."))
                if part
            )

        count += notifications.tell_users(
            [user],
            kind=KIND_INVITED,
            key=f"meeting-invited:{participant.pk}",
            subject=subject,
            body=body,
            link=_workspace(),
            obj=meeting,
        )
    return count


def _change_text(meeting: Meeting, transition: MeetingTransition) -> tuple[str, str]:
    """The subject and body saying what changed: the reason, or the old and the new time."""
    names = {"title": meeting.title, "when": _span(meeting), "reason": transition.reason}
    if transition.to_status == M.CANCELLED:
        return _("Cancelled: %(title)s") % names, _("Reason: %(reason)s") % names
    if transition.to_status == M.POSTPONED:
        return _("Postponed: %(title)s") % names, _(
            "Reason: %(reason)s\n\nYou will be told of the new time."
        ) % names
    if transition.from_status == M.POSTPONED:
        return _("Back on: %(title)s on %(when)s") % names, transition.reason
    if transition.old_starts_at is not None:
        names["old"] = _when(transition.old_starts_at)
        return _("Moved: %(title)s is now on %(when)s") % names, "\n\n".join(
            part for part in (_("Was: %(old)s. Now: %(when)s.") % names, transition.reason) if part
        )
    return _("New time: %(title)s, %(when)s") % names, transition.reason


def meeting_changed(meeting: Meeting, transition: MeetingTransition, *, moved: bool, notify: bool = True) -> int:
    """Tell everyone invited who has not declined that the meeting moved, was postponed or cancelled, or is back on
    after a postponement; return how many messages were queued. `notify=False` (the demo's history) tells nobody."""
    changed = moved or transition.to_status in (M.POSTPONED, M.CANCELLED) or transition.from_status == M.POSTPONED
    if not notify or not changed or transition.to_status not in TOLD:
        return 0
    with translation.override(settings.LANGUAGE_CODE):
        subject, body = _change_text(meeting, transition)
    people = (
        meeting.participants.exclude(response=Participant.Response.NO)
        .filter(invited=True)
        .select_related("member__user")
        .order_by("pk")
    )
    key = f"meeting-changed:{meeting.pk}:{transition.pk}"
    users, phones = [], set()
    for person in people:
        user = person.member.user if person.member_id else None
        if user is not None and user.is_active:
            users.append(user)
        elif phone := (person.member.phone if person.member_id else person.phone):
            phones.add(phone)  # no login: a member by the phone in the registry, anyone else by the one they gave
    count = notifications.tell_users(
        users, kind=KIND_CHANGED, key=key, subject=subject, body=body, link=_workspace(), obj=meeting
    )
    public = selectors_public.public_meetings().filter(pk=meeting.pk).exists()
    link = reverse("sessions:meeting", args=[meeting.pk]) if public else reverse("sessions:meetings")
    for phone in sorted(phones):
        count += notifications.notify(
            channel=Notification.Channel.SMS,
            kind=KIND_CHANGED,
            subject=subject,
            body=body,
            address=phone,
            dedup_key=f"{key}:sms:{phone}",
            link=link,
            obj=meeting,
        ).queued
    return count
