"""提前公布: the public notices of consultation meetings, their print layout and calendar exports. No account."""

from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from consult_portal import links, page_cache, qr

from .. import ical
from .. import selectors_public as selectors
from ..models import Meeting

PAGE_SIZE = 20


def _town_from(request, towns):
    """The town chosen in ?town=, or None for any town (an unknown value is ignored)."""
    value = request.GET.get("town", "")
    return next((town for town in towns if str(town.pk) == value), None)


def _public_or_404(read, pk: int, **options) -> Meeting:
    try:
        return read(pk, **options)
    except Meeting.DoesNotExist:
        raise Http404 from None


def _notice_url(request, meeting: Meeting) -> str:
    return links.absolute(reverse("sessions:meeting", args=[meeting.pk]))


# Upcoming meetings depend on the clock: a page is kept a minute at most (and no longer than the next write).
@page_cache.public("meetings", seconds=60)
def meeting_list(request):
    towns = selectors.towns()
    town = _town_from(request, towns)
    page = Paginator(selectors.meeting_list(town=town), PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({"town": town.pk}) if town else ""
    return render(
        request,
        "sessions/public/meeting_list.html",
        {"page": page, "towns": towns, "town": town, "query": query},
    )


@page_cache.public("meeting", seconds=60)
def meeting_detail(request, pk: int):
    meeting = _public_or_404(selectors.public_meeting, pk)
    return render(request, "sessions/public/meeting_detail.html", {"meeting": meeting})


def meeting_print(request, pk: int):
    meeting = _public_or_404(selectors.public_meeting, pk, with_record=False)
    url = _notice_url(request, meeting)
    context = {"meeting": meeting, "notice_url": url, "qr": qr.svg_inline(url, 6)}
    return render(request, "sessions/public/meeting_print.html", context)


def _ics_response(body: bytes, filename: str) -> HttpResponse:
    response = HttpResponse(body, content_type=ical.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


def meeting_ics(request, pk: int):
    meeting = _public_or_404(selectors.meeting_for_calendar, pk)
    body = ical.calendar(
        [meeting], name=meeting.title, key=f"meeting-{meeting.pk}-calendar", url_for=lambda m: _notice_url(request, m)
    )
    return _ics_response(body, f"meeting-{meeting.pk}.ics")


# Kept until the first of its meetings ends (it then leaves the feed), or the next write.
@page_cache.public("meetings-feed")
def meetings_feed(request):
    town = _town_from(request, selectors.towns()) if request.GET.get("town") else None
    name, key = _("Consultation meetings"), "meetings"
    if town is not None:
        name, key = f"{name} · {town.name}", f"meetings-town-{town.pk}"
    meetings = selectors.calendar_feed(town=town)
    body = ical.calendar(meetings, name=name, key=key, url_for=lambda m: _notice_url(request, m))
    response = _ics_response(body, "meetings.ics")
    response.fresh_until = min((m.ends_at for m in meetings), default=None)
    return response


# feed.ics comes before the <int:pk> routes; "<int:pk>.ics" and "<int:pk>/" cannot match the same path.
