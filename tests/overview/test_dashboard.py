"""The staff dashboard: figures against hand-computed values, links, roles, query counts, .xlsx and .docx."""

import io
from datetime import datetime, timedelta

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from docx import Document
from openpyxl import load_workbook

from consult_portal.models import Area, AuditEntry
from consult_portal.overview import stats
from members.models import Assignment
from outcomes.models import SatisfactionResponse, SurveyTally
from sessions.models import Participant, RecordItem, Research
from tests.factories import (
    AreaFactory,
    MeetingFactory,
    MemberFactory,
    OutcomeFactory,
    PlatformFactory,
    TopicFactory,
    UnitFactory,
)

YEAR = timezone.localdate().year


def _at(month: int, day: int = 10, year: int = YEAR):
    return timezone.make_aware(datetime(year, month, day, 10, 0))


def _meeting(platform, status="recorded", when=None, walk_ins=None, **kwargs):
    return MeetingFactory(platform=platform, status=status, starts_at=when or _at(6), walk_in_count=walk_ins, **kwargs)


def _item(meeting, kind, text="建议"):
    return RecordItem.objects.create(meeting=meeting, kind=kind, text=text)


def build_year(county, town_a, town_b, village_a) -> dict:
    """A year of work in two towns and at the county, small enough to count by hand (see the module's tests)."""
    today = timezone.localdate()
    unit = UnitFactory(name="县交通运输局")
    pa = PlatformFactory(name=f"{town_a.name}议事室", level="town", area=town_a)
    pva = PlatformFactory(name=f"{village_a.name}议事亭", level="village", area=village_a)
    pb = PlatformFactory(name=f"{town_b.name}议事室", level="town", area=town_b)
    pc = PlatformFactory(name=f"县协商议事厅（{town_a.name}）", level="county", area=county)

    # Meetings: A holds two (one in its village), B one, the county one; a planned one and last year's don't count.
    m1 = _meeting(pa, walk_ins=5, when=_at(3))
    m2 = _meeting(pva, status="held", when=_at(4))
    m3 = _meeting(pb, walk_ins=2, when=_at(5))
    m4 = _meeting(pa, status="planned", when=_at(12, 30))
    _meeting(pa, when=_at(6, year=YEAR - 1))
    m6 = _meeting(pc, when=_at(7))

    # Topics of the year: A has one of each source plus a second resident one, B one resident's.
    TopicFactory(town=town_a, source="party", requesting_body="县委办", status="accepted")
    TopicFactory(town=town_a, source="resident", status="submitted", submitter_name="李四", submitter_phone="")
    TopicFactory(town=town_a, source="resident", status="planned")
    member_topic_author = MemberFactory(name="荐题委员", is_active=False)
    TopicFactory(town=town_a, source="member", recommended_by=member_topic_author, status="consulted")
    topic_b = TopicFactory(town=town_b, source="resident", status="submitted")
    TopicFactory(town=town_a, source="resident", year=YEAR - 1)

    # Record items: A 3 suggestions + 1 consensus, B 1 + 1, the county 1 suggestion; the planned meeting's not.
    s1, s2, c1 = _item(m1, "suggestion"), _item(m1, "suggestion"), _item(m1, "consensus")
    s3 = _item(m2, "suggestion")
    s4, c2 = _item(m3, "suggestion"), _item(m3, "consensus")
    _item(m4, "suggestion")
    s6 = _item(m6, "suggestion")
    del s2

    # Outcome items: A implemented, partly, overdue; B not feasible, answered; the county's assigned.
    past = today - timedelta(days=5)
    o1 = OutcomeFactory(
        meeting=m1,
        record_item=s1,
        unit=unit,
        status="implemented",
        published_at=timezone.now(),
        closed_at=timezone.now(),
    )
    OutcomeFactory(meeting=m1, record_item=c1, unit=unit, status="partly")
    OutcomeFactory(meeting=m2, record_item=s3, unit=unit, status="in_progress", deadline=past)
    o4 = OutcomeFactory(
        meeting=m3, record_item=s4, unit=unit, status="not_feasible", reason="资金不足", published_at=timezone.now()
    )
    OutcomeFactory(meeting=m3, record_item=c2, unit=unit, status="answered", answer_status="implemented")
    OutcomeFactory(meeting=m6, record_item=s6, unit=unit, status="assigned")

    # Satisfaction: A 2 of 3 online and 2 of 4 in a field visit; B 0 of 1.
    for rating in (5, 4, 2):
        SatisfactionResponse.objects.create(verified=True, item=o1, rating=rating)
    SurveyTally.objects.create(
        item=o1, method="visit", date=today, sample_size=4, very_satisfied=1, satisfied=1, dissatisfied=1,
        very_dissatisfied=1,
    )  # fmt: skip
    SatisfactionResponse.objects.create(verified=True, item=o4, rating=1)

    # Members: M1 (A) checked in at m1; M2 (A) did nothing; M3 (B) researched B's topic; M4 (A) inactive;
    # M5 sunk nowhere. Residents: two concerned at m1, one at m3, one at the planned meeting (not counted).
    start = today.replace(month=1, day=1)
    m_1, m_2, m_3 = MemberFactory(name="甲委员一"), MemberFactory(name="甲委员二"), MemberFactory(name="乙委员")
    m_4, _m_5 = MemberFactory(name="离任委员", is_active=False), MemberFactory(name="县委员")
    for member, area in ((m_1, town_a), (m_2, village_a), (m_3, town_b), (m_4, town_a)):
        Assignment.objects.create(member=member, area=area, starts_on=start)
    Participant.objects.create(meeting=m1, kind="member", member=m_1, checked_in_at=_at(3))
    Participant.objects.create(meeting=m1, kind="member", member=m_4, checked_in_at=_at(3))
    Participant.objects.create(meeting=m2, kind="member", member=m_2)
    for meeting, name in ((m1, "王大爷"), (m1, "赵阿姨"), (m3, "钱师傅"), (m4, "孙大姐")):
        Participant.objects.create(meeting=meeting, kind="resident", name=name, phone="13800000000")
    research = Research.objects.create(topic=topic_b, date=start + timedelta(days=40), kind="visit", findings="走访")
    research.members.add(m_3)
    return {"unit": unit, "platforms": (pa, pva, pb, pc)}


@pytest.fixture
def year_data(county, town_a, town_b, village_a):
    return build_year(county, town_a, town_b, village_a)


def test_it_computes_the_county_figures(year_data):
    dash = stats.compute(year=YEAR)
    f = dash.total
    assert (f.meetings_held, f.target, f.walk_ins) == (4, 4, 7)
    assert f.topics == {"party": 1, "resident": 3, "member": 1}
    assert (f.statuses["submitted"], f.statuses["accepted"], f.statuses["planned"], f.statuses["consulted"]) == (
        2,
        1,
        1,
        1,
    )
    assert (f.suggestions, f.consensus, f.handed_over) == (5, 2, 6)
    assert (f.outcomes, f.implemented, f.partly, f.not_feasible, f.answered, f.in_progress, f.overdue) == (
        6,
        1,
        1,
        1,
        1,
        2,
        1,
    )
    assert stats.percent(f.adoption_rate) == "85.7%"  # 6 / 7
    assert stats.percent(f.implementation_rate) == "66.7%"  # (1 + 1) / 3
    assert (f.satisfaction.satisfied, f.satisfaction.total, f.satisfaction.percent) == (4, 8, "50.0%")
    assert (f.survey_responses, f.resident_participants) == (4, 3)
    assert stats.percent(f.resident_topic_share) == "60.0%"  # 3 / 5
    assert (f.members_active, f.members_took_part, stats.percent(f.members_rate)) == (4, 2, "50.0%")
    # The county-level platform's meeting and item belong to no town.
    assert (dash.county_wide.meetings_held, dash.county_wide.outcomes, dash.county_wide.suggestions) == (1, 1, 1)
    a, b = dash.by_town
    assert (a.town.name, a.meetings_held, a.target, b.meetings_held, b.target) == ("甲镇", 2, 2, 1, 2)


def test_it_computes_one_town(year_data, town_a):
    f = stats.compute(year=YEAR, town=town_a).total
    assert (f.meetings_held, f.target, f.target_met, f.walk_ins) == (2, 2, True, 5)
    assert f.topics == {"party": 1, "resident": 2, "member": 1}
    assert (f.suggestions, f.consensus, f.handed_over, stats.percent(f.adoption_rate)) == (3, 1, 3, "75.0%")
    assert (f.implemented, f.partly, f.in_progress, f.overdue) == (1, 1, 1, 1)
    assert stats.percent(f.implementation_rate) == "100.0%"
    assert f.satisfaction.percent == "57.1%"  # (2 + 2) / (3 + 4)
    assert (f.resident_participants, f.survey_responses) == (2, 3)
    assert (f.members_active, f.members_took_part) == (2, 1)


def test_a_year_without_anything_shows_dashes_not_errors(leader, client, town_a):
    client.force_login(leader)
    response = client.get("/staff/dashboard/", {"year": YEAR})
    assert response.status_code == 200
    f = stats.compute(year=YEAR).total
    assert (f.adoption_rate, f.implementation_rate, f.satisfaction.rate, f.members_rate) == (None, None, None, None)


def _figures(response) -> dict[str, str]:
    page = lxml.html.fromstring(response.content.decode())
    return {cell.get("data-figure"): cell.text_content().strip() for cell in page.xpath("//*[@data-figure]")}


def _links(response) -> dict[str, str]:
    page = lxml.html.fromstring(response.content.decode())
    return {cell.get("data-figure"): cell.find("a").get("href") for cell in page.xpath("//td[@data-figure]") if
            cell.find("a") is not None}  # fmt: skip


def test_it_shows_the_figures_and_links_each_to_its_list(client, leader, year_data, town_a):
    client.force_login(leader)
    response = client.get("/staff/dashboard/", {"year": YEAR, "town": town_a.pk})
    assert response.status_code == 200
    figures = _figures(response)
    assert figures["meetings_held"] == "2"
    assert figures["adoption_rate"] == "75.0%"
    assert figures["satisfaction_rate"] == "57.1%"
    assert figures["overdue"] == "1"
    links = _links(response)
    assert links["overdue"] == f"/staff/outcomes/?year={YEAR}&town={town_a.pk}&overdue=on"
    assert links["implemented"] == f"/staff/outcomes/?year={YEAR}&town={town_a.pk}&status=implemented"
    assert links["in_progress"] == f"/staff/outcomes/?year={YEAR}&town={town_a.pk}&status=open"
    assert links["topics_resident"] == f"/staff/topics/?year={YEAR}&town={town_a.pk}&source=resident"
    assert links["meetings_held"] == f"/staff/meetings/?year={YEAR}&town={town_a.pk}&held=on"
    assert links["members_active"] == f"/staff/members/?town={town_a.pk}&active_in={YEAR}"
    # The linked list holds what the figure counts.
    listed = client.get(links["overdue"])
    assert listed.status_code == 200
    # The chart's data travels as JSON, never as inline script.
    page = lxml.html.fromstring(response.content.decode())
    data = page.get_element_by_id("dashboard-data")
    assert data.get("type") == "application/json"
    assert all(script.get("src") for script in page.xpath("//script") if script.get("type") != "application/json")


def test_the_county_view_lists_each_town(client, office, year_data, town_a, town_b):
    client.force_login(office)
    response = client.get("/staff/dashboard/")
    figures = _figures(response)
    assert (figures["meetings_held"], figures["target"], figures["implementation_rate"]) == ("4", "4", "66.7%")
    page = lxml.html.fromstring(response.content.decode())
    rows = {row.get("data-town"): [c.text_content().strip() for c in row] for row in page.xpath("//tr[@data-town]")}
    assert rows[str(town_a.pk)][:3] == ["甲镇", "2", "2"]
    assert rows[str(town_b.pk)][:3] == ["乙镇", "1", "2"]


def test_the_query_count_does_not_grow_with_the_data(client, leader, county, town_a, town_b, village_a):
    client.force_login(leader)
    build_year(county, town_a, town_b, village_a)
    client.get("/staff/dashboard/")  # warm the session and the content types
    with CaptureQueriesContext(connection) as small:
        client.get("/staff/dashboard/")
    # Three times the data, in three more towns.
    for n in range(3):
        town = AreaFactory(name=f"新镇{n}", code=f"T-N{n}", level=Area.Level.TOWN, parent=county)
        village = AreaFactory(name=f"新镇{n}一村", code=f"V-N{n}", level=Area.Level.VILLAGE, parent=town)
        build_year(county, town, AreaFactory(name=f"新镇{n}乙", code=f"T-M{n}", parent=county), village)
    with CaptureQueriesContext(connection) as large:
        response = client.get("/staff/dashboard/")
    assert _figures(response)["meetings_held"] == "16"
    assert len(large) == len(small), "\n".join(q["sql"] for q in large.captured_queries)
    assert len(small) <= 24, "\n".join(q["sql"] for q in small.captured_queries)


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    response = client.get("/staff/dashboard/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("path", ["/staff/dashboard/", "/staff/dashboard/export.xlsx", "/staff/dashboard/summary.docx"])
@pytest.mark.parametrize("persona", ["member", "unit"])
def test_it_refuses_members_and_units(client, personas, persona, path):
    client.force_login(personas[persona])
    assert client.get(path).status_code == 403


def test_liaison_staff_see_their_own_town_only(client, liaison_a, year_data, town_a, town_b):
    client.force_login(liaison_a)
    response = client.get("/staff/dashboard/")
    assert response.status_code == 200
    assert _figures(response)["meetings_held"] == "2"  # town A's, not the county's 4
    page = lxml.html.fromstring(response.content.decode())
    assert page.xpath("//*[@data-scope]")[0].get("data-scope") == str(town_a.pk)
    assert not page.xpath("//select[@name='town']")
    assert client.get("/staff/dashboard/", {"town": town_a.pk}).status_code == 200
    for path in ("/staff/dashboard/", "/staff/dashboard/export.xlsx", "/staff/dashboard/summary.docx"):
        assert client.get(path, {"town": town_b.pk}).status_code == 404


def test_the_export_equals_the_page(client, office, year_data, town_a):
    client.force_login(office)
    params = {"year": YEAR, "town": town_a.pk}
    figures = _figures(client.get("/staff/dashboard/", params))
    response = client.get("/staff/dashboard/export.xlsx", params)
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    by_label = {row[1]: row[2] for row in rows[1:] if row and row[1]}
    labelled = {row.key: row.label for _title, rows_ in stats_sections(town_a) for row in rows_}
    assert len(by_label) == len(figures)
    for key, label in labelled.items():
        assert str(by_label[label]) == figures[key], key
    entry = AuditEntry.objects.get(action="dashboard_export")
    assert entry.actor == office
    assert entry.after["year"] == str(YEAR) and entry.after["town"] == town_a.pk


def stats_sections(town):
    from consult_portal.overview.dashboard import sections

    return sections(stats.compute(year=YEAR, town=town))


def test_the_county_export_adds_the_towns(client, leader, year_data, town_b):
    client.force_login(leader)
    response = client.get("/staff/dashboard/export.xlsx", {"year": YEAR})
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    town_row = next(row for row in rows if row and row[0] == "乙镇")
    assert list(town_row[:3]) == ["乙镇", 1, 2]


def test_the_summary_is_a_word_document_with_the_figures(client, office, year_data, town_a):
    client.force_login(office)
    response = client.get("/staff/dashboard/summary.docx", {"year": YEAR, "town": town_a.pk})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    document = Document(io.BytesIO(response.content))
    text = "\n".join(p.text for p in document.paragraphs)
    cells = {tuple(c.text for c in row.cells) for table in document.tables for row in table.rows}
    assert "甲镇" in text
    # needs .pending_i18n/dashboard.json
    assert f"{YEAR}年共召开协商会议2次" in text
    assert ("采纳率", "75.0%") in cells
    assert ("满意率", "57.1%") in cells
    assert ("群众出题", "2") in cells
    assert AuditEntry.objects.filter(action="dashboard_summary_export", actor=office).exists()
