"""The .xlsx exports of the staff lists — topics, meetings, platforms, outcome items: the same rows as the page with the
same filters and the same town scope, residents' phones masked, streamed in a constant number of queries, audited."""

import io
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consult_portal.models import AuditEntry
from tests.factories import MeetingFactory, OutcomeFactory, PlatformFactory, TopicFactory, UnitFactory

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def rows_of(response) -> list[list]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def page_of(client, name: str, params: dict | None = None):
    response = client.get(reverse(name), params or {})
    assert response.status_code == 200
    return response.context


# ------------------------------------------------------------------------------------------ data


def make_topics(town, village=None, count=1, **kwargs):
    return [TopicFactory(town=town, village=village, **kwargs) for _ in range(count)]


def make_meetings(town, village=None, count=1, **kwargs):
    area = village or town
    platform = PlatformFactory(level="village" if village else "town", area=area)
    return [MeetingFactory(platform=platform, **kwargs) for _ in range(count)]


def make_platforms(town, village=None, count=1, **kwargs):
    area = village or town
    return [PlatformFactory(level="village" if village else "town", area=area, **kwargs) for _ in range(count)]


def make_outcomes(town, village=None, count=1, **kwargs):
    (meeting,) = make_meetings(town, village, status="recorded")
    return [OutcomeFactory(meeting=meeting, **kwargs) for _ in range(count)]


# ------------------------------------------------------------------------------------------ topics


@pytest.fixture
def topics(town_a, town_b, village_a):
    now = timezone.now()
    resident = TopicFactory(
        town=town_a,
        village=village_a,
        title="村口路灯改造",
        status="accepted",
        submitter_name="赵大爷",
        submitter_phone="13812345678",
        consent_at=now,
    )
    make_topics(town_a, title="集市停车难", status="submitted", category="hard_case")
    make_topics(town_b, title="乙镇河道清淤", status="accepted")
    return resident


def test_it_exports_the_topic_list_as_the_page_lists_it(client, office, topics):
    client.force_login(office)
    header, *rows = rows_of(client.get(reverse("topics:topics-xlsx")))
    page = page_of(client, "topics:staff-list")["page"]
    assert [r[1] for r in rows] == [t.title for t in page.object_list]
    row = next(r for r in rows if r[1] == "村口路灯改造")
    assert row[0] == topics.tracking_code
    assert row[4] == "甲镇 · 甲一村"
    assert row[6] == topics.year
    assert row[7] == timezone.localtime(topics.created_at).replace(tzinfo=None, microsecond=row[7].microsecond)
    assert row[8:] == ["赵大爷", "138****5678"]
    assert len(header) == len(row)


def test_it_masks_residents_phone_numbers(client, office, topics):
    client.force_login(office)
    rows = rows_of(client.get(reverse("topics:topics-xlsx")))
    cells = [str(value) for row in rows for value in row]
    assert not any("13812345678" in cell for cell in cells)
    assert "138****5678" in cells


@pytest.mark.parametrize(
    "params", [{"status": "accepted"}, {"category": "hard_case"}, {"q": "路灯"}, {"sort": "title"}, {"status": "bogus"}]
)
def test_it_filters_the_topics_like_the_page(client, office, topics, params):
    client.force_login(office)
    _header, *rows = rows_of(client.get(reverse("topics:topics-xlsx"), params))
    page = page_of(client, "topics:staff-list", params)["page"]
    assert [r[1] for r in rows] == [t.title for t in page.object_list]


def test_it_exports_only_the_liaisons_own_town_of_topics(client, liaison_a, topics, town_b):
    client.force_login(liaison_a)
    _header, *rows = rows_of(client.get(reverse("topics:topics-xlsx"), {"town": town_b.pk}))
    assert sorted(r[1] for r in rows) == ["村口路灯改造", "集市停车难"]


# ------------------------------------------------------------------------------------------ meetings


@pytest.fixture
def meetings(town_a, town_b, village_a):
    start = timezone.make_aware(datetime(2026, 5, 8, 9, 30))
    (held,) = make_meetings(
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
    return held


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
    assert row[-3:] == [0, None, 1]
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


# ------------------------------------------------------------------------------------------ outcome items


@pytest.fixture
def outcomes(town_a, town_b, village_a, unit):
    today = timezone.localdate()
    (late,) = make_outcomes(
        town_a, village_a, text="更换村口路灯", unit=unit, contact_phone="0571-1234567", deadline=today - timedelta(1)
    )
    make_outcomes(town_a, text="整治集市停车", unit=UnitFactory(name="甲镇人民政府"), status="in_progress")
    make_outcomes(town_b, text="清理乙镇河道", unit=unit)
    return late


def test_it_exports_the_outcome_list_as_the_page_lists_it(client, office, outcomes):
    client.force_login(office)
    header, *rows = rows_of(client.get(reverse("outcomes:items-xlsx")))
    page = page_of(client, "outcomes:staff-list")["page"]
    assert [r[0] for r in rows] == [i.pk for i in page.object_list]
    row = next(r for r in rows if r[0] == outcomes.pk)
    assert row[1] == "更换村口路灯"
    assert row[4:8] == ["县住房城乡建设局", "王科长", "0571-1234567", "甲镇"]
    assert row[9] == datetime.combine(outcomes.deadline, datetime.min.time())
    assert row[11] == "是"  # overdue
    assert len(header) == len(row)


@pytest.mark.parametrize("params", [{"status": "open"}, {"status": "in_progress"}, {"overdue": "on"}, {"q": "路灯"}])
def test_it_filters_the_outcomes_like_the_page(client, office, outcomes, params):
    client.force_login(office)
    _header, *rows = rows_of(client.get(reverse("outcomes:items-xlsx"), params))
    page = page_of(client, "outcomes:staff-list", params)["page"]
    assert [r[0] for r in rows] == [i.pk for i in page.object_list]
    assert rows


def test_it_filters_the_outcomes_by_unit_and_town(client, office, outcomes, unit, town_b):
    client.force_login(office)
    _header, *rows = rows_of(client.get(reverse("outcomes:items-xlsx"), {"unit": unit.pk, "town": town_b.pk}))
    assert [r[1] for r in rows] == ["清理乙镇河道"]


def test_it_exports_only_the_liaisons_own_town_of_outcomes(client, liaison_a, outcomes):
    client.force_login(liaison_a)
    _header, *rows = rows_of(client.get(reverse("outcomes:items-xlsx")))
    assert sorted(r[1] for r in rows) == ["整治集市停车", "更换村口路灯"]


# ------------------------------------------------------------------------------------------ every export

EXPORTS = {
    "topics:topics-xlsx": (make_topics, "topic_export"),
    "sessions:meetings-xlsx": (make_meetings, "meeting_export"),
    "sessions:platforms-xlsx": (make_platforms, "platform_export"),
    "outcomes:items-xlsx": (make_outcomes, "outcome_export"),
}
LISTS = {
    "topics:topics-xlsx": "topics:staff-list",
    "sessions:meetings-xlsx": "sessions:staff-meetings",
    "sessions:platforms-xlsx": "sessions:platforms",
    "outcomes:items-xlsx": "outcomes:staff-list",
}


@pytest.mark.parametrize("route", EXPORTS)
def test_it_exports_in_a_constant_number_of_queries(client, office, town_a, village_a, route):
    make, _action = EXPORTS[route]
    client.force_login(office)
    make(town_a, village_a, count=2)
    with CaptureQueriesContext(connection) as small:
        small_rows = rows_of(client.get(reverse(route)))
    make(town_a, village_a, count=20)
    with CaptureQueriesContext(connection) as large:
        large_rows = rows_of(client.get(reverse(route)))
    assert (len(small_rows), len(large_rows)) == (3, 23)
    assert 0 < len(small) == len(large), "\n".join(q["sql"] for q in large.captured_queries)


@pytest.mark.parametrize("route", EXPORTS)
def test_it_audits_each_export_with_its_filters(client, liaison_a, town_a, route):
    make, action = EXPORTS[route]
    make(town_a, count=2)
    client.force_login(liaison_a)
    rows_of(client.get(reverse(route), {"q": "", "year": "2026"}))
    entry = AuditEntry.objects.get(action=action)
    assert entry.actor == liaison_a
    assert entry.after["filters"] == {"year": "2026"}
    assert entry.after["rows"] >= 0


@pytest.mark.parametrize("route", EXPORTS)
def test_it_lets_leaders_export_and_refuses_members_units_and_visitors(client, personas, route):
    client.force_login(personas["leader"])
    rows_of(client.get(reverse(route)))
    for persona in ("member", "unit"):
        client.force_login(personas[persona])
        assert client.get(reverse(route)).status_code == 403
    client.logout()
    response = client.get(reverse(route))
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("route", EXPORTS)
def test_each_list_links_to_its_export_with_the_current_filters(client, office, route):
    client.force_login(office)
    html = client.get(reverse(LISTS[route]), {"q": "路灯", "page": "1"}).content.decode()
    assert f'href="{reverse(route)}?q=%E8%B7%AF%E7%81%AF"' in html
    html = client.get(reverse(LISTS[route])).content.decode()
    assert f'href="{reverse(route)}"' in html
