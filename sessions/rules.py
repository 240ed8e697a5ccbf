"""The lifecycle rules of a meeting, each named once; the services check them, so every path (a page, the admin
actions, a command, the demo) obeys them alike.

- A meeting is not scheduled or moved into the past: `check_not_in_past`.
- Research happens before the meeting: not after the meeting's day, not in the future: `check_research_date`.
- 不调研不协商: a notice is published, and a meeting held, after research or with the recorded reason why not:
  `has_research_or_reason`.
- An invitee answers, and may change the answer, until the meeting starts: `answers_open`.
- Residents attending exceed those invited only by the walk-ins: `check_participation`.

"The past" is judged by `now()`: the present moment, or the moment a replayed story says it acts at (`as_of`).
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Meeting

PAST_REFUSED = gettext_lazy("A meeting cannot be scheduled or moved into the past: choose a time still to come.")
RESEARCH_IN_FUTURE = gettext_lazy("Research cannot be dated in the future.")
NOTICE_NEEDS_RESEARCH = gettext_lazy(
    "Record the research first, or give the reason the meeting goes ahead without."
)

# The statuses in which a meeting is still to be held, so invitees' answers count.
ANSWERABLE = (Meeting.Status.PLANNED, Meeting.Status.NOTICE_PUBLISHED, Meeting.Status.POSTPONED)

_as_of: ContextVar[datetime | None] = ContextVar("sessions_rules_as_of", default=None)


def now() -> datetime:
    return _as_of.get() or timezone.now()


@contextmanager
def as_of(moment: datetime) -> Iterator[None]:
    """Judge "the past" as of `moment`: for code that replays what happened then, step by step through the
    services (the demo builder, which then dates its rows back). No request can reach it: a page acts now."""
    token = _as_of.set(moment)
    try:
        yield
    finally:
        _as_of.reset(token)


def check_not_in_past(starts_at: datetime) -> None:
    """A meeting is scheduled, or moved, to a time that has not come yet. The one place for this rule, so that a
    later entry of past meetings (#14) can be exempted here."""
    if starts_at < now():
        raise ValidationError({"starts_at": ValidationError(PAST_REFUSED, code="in_past")})


def check_research_date(day: date, meeting=None) -> None:
    """Research comes before the consultation: dated no later than today, nor than the day the meeting starts."""
    if day > timezone.localdate(now()):
        raise ValidationError({"date": ValidationError(RESEARCH_IN_FUTURE, code="research_in_future")})
    if meeting is not None and day > timezone.localdate(meeting.starts_at):
        starts = timezone.localdate(meeting.starts_at)
        message = _("Research comes before the meeting: date it on or before %(day)s.") % {"day": starts}
        raise ValidationError({"date": ValidationError(message, code="research_after_meeting")})


def check_noticeable(meeting, reason: str = "") -> None:
    """The notice goes out after research, or with the reason why not (不调研不协商)."""
    if not has_research_or_reason(meeting, reason):
        raise ValidationError({"no_research_reason": ValidationError(NOTICE_NEEDS_RESEARCH, code="no_research")})


def answers_open(meeting) -> bool:
    """An invitee may answer, or change their answer, while the meeting is on and has not started yet."""
    return meeting.status in ANSWERABLE and now() < meeting.starts_at


def has_research_or_reason(meeting, reason: str = "") -> bool:
    """不调研不协商: research is recorded for the meeting, or a reason why it goes ahead without (given now, or
    already kept on the meeting)."""
    return bool(reason.strip() or meeting.no_research_reason.strip()) or meeting.research.exists()


def check_participation(
    *,
    residents_invited: int | None = None,
    residents_attended: int | None = None,
    departments_count: int | None = None,
    member_times: int | None = None,
    walk_in_count: int | None = None,
    attendance_count: int | None = None,
) -> None:
    """Participation (参与) as recorded: no number below zero; residents attending may exceed residents invited
    only by the residents who came of their own accord (the walk-ins, who were not invited); and the residents
    attending are part of the attendance. Empty means not recorded and is never refused."""
    errors = {}
    numbers = {
        "residents_invited": residents_invited,
        "residents_attended": residents_attended,
        "departments_count": departments_count,
        "member_times": member_times,
    }
    for field, value in numbers.items():
        if value is not None and value < 0:
            errors[field] = ValidationError(_("Enter 0 or more, or leave it empty."), code="negative")
    if not errors and residents_invited is not None and residents_attended is not None:
        walk_ins = walk_in_count or 0
        if residents_attended > residents_invited + walk_ins:
            message = _(
                "More residents attending (%(attended)s) than invited (%(invited)s) plus those who came of their "
                "own accord (%(walk_ins)s): correct the numbers, or enter the residents who came uninvited."
            ) % {"attended": residents_attended, "invited": residents_invited, "walk_ins": walk_ins}
            errors["residents_attended"] = ValidationError(message, code="more_than_invited")
    known = None not in (residents_attended, attendance_count)
    if "residents_attended" not in errors and known and residents_attended > attendance_count:
        message = _("The residents attending are part of the attendance: at most %(attendance)s.") % {
            "attendance": attendance_count
        }
        errors["residents_attended"] = ValidationError(message, code="more_than_attendance")
    if errors:
        raise ValidationError(errors)
