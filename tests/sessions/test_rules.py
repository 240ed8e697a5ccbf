"""The meeting rules named once: a consultation "held", and a platform meeting "五有", are counted alike by every
page, export and count."""

import io
from datetime import date, datetime, timedelta

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
            for r in client.get(reverse("sessions:coverage"), {"year": YEAR}).context["figures"]["rows"]
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
        coverage["figures"]["total_meetings"],
        _xlsx(client.get(reverse("sessions:coverage-xlsx"), {"year": YEAR}))[-1][5],
        Meeting.objects.held(year=YEAR).count(),
    ) == (4, 4, 4, 4, 4)


# -- "五有" met ----------------------------------------------------------------------------------------------------

CONFIRMED = {f"{item}_confirmed_on": date(YEAR, 3, 1) for item in ("organisation", "sign", "staff", "rules")}


@pytest.fixture
def platforms(now, town_a, town_b):
    """Town A: one platform meets all five; three meet four (no sign; no activity since a meeting held last year and a
    cancelled one; rules confirmed only next month). Town B's one platform meets all five."""
    full = PlatformFactory(name="甲镇五有俱全", area=town_a, **CONFIRMED)
    no_sign = PlatformFactory(name="甲镇缺牌子", area=town_a, **{**CONFIRMED, "sign_confirmed_on": None})
    idle = PlatformFactory(name="甲镇无活动", area=town_a, **CONFIRMED)
    later = PlatformFactory(name="甲镇下月立制度", area=town_a, **{**CONFIRMED, "rules_confirmed_on": date(YEAR, 7, 1)})
    b = PlatformFactory(name="乙镇五有俱全", area=town_b, **CONFIRMED)
    for platform, month in ((full, 3), (no_sign, 4), (later, 5), (b, 2)):
        _meeting(platform, _at(month), "recorded")
    _meeting(idle, _at(5), "cancelled", status_reason="下雨")
    _meeting(idle, _at(6, 10, YEAR - 1), "held")
    return {"later": later}


def test_every_page_counts_the_same_five_haves(client, office, platforms, town_a):
    client.force_login(office)
    listed = {p.name: five.met_count for p, five in client.get(reverse("sessions:platforms")).context["rows"]}
    exported = {r[0]: r[14] for r in _xlsx(client.get(reverse("sessions:platforms-xlsx")))[1:]}
    expected = {"甲镇五有俱全": 5, "甲镇缺牌子": 4, "甲镇无活动": 4, "甲镇下月立制度": 4, "乙镇五有俱全": 5}
    assert listed == exported == expected
    scores = {s.town.code: s for s in client.get("/staff/assessment/", {"year": YEAR}).context["scores"]}
    assert (scores["T-A"].five_haves, scores["T-A"].platform_count) == (1, 4)
    assert (scores["T-B"].five_haves, scores["T-B"].platform_count) == (1, 1)


def test_a_confirmation_dated_later_is_not_met_yet(client, office, platforms):
    client.force_login(office)
    html = client.get(reverse("sessions:platform-detail", args=[platforms["later"].pk])).content.decode()
    assert 'data-five="rules" data-met="false"' in html
    assert 'data-meets-all="false"' in html and 'data-five-met="4"' in html
    with time_machine.travel(timezone.make_aware(datetime(YEAR, 7, 1, 10, 0)), tick=False):
        client.force_login(office)  # the session of two weeks ago has expired
        html = client.get(reverse("sessions:platform-detail", args=[platforms["later"].pk])).content.decode()
        assert 'data-meets-all="true"' in html and 'data-five-met="5"' in html
