from datetime import date, datetime, timedelta
from decimal import Decimal
from io import BytesIO

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from consult_portal.models import Area, AuditEntry
from members.models import Assignment
from outcomes.models import OutcomeItem, SatisfactionResponse, SurveyTally
from sessions.models import Participant, Research, StationAssessmentWeights
from tests.factories import AreaFactory, MeetingFactory, MemberFactory, OutcomeFactory, PlatformFactory, TopicFactory

YEAR = 2026
URL = "/staff/assessment/"
WEIGHTS_URL = "/staff/assessment/weights/"
EXPORT_URL = "/staff/assessment.xlsx"
CONFIRMED = {f"{item}_confirmed_on": date(YEAR, 3, 1) for item in ("organisation", "sign", "staff", "rules")}


def _at(year, month=6, day=1):
    return timezone.make_aware(datetime(year, month, day, 9, 0))


def _meeting(platform, status="held", year=YEAR, month=6, **kwargs):
    return MeetingFactory(
        platform=platform,
        status=status,
        starts_at=_at(year, month),
        ends_at=_at(year, month) + timedelta(hours=2),
        **kwargs,
    )


def _item(meeting, status, year=YEAR, published=False, **kwargs):
    item = OutcomeFactory(
        meeting=meeting,
        status=status,
        published_at=_at(year, 10) if published else None,
        reason="暂不具备条件" if status == "not_feasible" else "",
        **kwargs,
    )
    # Handed over in `year` (补录 for a past year): the year it counts in.
    OutcomeItem.objects.filter(pk=item.pk).update(created_at=_at(year, 7), handed_over_on=date(year, 7, 10))
    return item


def _sink(member, area, starts_on, ends_on=None):
    return Assignment.objects.create(member=member, area=area, starts_on=starts_on, ends_on=ends_on)


@pytest.fixture
def town_c(county):
    return AreaFactory(name="丙镇", code="T-C", level=Area.Level.TOWN, parent=county)


@pytest.fixture
def stations(town_a, village_a, town_b, town_c):
    """A small year in three towns, counted by hand in the tests."""
    # Town A: three platforms, one of them meeting 五有 in YEAR.
    pa = PlatformFactory(name="甲镇协商室", area=town_a, **CONFIRMED)
    late_rules = {**CONFIRMED, "rules_confirmed_on": date(YEAR + 1, 1, 5)}  # confirmed after the year
    pv = PlatformFactory(name="甲一村议事角", level="village", area=village_a, **late_rules)
    idle = PlatformFactory(name="甲镇委员工作室", kind="studio", area=town_a, **CONFIRMED)
    m1 = _meeting(pa)  # held
    _meeting(pv, status="recorded", month=9)  # held, at a village platform: counts for the town
    _meeting(pa, status="cancelled", month=10, status_reason="下雨改期")  # not held
    _meeting(pa, year=YEAR - 1)  # last year
    _meeting(idle, year=YEAR - 1)  # the studio's only activity was last year
    # Town A's outcome items handed over in YEAR: 1 implemented, 1 partly, 1 in progress, 1 not feasible.
    done = _item(m1, "implemented", published=True, answer="已修")
    partly = _item(m1, "partly", published=True, answer="修了一半")
    _item(m1, "in_progress")
    _item(m1, "not_feasible")
    _item(m1, "implemented", year=YEAR - 1, published=True)  # handed over last year
    # satisfaction: online 5, 4, 3, 2 (3 of 4) and a paper tally of 4 with 1 very satisfied (1 of 4)
    for rating in (5, 4, 3, 2):
        SatisfactionResponse.objects.create(verified=True, item=done, rating=rating)
    SurveyTally.objects.create(
        item=partly, method="paper", date=date(YEAR, 11, 1), sample_size=4, very_satisfied=1, dissatisfied=3
    )
    # Town A's members: 王 (town, active), 李 (village, research there), 孙 (village, active only in town B);
    # 赵's assignment ended last year, 钱 is no longer active: neither counts.
    wang, li, sun, zhao, qian = (MemberFactory(name=n) for n in ("王委员", "李委员", "孙委员", "赵委员", "钱委员"))
    _sink(wang, town_a, date(YEAR - 1, 1, 1))
    _sink(li, village_a, date(YEAR, 3, 1), date(YEAR, 12, 31))
    _sink(sun, village_a, date(YEAR - 1, 1, 1))
    _sink(zhao, town_a, date(YEAR - 2, 1, 1), date(YEAR - 1, 12, 31))
    _sink(qian, town_a, date(YEAR - 1, 1, 1))
    qian.is_active = False
    qian.save()
    for member in (wang, zhao, qian):
        Participant.objects.create(meeting=m1, kind="member", member=member, checked_in_at=_at(YEAR))
    topic = TopicFactory(town=town_a, year=YEAR)
    Research.objects.create(topic=topic, date=date(YEAR, 5, 1), kind="visit", findings="走访").members.set([li])
    Research.objects.create(topic=topic, date=date(YEAR - 1, 5, 1), kind="visit", findings="走访").members.set([sun])
    # Town B: one platform meeting 五有, one consultation, one item implemented and rated very satisfied.
    pb = PlatformFactory(name="乙镇协商室", area=town_b, **CONFIRMED)
    mb = _meeting(pb)
    _item(mb, "implemented", published=True, answer="已办")
    SatisfactionResponse.objects.create(verified=True, item=OutcomeItem.objects.get(meeting=mb), rating=5)
    Participant.objects.create(meeting=mb, kind="member", member=sun, checked_in_at=_at(YEAR))
    _sink(MemberFactory(name="周委员"), town_b, date(YEAR, 1, 1))  # never took part
    # Town C: nothing at all.
    return {"a": town_a, "b": town_b, "c": town_c}


def _rows(client, year=YEAR):
    return {s.town.code: s for s in client.get(URL, {"year": year}).context["scores"]}


def test_it_scores_each_station_as_counted_by_hand(client, office, stations):
    client.force_login(office)
    a, b, c = (_rows(client)[code] for code in ("T-A", "T-B", "T-C"))
    assert (a.held, a.target) == (2, 2)
    assert (a.handed, a.implemented, a.partly) == (4, 1, 1)
    assert (a.satisfaction.satisfied, a.satisfaction.total) == (4, 8)
    assert (a.five_haves, a.platform_count) == (1, 3)
    assert (a.active, a.sunk) == (2, 3)
    # default weights: 30 consultations, 25 outcomes, 20 satisfaction, 15 platforms, 10 members
    assert [c.points for c in a.criteria] == [
        Decimal("30.0"),  # 2 of 2
        Decimal("9.4"),  # 25 × (1 + ½) / 4 = 9.375
        Decimal("10.0"),  # 20 × 4 / 8
        Decimal("5.0"),  # 15 × 1 / 3
        Decimal("6.7"),  # 10 × 2 / 3
    ]
    assert a.total == Decimal("61.1")
    assert (b.held, b.handed, b.implemented, b.five_haves, b.platform_count, b.active, b.sunk) == (1, 1, 1, 1, 1, 0, 1)
    assert [c.points for c in b.criteria] == [Decimal(n) for n in ("15.0", "25.0", "20.0", "15.0", "0.0")]
    assert b.total == Decimal("75.0")
    assert c.total == 0 and (c.held, c.handed, c.platform_count, c.sunk) == (0, 0, 0, 0)


def test_it_ranks_the_stations_and_marks_the_top_third(client, office, stations):
    client.force_login(office)
    response = client.get(URL, {"year": YEAR})
    scores = response.context["scores"]
    assert [(s.town.code, s.rank, s.commended) for s in scores] == [
        ("T-B", 1, True),  # ceil(3 / 3) = 1 station
        ("T-A", 2, False),
        ("T-C", 3, False),
    ]
    html = response.content.decode()
    assert html.index("乙镇") < html.index("甲镇") < html.index("丙镇")
    assert html.count('class="badge text-bg-warning"') == 1


def test_it_marks_ceil_of_a_third_and_never_a_station_with_nothing(client, office, stations, county):
    AreaFactory(name="丁镇", code="T-D", level=Area.Level.TOWN, parent=county)
    client.force_login(office)
    scores = client.get(URL, {"year": YEAR}).context["scores"]
    # four stations: ceil(4 / 3) = 2 commended; 丙 and 丁 tie on nothing and share the third rank
    assert [(s.town.code, s.rank, s.commended) for s in scores] == [
        ("T-B", 1, True),
        ("T-A", 2, True),
        ("T-C", 3, False),
        ("T-D", 3, False),
    ]


def test_it_reads_the_target_from_the_settings(client, office, stations, settings):
    settings.MEETINGS_PER_TOWN_TARGET = 4
    client.force_login(office)
    a = _rows(client)["T-A"]
    assert (a.held, a.target, a.points("consultations")) == (2, 4, Decimal("15.0"))


def test_it_counts_nothing_from_another_year(client, office, stations):
    client.force_login(office)
    a = _rows(client, YEAR - 1)["T-A"]
    # last year: the two meetings held, one item handed over; the studio's meeting made it 五有 only if confirmed
    assert (a.held, a.handed, a.implemented) == (2, 1, 1)
    assert a.five_haves == 0  # the items were confirmed in YEAR


def test_office_staff_change_the_weights_and_the_ranking_follows(client, office, stations):
    client.force_login(office)
    response = client.post(
        f"{WEIGHTS_URL}?year={YEAR}",
        {"consultations": 60, "outcomes": 0, "satisfaction": 0, "platforms": 0, "members": 40},
    )
    assert response.status_code == 302 and response["Location"] == f"{URL}?year={YEAR}"
    weights = StationAssessmentWeights.current()
    assert (weights.consultations, weights.members) == (60, 40)
    scores = client.get(URL, {"year": YEAR}).context["scores"]
    # 甲: 60 × 2/2 + 40 × 2/3 = 86.7; 乙: 60 × 1/2 + 0 = 30.0
    assert [(s.town.code, s.total, s.commended) for s in scores] == [
        ("T-A", Decimal("86.7"), True),
        ("T-B", Decimal("30.0"), False),
        ("T-C", Decimal("0.0"), False),
    ]
    entry = AuditEntry.objects.get(action="assessment_weights", actor=office)
    assert (entry.before["consultations"], entry.after["consultations"]) == (30, 60)


def test_it_refuses_bad_weights_beside_the_field_and_keeps_them(client, office, stations):
    client.force_login(office)
    response = client.post(
        WEIGHTS_URL, {"consultations": -1, "outcomes": "很多", "satisfaction": 20, "platforms": 101, "members": 10}
    )
    assert response.status_code == 400
    html = response.content.decode()
    from consult_portal.overview.assessment_views import WeightsForm

    label = {name: field.label for name, field in WeightsForm().fields.items()}
    less = _("%(label)s cannot be less than %(limit_value)s.")
    more = _("%(label)s cannot be more than %(limit_value)s.")
    assert 'id="error_1_id_consultations"' in html
    assert less % {"label": label["consultations"], "limit_value": 0} in html
    assert 'id="error_1_id_outcomes"' in html
    assert _("%(label)s is a whole number, such as 12.") % {"label": label["outcomes"]} in html
    assert 'id="error_1_id_platforms"' in html
    assert more % {"label": label["platforms"], "limit_value": 100} in html
    assert 'value="-1"' in html and 'value="很多"' in html and 'value="101"' in html
    assert StationAssessmentWeights.current().consultations == 30
    assert not AuditEntry.objects.filter(action="assessment_weights").exists()


def test_it_refuses_weights_worth_nothing_at_all(client, office):
    client.force_login(office)
    response = client.post(
        WEIGHTS_URL, {"consultations": 0, "outcomes": 0, "satisfaction": 0, "platforms": 0, "members": 0}
    )
    assert response.status_code == 400
    assert response.context["form"].has_error("__all__", code="all_zero")
    assert StationAssessmentWeights.current().consultations == 30


def test_it_refuses_weights_worth_nothing_at_all_in_chinese(client, office):
    # needs .pending_i18n/assessment.json
    client.force_login(office)
    response = client.post(
        WEIGHTS_URL, {"consultations": 0, "outcomes": 0, "satisfaction": 0, "platforms": 0, "members": 0}
    )
    assert "请至少为一项考核内容设置分值。" in response.content.decode()


def test_the_export_reopens_equal_to_the_page(client, office, stations):
    client.force_login(office)
    response = client.get(EXPORT_URL, {"year": YEAR})
    assert response.status_code == 200
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    scores = client.get(URL, {"year": YEAR}).context["scores"]
    points_columns = (4, 8, 12, 15, 18)
    assert [(r[0], r[1], *(r[i] for i in points_columns), r[19], bool(r[20])) for r in rows] == [
        (s.rank, s.town.name, *(float(c.points) for c in s.criteria), float(s.total), s.commended) for s in scores
    ]
    a = next(r for r in rows if r[1] == "甲镇")
    assert a[2:4] == (2, 2) and a[5:8] == (4, 1, 1) and a[9:12] == (4, 8, 0.5) and a[13:15] == (3, 1)
    assert a[16:18] == (3, 2)
    assert AuditEntry.objects.filter(action="assessment_export", actor=office, after__rows=3).exists()


def test_the_ranking_uses_the_same_queries_at_two_sizes(client, office, stations, county):
    client.force_login(office)
    StationAssessmentWeights.current()
    with CaptureQueriesContext(connection) as small:
        client.get(URL, {"year": YEAR})
    for n in range(6):
        town = AreaFactory(name=f"新镇{n}", code=f"T-N{n}", level=Area.Level.TOWN, parent=county)
        platform = PlatformFactory(area=town, **CONFIRMED)
        meeting = _meeting(platform)
        item = _item(meeting, "implemented", published=True, answer="已办")
        SatisfactionResponse.objects.create(verified=True, item=item, rating=4)
        member = MemberFactory()
        _sink(member, town, date(YEAR, 1, 1))
        Participant.objects.create(meeting=meeting, kind="member", member=member, checked_in_at=_at(YEAR))
    with CaptureQueriesContext(connection) as large:
        response = client.get(URL, {"year": YEAR})
    assert len(response.context["scores"]) == 9
    assert len(small.captured_queries) == len(large.captured_queries), "\n".join(
        q["sql"] for q in large.captured_queries
    )
    assert len(large.captured_queries) <= 15


def test_the_page_links_the_members_ranking_and_prints_with_the_office_name(client, leader, stations):
    client.force_login(leader)
    html = client.get(URL, {"year": YEAR}).content.decode()
    assert f'href="/staff/members/performance/?year={YEAR}"' in html
    assert "d-none d-print-block" in html
    assert f'href="{EXPORT_URL}?year={YEAR}"' in html
    assert WEIGHTS_URL not in html  # leaders read, office staff change


def test_liaison_staff_see_only_their_own_station(client, liaison_a, stations):
    client.force_login(liaison_a)
    response = client.get(URL, {"year": YEAR})
    assert response.status_code == 200
    scores = response.context["scores"]
    # their rank is still among all three stations
    assert [(s.town.code, s.rank, s.total) for s in scores] == [("T-A", 2, Decimal("61.1"))]
    html = response.content.decode()
    assert "乙镇" not in html and "丙镇" not in html
    assert WEIGHTS_URL not in html


def test_liaison_staff_export_only_their_own_station(client, liaison_a, stations):
    client.force_login(liaison_a)
    response = client.get(EXPORT_URL, {"year": YEAR})
    rows = list(load_workbook(BytesIO(b"".join(response.streaming_content))).active.values)[1:]
    assert [(r[0], r[1], r[19]) for r in rows] == [(2, "甲镇", 61.1)]
    assert AuditEntry.objects.filter(action="assessment_export", actor=liaison_a, after__rows=1).exists()


def test_leaders_see_every_station_but_cannot_change_the_weights(client, leader, stations):
    client.force_login(leader)
    assert len(client.get(URL, {"year": YEAR}).context["scores"]) == 3
    assert client.get(WEIGHTS_URL).status_code == 403
    assert client.post(WEIGHTS_URL, {"consultations": 99}).status_code == 403
    assert client.get(EXPORT_URL, {"year": YEAR}).status_code == 200


def test_liaison_staff_cannot_change_the_weights(client, liaison_a):
    client.force_login(liaison_a)
    assert client.get(WEIGHTS_URL).status_code == 403
    assert client.post(WEIGHTS_URL, {"consultations": 99}).status_code == 403
    assert StationAssessmentWeights.current().consultations == 30


@pytest.mark.parametrize("persona", ["member", "unit"])
@pytest.mark.parametrize("url", [URL, WEIGHTS_URL, EXPORT_URL])
def test_members_and_units_get_403(client, personas, persona, url):
    client.force_login(personas[persona])
    assert client.get(url).status_code == 403


@pytest.mark.parametrize("url", [URL, WEIGHTS_URL, EXPORT_URL])
def test_anonymous_visitors_are_sent_to_log_in(client, db, url):
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_the_staff_navigation_links_the_assessment(client, office, liaison_a, member_user):
    for user, linked in ((office, True), (liaison_a, True), (member_user, False)):
        client.force_login(user)
        assert (f'href="{URL}"' in client.get("/accounts/home/", follow=True).content.decode()) is linked


def test_the_weights_page_shows_the_current_weights(client, office):
    client.force_login(office)
    html = client.get(WEIGHTS_URL).content.decode()
    assert 'name="consultations" value="30"' in html
