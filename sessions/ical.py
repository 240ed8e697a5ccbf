"""iCalendar (RFC 5545) exports of public meetings, for residents' and members' phone calendars.

An event's UID is stable (it names the meeting and the portal's host, not the address a visitor used),
and its SEQUENCE grows with every change a calendar shows, so a calendar updates the event in place.
"""

from collections.abc import Callable, Iterable
from datetime import timedelta
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from icalendar import Calendar, Event

from consult_portal import links
from consult_portal.typography import labelled

from .models import Meeting

CONTENT_TYPE = "text/calendar; charset=utf-8"

STATUS = {
    Meeting.Status.CANCELLED: "CANCELLED",
    Meeting.Status.POSTPONED: "TENTATIVE",
}


def _zone() -> ZoneInfo:
    return ZoneInfo(settings.TIME_ZONE)


def _uid_host() -> str:
    return urlsplit(links.base_url()).hostname or "localhost"


def event_uid(meeting: Meeting) -> str:
    return f"meeting-{meeting.pk}@{_uid_host()}"


def _location(meeting: Meeting) -> str:
    parts = [meeting.place or meeting.platform.address, meeting.platform.name]
    return pgettext("between the parts of an address", ", ").join(dict.fromkeys(p for p in parts if p))


def _description(meeting: Meeting, url: str) -> str:
    lines = []
    if meeting.status in STATUS:
        lines += [labelled(meeting.get_status_display(), meeting.status_reason), ""]
    topics = [topic.title for topic in meeting.topics.all()]
    if topics:
        lines.append(_("Topics:"))
        lines += [f"- {title}" for title in topics]
        lines.append("")
    lines.append(labelled(_("Form"), meeting.get_form_display()))
    if meeting.how_to_take_part:
        lines += ["", _("How to take part:"), meeting.how_to_take_part]
    lines += ["", url]
    return "\n".join(lines)


def meeting_event(meeting: Meeting, *, url: str, stamp=None) -> Event:
    """One VEVENT; `meeting` needs `ical_sequence` (see selectors_public) and its topics prefetched."""
    zone = _zone()
    return Event.new(
        uid=event_uid(meeting),
        stamp=stamp or timezone.now(),
        start=timezone.localtime(meeting.starts_at, zone),
        end=timezone.localtime(meeting.ends_at, zone),
        summary=meeting.title,
        location=_location(meeting),
        description=_description(meeting, url),
        url=url,
        status=STATUS.get(meeting.status, "CONFIRMED"),
        sequence=getattr(meeting, "ical_sequence", 0),
    )


def calendar(meetings: Iterable[Meeting], *, name: str, key: str, url_for: Callable[[Meeting], str]) -> bytes:
    """A VCALENDAR of the meetings; `key` names the calendar in its UID, `url_for` gives the absolute
    address of a meeting's notice."""
    cal = Calendar.new(
        prodid=f"-//{_uid_host()}//Consultation portal//ZH",
        name=name,
        method="PUBLISH",
        calscale="GREGORIAN",
        uid=f"{key}@{_uid_host()}",
    )
    cal.add("X-WR-TIMEZONE", settings.TIME_ZONE)
    stamp = timezone.now()
    starts = []
    for meeting in meetings:
        cal.add_component(meeting_event(meeting, url=url_for(meeting), stamp=stamp))
        starts.append(meeting.starts_at)
    if starts:
        # The zone's rules from the first meeting on, not its whole history.
        cal.add_missing_timezones(first_date=(min(starts) - timedelta(days=1)).date())
    return cal.to_ical()
