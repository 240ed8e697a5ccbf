"""The .xlsx exports of the annual plan, the platforms' and the members' coverage, the special committees' duties
and satisfaction by unit and by town: what the page shows, scoped like the page, in a constant number of queries,
audited, refused to those the page refuses."""

import io
from datetime import date, datetime, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consult_portal.models import Area, AuditEntry
from members.models import Assignment
from outcomes.models import SatisfactionResponse, SurveyTally
from sessions.models import Participant, Research
from tests.factories import (
    AreaFactory,
    CommitteeFactory,
    MeetingFactory,
    MemberFactory,
    OutcomeFactory,
    PlatformFactory,
    TopicFactory,
    UnitFactory,
)
from topics.models import ConsultationPlan, PlanEntry

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
YEAR = timezone.localdate().year
PAST = 2025  # the committees' year: every month and both half years are due


def rows_of(response) -> list[list]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def export(client, route: str, params: dict | None = None, args=()) -> list[list]:
    header, *rows = rows_of(client.get(reverse(route, args=args), params or {}))
    assert all(len(row) == len(header) for row in rows)
    return rows


def page(client, route: str, params: dict | None = None, args=()):
    response = client.get(reverse(route, args=args), params or {})
    assert response.status_code == 200
    return response.context


def percent(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


# ------------------------------------------------------------------------------------------ data


def add_plan_entries(town, count: int, village=None) -> None:
    plan, _created = ConsultationPlan.objects.get_or_create(year=YEAR)
    for n in range(count):
        topic = TopicFactory(town=town, village=village, status="planned", year=YEAR)
        PlanEntry.objects.create(plan=plan, topic=topic, quarter=n % 4 + 1, platform_level="village")


def held(platform, when=None, status="held"):
    when = when or timezone.make_aware(datetime(YEAR, 1, 1, 10)) + timedelta(days=1)
    return MeetingFactory(platform=platform, starts_at=when, ends_at=when + timedelta(hours=2), status=status)


def add_coverage(town, count: int) -> None:
    for _ in range(count):
        village = AreaFactory(level=Area.Level.VILLAGE, parent=town)
        held(PlatformFactory(level="village", area=village))


def sink(member, area, **kwargs):
    starts_on = timezone.localdate() - timedelta(days=30)
    return Assignment.objects.create(member=member, area=area, starts_on=starts_on, **kwargs)


def add_sunk_members(town, count: int) -> None:
    for _ in range(count):
        village = AreaFactory(level=Area.Level.VILLAGE, parent=town)
        sink(MemberFactory(), village)
        sink(MemberFactory(), village)


def add_committees(town, count: int) -> None:
    for _ in range(count):
        committee = CommitteeFactory()
        committee.stations.set([town])
        PlatformFactory(level="town", kind="studio", area=town, committee=committee)
        member = MemberFactory(committee=committee)
        meeting = held(PlatformFactory(area=town), timezone.make_aware(datetime(PAST, 3, 10, 9)))
        Participant.objects.create(meeting=meeting, kind="member", member=member, checked_in_at=meeting.starts_at)
        Research.objects.create(meeting=meeting, date=date(PAST, 3, 2), kind="visit", findings="走访").members.add(
            member
        )


def published_item(town, unit, ratings=(5, 1), tally=None, county_wide=False):
    platform = PlatformFactory(level="town", area=town)
    meeting = held(platform, status="recorded")
    item = OutcomeFactory(meeting=meeting, unit=unit, status="implemented", published_at=timezone.now())
    if county_wide:
        type(item).objects.filter(pk=item.pk).update(town=None)
    for n, rating in enumerate(ratings):
        SatisfactionResponse.objects.create(item=item, rating=rating, browser_token=f"b{item.pk}-{n}")
    if tally:
        SurveyTally.objects.create(item=item, method="visit", date=timezone.localdate(), **tally)
    return item


def add_satisfaction(town, count: int) -> None:
    for _ in range(count):
        published_item(town, UnitFactory())


def add_satisfaction_of_towns(town, count: int) -> None:
    """An item in town A, and one in each of `count` - 1 other towns."""
    published_item(town, UnitFactory())
    for _ in range(count - 1):
        published_item(AreaFactory(level=Area.Level.TOWN), UnitFactory())


# ------------------------------------------------------------------------------------------ the annual plan


@pytest.fixture
def plan(town_a, town_b, village_a):
    plan = ConsultationPlan.objects.create(year=YEAR)
    for quarter, town, village, title in [
        (2, town_a, village_a, "村口路灯改造"),
        (1, town_b, None, "乙镇河道清淤"),
        (3, town_a, None, "集市停车难"),
    ]:
        topic = TopicFactory(town=town, village=village, title=title, status="planned", year=YEAR)
        PlanEntry.objects.create(plan=plan, topic=topic, quarter=quarter, platform_level="town")
    return plan


def test_it_exports_the_plan_as_the_page_lists_it(client, office, plan):
    client.force_login(office)
    rows = export(client, "topics:plan-xlsx", args=[YEAR])
    entries = page(client, "topics:plan-manage", args=[YEAR])["entries"]
    assert [r[:3] for r in rows] == [[f"Q{e.quarter}", e.topic.tracking_code, e.topic.title] for e in entries]
    assert [r[2] for r in rows] == ["乙镇河道清淤", "村口路灯改造", "集市停车难"]
    assert rows[1][3] == "甲镇 · 甲一村"
    assert rows[1][4] == entries[1].get_platform_level_display()


def test_it_exports_an_empty_plan_for_a_year_without_one(client, office, plan):
    client.force_login(office)
    assert export(client, "topics:plan-xlsx", args=[YEAR + 1]) == []
    assert AuditEntry.objects.get(action="plan_export").after == {"rows": 0, "year": YEAR + 1, "status": None}


def test_it_exports_only_the_liaisons_own_town_of_the_plan(client, liaison_a, plan):
    client.force_login(liaison_a)
    rows = export(client, "topics:plan-xlsx", args=[YEAR])
    assert [r[2] for r in rows] == ["村口路灯改造", "集市停车难"]
    assert [r[2] for r in rows] == [e.topic.title for e in page(client, "topics:plan-manage", args=[YEAR])["entries"]]


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
    rows = [[r.name, r.platform_count, r.meeting_count] for r in context["rows"]]
    if context["town_count"] > 1:
        rows.append(["全部镇(街道)", context["total_platforms"], context["total_meetings"]])
    return rows


@pytest.mark.parametrize("params", [{}, {"year": YEAR - 1}, {"year": "bogus"}])
def test_it_exports_the_coverage_as_the_page_shows_it(client, office, network, params):
    client.force_login(office)
    rows = export(client, "sessions:coverage-xlsx", params)
    context = page(client, "sessions:coverage", params)
    assert [[r[0], r[2], r[5]] for r in rows] == coverage_rows(context)
    assert len(rows) == 5  # two towns, their villages, the total


def test_it_counts_the_coverage_of_this_year_by_hand(client, office, network):
    client.force_login(office)
    rows = {r[0]: r for r in export(client, "sessions:coverage-xlsx")}
    assert rows["甲镇"][2:6] == [2, 1, 1, 3]  # platforms, villages with one, villages, held (a village's count)
    assert rows["甲一村"][2:6] == [1, None, None, 1]
    assert (rows["甲镇"][6], rows["乙镇"][6], rows["甲一村"][6]) == ("已达年度目标", "未达年度目标", None)
    assert rows["全部镇(街道)"][2:6] == [3, None, None, 4]


def test_it_exports_only_the_liaisons_own_town_of_the_coverage(client, liaison_a, network):
    client.force_login(liaison_a)
    rows = export(client, "sessions:coverage-xlsx")
    assert [r[0] for r in rows] == ["甲镇", "甲一村"]  # one town: no total row, as on the page
    assert [[r[0], r[2], r[5]] for r in rows] == coverage_rows(page(client, "sessions:coverage"))


# ------------------------------------------------------------------------------------------ the members' coverage


@pytest.fixture
def cast(town_a, town_b, village_a, village_b):
    wang, li = MemberFactory(name="王律师"), MemberFactory(name="李农艺师")
    sink(wang, village_a)
    sink(li, village_a)
    sink(li, town_b)
    sink(MemberFactory(name="离任委员"), village_a, ends_on=timezone.localdate() - timedelta(days=1))


def test_it_exports_the_members_coverage_as_the_page_shows_it(client, office, cast):
    client.force_login(office)
    rows = export(client, "members:coverage-xlsx")
    context = page(client, "members:coverage")
    assert [[r[0], r[2]] for r in rows] == [[row["area"].name, len(row["members"])] for row in context["rows"]]
    assert {r[0]: r[2:] for r in rows} == {
        "甲镇": [0, None],
        "甲一村": [2, "李农艺师、王律师"],
        "乙镇": [1, "李农艺师"],
        "乙一村": [0, None],
    }


def test_it_exports_only_the_liaisons_own_town_of_the_members_coverage(client, liaison_a, cast):
    client.force_login(liaison_a)
    rows = export(client, "members:coverage-xlsx")
    assert [r[0] for r in rows] == ["甲镇", "甲一村"]
    assert len(rows) == len(page(client, "members:coverage")["rows"])


# ------------------------------------------------------------------------------------------ the committees' duties


@pytest.fixture
def duties(town_a, town_b, village_a):
    economy = CommitteeFactory(name="经济委员会")
    economy.stations.set([town_a])
    studio = PlatformFactory(name="经济界委员工作室", level="town", kind="studio", area=town_b, committee=economy)
    CommitteeFactory(name="提案委员会")  # linked to nothing, did nothing
    zhang = MemberFactory(name="张委员", committee=economy)
    for platform, month in ((PlatformFactory(area=village_a, level="village"), 3), (studio, 5)):
        meeting = held(platform, timezone.make_aware(datetime(PAST, month, 10, 9)))
        Participant.objects.create(meeting=meeting, kind="member", member=zhang, checked_in_at=meeting.starts_at)
    for month in range(1, 12):
        Research.objects.create(meeting=meeting, date=date(PAST, month, 2), kind="visit", findings="走访").members.add(
            zhang
        )
    Research.objects.create(meeting=meeting, date=date(PAST, 4, 1), kind="inspection", findings="视察").members.add(
        zhang
    )


def duty_rows(context) -> list[list]:
    return [
        [
            row["committee"].name,
            "、".join(s.name for s in row["stations"]) or None,
            "、".join(s.name for s in row["studios"]) or None,
            row["consultations"],
            row["research_months"],
            row["months_due"],
            row["inspections"],
            row["halves_due"],
        ]
        for row in context["rows"]
    ]


@pytest.mark.parametrize("persona", ["office", "liaison_a", "leader"])
def test_it_exports_the_committees_duties_as_the_page_shows_them(client, personas, duties, persona):
    """Committees are county-wide bodies: the page shows every one of them to every staff reader, so does the export."""
    client.force_login(personas[persona])
    rows = export(client, "committees-xlsx", {"year": PAST})
    assert [[r[0], r[1], r[2], r[4], r[7], r[8], r[10], r[11]] for r in rows] == duty_rows(
        page(client, "committees", {"year": PAST})
    )
    idle, economy = rows
    assert economy[:7] == ["经济委员会", "甲镇", "经济界委员工作室", None, 2, 2, None]
    assert economy[7:] == [11, 12, "未达标", 1, 2, "未达标"]
    assert idle[3] and idle[4:7] == [0, 2, "未达标"]


# ------------------------------------------------------------------------------------------ satisfaction


@pytest.fixture
def ratings(town_a, town_b, unit):
    roads = UnitFactory(name="县交通运输局")
    published_item(town_a, unit, ratings=(5, 4, 3, 1))  # 3 of 4
    published_item(town_b, roads, ratings=(2, 1, 5, 5, 5), tally={"sample_size": 5, "satisfied": 5})  # 8 of 10
    published_item(town_a, roads, ratings=(1,), county_wide=True)  # 0 of 1
    unpublished = OutcomeFactory(meeting=held(PlatformFactory(area=town_a)), unit=unit)
    SatisfactionResponse.objects.create(item=unpublished, rating=1, browser_token="x")  # counts nowhere


def satisfaction_rows(pairs, *extra) -> list[list]:
    return [[o.name, s.total, s.percent] for o, s in pairs] + [[name, s.total, s.percent] for name, s in extra]


@pytest.mark.parametrize("params", [{}, {"year": YEAR}, {"year": YEAR - 1}])
def test_it_exports_satisfaction_by_unit_as_the_page_shows_it(client, office, ratings, params):
    client.force_login(office)
    rows = export(client, "outcomes:satisfaction-units-xlsx", params)
    context = page(client, "outcomes:staff-satisfaction", params)
    expected = satisfaction_rows(context["unit_rows"], ("总体", context["overall"]))
    assert [[r[0], r[1], percent(r[3])] for r in rows] == expected


def test_it_counts_satisfaction_by_unit_and_town_by_hand(client, office, ratings):
    client.force_login(office)
    assert export(client, "outcomes:satisfaction-units-xlsx") == [
        ["县交通运输局", 11, 8, 72.7],
        ["县住房城乡建设局", 4, 3, 75.0],
        ["总体", 15, 11, 73.3],
    ]
    assert export(client, "outcomes:satisfaction-towns-xlsx") == [
        ["甲镇", 4, 3, 75.0],
        ["乙镇", 10, 8, 80.0],
        ["全县性事项", 1, 0, 0.0],
        ["总体", 15, 11, 73.3],
    ]


def test_it_exports_satisfaction_by_town_as_the_page_shows_it(client, office, ratings):
    client.force_login(office)
    rows = export(client, "outcomes:satisfaction-towns-xlsx")
    context = page(client, "outcomes:staff-satisfaction")
    expected = satisfaction_rows(
        context["town_rows"], ("全县性事项", context["county_wide"]), ("总体", context["overall"])
    )
    assert [[r[0], r[1], percent(r[3])] for r in rows] == expected


def test_it_exports_only_the_liaisons_own_town_of_satisfaction(client, liaison_a, ratings):
    client.force_login(liaison_a)
    assert export(client, "outcomes:satisfaction-units-xlsx") == [
        ["县住房城乡建设局", 4, 3, 75.0],
        ["总体", 4, 3, 75.0],
    ]
    assert export(client, "outcomes:satisfaction-towns-xlsx") == [["甲镇", 4, 3, 75.0], ["总体", 4, 3, 75.0]]


def test_it_exports_no_rate_where_nobody_answered(client, office):
    client.force_login(office)
    assert export(client, "outcomes:satisfaction-units-xlsx") == [["总体", 0, 0, None]]


# ------------------------------------------------------------------------------------------ every export

# route: (path arguments, how to add n rows' worth of data to town A, the audit action)
EXPORTS = {
    "topics:plan-xlsx": ([YEAR], add_plan_entries, "plan_export"),
    "sessions:coverage-xlsx": ([], add_coverage, "coverage_export"),
    "members:coverage-xlsx": ([], add_sunk_members, "member_coverage_export"),
    "committees-xlsx": ([], add_committees, "committee_duties_export"),
    "outcomes:satisfaction-units-xlsx": ([], add_satisfaction, "satisfaction_units_export"),
    "outcomes:satisfaction-towns-xlsx": ([], add_satisfaction_of_towns, "satisfaction_towns_export"),
}
PAGES = {
    "topics:plan-xlsx": ("topics:plan-manage", [YEAR], f"{reverse('topics:plan-xlsx', args=[YEAR])}"),
    "sessions:coverage-xlsx": ("sessions:coverage", [], f"{reverse('sessions:coverage-xlsx')}?year={YEAR}"),
    "members:coverage-xlsx": ("members:coverage", [], reverse("members:coverage-xlsx")),
    "committees-xlsx": ("committees", [], f"{reverse('committees-xlsx')}?year={YEAR}"),
    "outcomes:satisfaction-units-xlsx": (
        "outcomes:staff-satisfaction",
        [],
        f"{reverse('outcomes:satisfaction-units-xlsx')}?year={YEAR}",
    ),
    "outcomes:satisfaction-towns-xlsx": (
        "outcomes:staff-satisfaction",
        [],
        f"{reverse('outcomes:satisfaction-towns-xlsx')}?year={YEAR}",
    ),
}


@pytest.mark.parametrize("route", EXPORTS)
def test_it_exports_in_a_constant_number_of_queries(client, office, town_a, route):
    args, grow, _action = EXPORTS[route]
    params = {"year": PAST} if route == "committees-xlsx" else {}
    client.force_login(office)
    grow(town_a, 2)
    with CaptureQueriesContext(connection) as small:
        small_rows = export(client, route, params, args)
    grow(town_a, 12)
    with CaptureQueriesContext(connection) as large:
        large_rows = export(client, route, params, args)
    assert len(large_rows) > len(small_rows) >= 2
    assert 0 < len(small) == len(large), "\n".join(q["sql"] for q in large.captured_queries)


@pytest.mark.parametrize("route", EXPORTS)
def test_it_audits_each_export(client, liaison_a, town_a, route):
    args, grow, action = EXPORTS[route]
    grow(town_a, 2)
    client.force_login(liaison_a)
    rows = export(client, route, {"year": str(YEAR), "q": ""}, args)
    entry = AuditEntry.objects.get(action=action)
    assert entry.actor == liaison_a
    assert entry.after["rows"] == len(rows)
    if not args:
        assert entry.after["filters"] == {"year": str(YEAR)}


def test_every_new_export_action_has_a_label():
    from consult_portal import audit

    for _args, _grow, action in EXPORTS.values():
        assert action in audit.ACTION_LABELS


@pytest.mark.parametrize("route", EXPORTS)
def test_it_lets_leaders_export_and_refuses_members_units_and_visitors(client, personas, route):
    args = EXPORTS[route][0]
    url = reverse(route, args=args)
    client.force_login(personas["leader"])
    rows_of(client.get(url))
    for persona in ("member", "unit"):
        client.force_login(personas[persona])
        assert client.get(url).status_code == 403
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


@pytest.mark.parametrize("route", EXPORTS)
def test_each_page_links_to_its_export(client, office, route):
    name, args, href = PAGES[route]
    client.force_login(office)
    html = client.get(reverse(name, args=args)).content.decode()
    assert f'href="{href}"' in html


def test_the_year_pages_link_to_the_export_of_the_year_shown(client, office):
    client.force_login(office)
    for name, route in [
        ("sessions:coverage", "sessions:coverage-xlsx"),
        ("committees", "committees-xlsx"),
        ("outcomes:staff-satisfaction", "outcomes:satisfaction-towns-xlsx"),
    ]:
        html = client.get(reverse(name), {"year": PAST}).content.decode()
        assert f'href="{reverse(route)}?year={PAST}"' in html
