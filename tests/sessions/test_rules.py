"""The meeting rules named once: a consultation "held" is counted alike by every page, export and count."""

import io
from datetime import datetime, timedelta

import lxml.html
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consult_portal.models import in_town
from sessions.models import Meeting
from tests.factories import MeetingFactory, PlatformFactory

YEAR = 2026
NOW = timezone.make_aware(datetime(YEAR, 6, 15, 10, 0))


def _at(month: int, day: int = 10, year: int = YEAR):
    return timezone.make_aware(datetime(year, month, day, 9, 0))


def _meeting(platform, when, status, **kwargs):
    return MeetingFactory(platform=platform, starts_at=when, ends_at=when + timedelta(hours=2), status=status, **kwargs)


@pytest.fixture
def now():
    with time_machine.travel(NOW, tick=False):
        yield NOW


@pytest.fixture
def meetings(now, town_a, village_a, town_b):
    """Town A held three this year (one at its village, two recorded); B held one. The rest took no place or
    took place last year."""
    room_a = PlatformFactory(name="甲镇议事室", area=town_a)
    room_a1 = PlatformFactory(name="甲一村议事亭", level="village", area=village_a)
    _meeting(room_a, _at(3), "held")
    _meeting(room_a, _at(4), "recorded")
    _meeting(room_a1, _at(5), "recorded")
    _meeting(room_a, _at(5, 20), "postponed", status_reason="下雨")
    _meeting(room_a, _at(6, 1), "cancelled", status_reason="改为书面协商")
    _meeting(room_a, _at(6, 14), "published")  # the notice is out, the meeting was never marked held
    _meeting(room_a, _at(7), "planned")
    _meeting(room_a, _at(6, 10, YEAR - 1), "held")  # last year
    _meeting(PlatformFactory(name="乙镇议事室", area=town_b), _at(2), "held")


def _figures(response) -> dict[str, str]:
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content.decode())
    return {node.get("data-figure"): node.text_content().strip() for node in page.xpath("//*[@data-figure]")}


def _xlsx(response) -> list[list]:
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def test_a_held_meeting_is_one_that_took_place(meetings, town_a):
    held = Meeting.objects.held(year=YEAR)
    assert held.filter(in_town(town_a, "platform__area")).count() == 3
    assert held.count() == 4
    assert {m.status for m in Meeting.objects.held()} == {"held", "recorded"}
    assert [m.is_held for m in Meeting.objects.order_by("starts_at")].count(True) == 5  # last year's too


def test_every_page_counts_the_same_meetings_held_in_a_town(client, liaison_a, office, meetings, town_a):
    client.force_login(liaison_a)
    counts = {
        "staff home": _figures(client.get("/staff/"))["meetings_held"],
        "dashboard": _figures(client.get("/staff/dashboard/", {"year": YEAR}))["meetings_held"],
        "coverage": next(
            r.meeting_count
            for r in client.get(reverse("sessions:coverage"), {"year": YEAR}).context["rows"]
            if r.pk == town_a.pk
        ),
        "coverage export": next(
            r[5] for r in _xlsx(client.get(reverse("sessions:coverage-xlsx"), {"year": YEAR})) if r[0] == "甲镇"
        ),
        "platforms' activities": sum(
            five.activity_count for _platform, five in client.get(reverse("sessions:platforms")).context["rows"]
        ),
    }
    client.force_login(office)
    counts["assessment"] = next(
        s.held for s in client.get("/staff/assessment/", {"year": YEAR}).context["scores"] if s.town == town_a
    )
    public = lxml.html.fromstring(client.get("/stats/", {"year": YEAR}).content.decode())
    counts["public statistics"] = next(
        row[1].text_content().strip() for row in public.xpath("//table//tbody/tr") if row[0].text_content() == "甲镇"
    )
    assert {name: int(count) for name, count in counts.items()} == dict.fromkeys(counts, 3)


def test_the_county_counts_agree_too(client, office, meetings):
    client.force_login(office)
    coverage = client.get(reverse("sessions:coverage"), {"year": YEAR}).context
    assert (
        int(_figures(client.get("/staff/"))["meetings_held"]),
        int(_figures(client.get("/staff/dashboard/", {"year": YEAR}))["meetings_held"]),
        coverage["total_meetings"],
        _xlsx(client.get(reverse("sessions:coverage-xlsx"), {"year": YEAR}))[-1][5],
        Meeting.objects.held(year=YEAR).count(),
    ) == (4, 4, 4, 4, 4)
