"""The .xlsx exports of the meeting list, the platform list and the platforms' coverage: the same rows as the page with
the same filters and the same town scope. What every export keeps (a constant number of queries, an audit entry, who
may download it, the link from its page) is tested over all of them in tests/portal/test_exports_scope.py."""

from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.documents_helpers import YEAR, export, held, make_meetings, make_platforms, page_of, rows_of
from tests.factories import PlatformFactory

# ------------------------------------------------------------------------------------------ meetings


@pytest.fixture
def meetings(town_a, town_b, village_a):
    start = timezone.make_aware(datetime(2026, 5, 8, 9, 30))
    (meeting,) = make_meetings(
        town_a,
        village_a,
        title="村口路灯协商会",
        status="held",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        form="on_site",
        place="甲一村文化礼堂",
    )
    make_meetings(town_a, title="集市停车协商会", status="published")
    make_meetings(town_b, title="乙镇河道协商会", status="held")
    return meeting


def test_it_exports_the_meeting_list_as_the_page_lists_it(client, office, meetings):
    client.force_login(office)
    header, *rows = rows_of(client.get(reverse("sessions:meetings-xlsx")))
    page = page_of(client, "sessions:staff-meetings")["page"]
    assert [r[2] for r in rows] == [m.title for m in page.object_list]
    row = next(r for r in rows if r[2] == "村口路灯协商会")
    assert row[:2] == [datetime(2026, 5, 8, 9, 30), datetime(2026, 5, 8, 11, 30)]
    assert row[4] == "甲镇 · 甲一村"
    assert row[6] == "甲一村文化礼堂"
    assert row[9:11] == [0, 0]
    assert len(header) == len(row)


@pytest.mark.parametrize("params", [{"status": "held"}, {"q": "停车"}, {"year": 2026}, {"form": "on_site"}])
def test_it_filters_the_meetings_like_the_page(client, office, meetings, params):
    client.force_login(office)
    _header, *rows = rows_of(client.get(reverse("sessions:meetings-xlsx"), params))
    page = page_of(client, "sessions:staff-meetings", params)["page"]
    assert [r[2] for r in rows] == [m.title for m in page.object_list]


def test_it_exports_only_the_liaisons_own_town_of_meetings(client, liaison_a, meetings):
    client.force_login(liaison_a)
    _header, *rows = rows_of(client.get(reverse("sessions:meetings-xlsx")))
    assert sorted(r[2] for r in rows) == ["村口路灯协商会", "集市停车协商会"]


# ------------------------------------------------------------------------------------------ platforms


@pytest.fixture
def platforms(town_a, town_b, village_a):
    (studio,) = make_platforms(
        town_a,
        village_a,
        name="甲一村议事室",
        host_unit="甲一村村委会",
        contact_name="孙主任",
        contact_phone="0571-7654321",
        organisation_confirmed_on=date(2026, 1, 5),
    )
    make_platforms(town_a, name="甲镇协商室")
    make_platforms(town_b, name="乙镇协商室")
    return studio


def test_it_exports_the_platform_list_as_the_page_lists_it(client, office, platforms):
    client.force_login(office)
    header, *rows = rows_of(client.get(reverse("sessions:platforms-xlsx")))
    context = page_of(client, "sessions:platforms")
    assert [r[0] for r in rows] == [p.name for p, _five in context["rows"]]
    row = next(r for r in rows if r[0] == "甲一村议事室")
    assert row[3:7] == ["甲镇 · 甲一村", "甲一村村委会", "孙主任", "0571-7654321"]
    assert row[8] == datetime(2026, 1, 5)
    assert row[-4:] == [0, None, 1, None]  # no meeting, none last, 1 of the five haves, not a pilot
    assert len(header) == len(row)


@pytest.mark.parametrize("params", [{"level": "village"}, {"q": "乙镇"}, {"kind": "studio"}])
def test_it_filters_the_platforms_like_the_page(client, office, platforms, params):
    client.force_login(office)
    _header, *rows = rows_of(client.get(reverse("sessions:platforms-xlsx"), params))
    context = page_of(client, "sessions:platforms", params)
    assert [r[0] for r in rows] == [p.name for p, _five in context["rows"]]


def test_it_exports_only_the_liaisons_own_town_of_platforms(client, liaison_a, platforms):
    client.force_login(liaison_a)
    _header, *rows = rows_of(client.get(reverse("sessions:platforms-xlsx")))
    assert sorted(r[0] for r in rows) == ["甲一村议事室", "甲镇协商室"]


# ------------------------------------------------------------------------------------------ the platforms' coverage


@pytest.fixture
def network(county, town_a, town_b, village_a, village_b):
    """Town A: its room held 2 this year and 1 last year, village A1's room 1; town B: one room, one meeting held."""
    room_a = PlatformFactory(level="town", area=town_a)
    held(room_a, timezone.make_aware(datetime(YEAR, 1, 5, 10)))
    held(room_a, timezone.make_aware(datetime(YEAR, 1, 6, 10)), status="recorded")
    held(room_a, timezone.make_aware(datetime(YEAR - 1, 6, 1, 10)))
    held(room_a, timezone.make_aware(datetime(YEAR, 1, 7, 10)), status="planned")
    held(PlatformFactory(level="village", area=village_a), timezone.make_aware(datetime(YEAR, 1, 8, 10)))
    held(PlatformFactory(level="town", area=town_b), timezone.make_aware(datetime(YEAR, 1, 9, 10)))


def coverage_rows(context) -> list[list]:
    figures = context["figures"]
    rows = [[r.name, r.platform_count, r.meeting_count] for r in figures["rows"]]
    if figures["county"]:
        # The county's own platforms and meetings, then the whole county: towns + county.
        rows.append(["县级", figures["county"]["platform_count"], figures["county"]["meeting_count"]])
        rows.append(["全县", figures["total_platforms"], figures["total_meetings"]])
    return rows


@pytest.mark.parametrize("params", [{}, {"year": YEAR - 1}, {"year": "bogus"}])
def test_it_exports_the_coverage_as_the_page_shows_it(client, office, network, params):
    client.force_login(office)
    rows = export(client, "sessions:coverage-xlsx", params)
    context = page_of(client, "sessions:coverage", params)
    assert [[r[0], r[2], r[5]] for r in rows] == coverage_rows(context)
    assert len(rows) == 6  # two towns, their villages, the county's row, the total


def test_it_counts_the_coverage_of_this_year_by_hand(client, office, network):
    client.force_login(office)
    rows = {r[0]: r for r in export(client, "sessions:coverage-xlsx")}
    assert rows["甲镇"][2:6] == [2, 1, 1, 3]  # platforms, villages with one, villages, held (a village's count)
    assert rows["甲一村"][2:6] == [1, None, None, 1]
    assert (rows["甲镇"][6], rows["乙镇"][6], rows["甲一村"][6]) == ("已达年度目标", "未达年度目标", None)
    assert rows["县级"][2:6] == [0, None, None, 0]  # no county-level platform in this network
    assert rows["全县"][2:6] == [3, None, None, 4]


def test_it_exports_only_the_liaisons_own_town_of_the_coverage(client, liaison_a, network):
    client.force_login(liaison_a)
    rows = export(client, "sessions:coverage-xlsx")
    assert [r[0] for r in rows] == ["甲镇", "甲一村"]  # one town: no total row, as on the page
    assert [[r[0], r[2], r[5]] for r in rows] == coverage_rows(page_of(client, "sessions:coverage"))
