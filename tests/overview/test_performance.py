from datetime import date, datetime, timedelta
from io import BytesIO

import pytest
from django.utils import timezone
from openpyxl import load_workbook

from consult_portal.models import AuditEntry
from members.models import PerformanceWeights
from sessions.models import Participant, RecordItem, Research
from tests.factories import MeetingFactory, MemberFactory, OutcomeFactory, PlatformFactory, TopicFactory

YEAR = 2026
URL = "/staff/members/performance/"
QUALITY_WEIGHTS = {"suggestion_implemented": 3, "supervised_satisfied": 2}


def _at(year, month=6):
    return timezone.make_aware(datetime(year, month, 1, 9, 0))


@pytest.fixture
def record(town_a):
    """A small year of activity, counted by hand in each test."""
    platform = PlatformFactory(area=town_a)
    wang, li = MemberFactory(name="王委员"), MemberFactory(name="李委员")
    this_year = MeetingFactory(platform=platform, starts_at=_at(YEAR), ends_at=_at(YEAR) + timedelta(hours=2))
    last_year = MeetingFactory(platform=platform, starts_at=_at(YEAR - 1), ends_at=_at(YEAR - 1) + timedelta(hours=2))
    second = MeetingFactory(platform=platform, starts_at=_at(YEAR, 9), ends_at=_at(YEAR, 9) + timedelta(hours=2))
    # 王: attended 2 meetings this year (+1 last year, +1 invited but absent)
    Participant.objects.create(meeting=this_year, kind="member", member=wang, checked_in_at=_at(YEAR))
    Participant.objects.create(meeting=second, kind="member", member=wang, checked_in_at=_at(YEAR, 9))
    Participant.objects.create(meeting=last_year, kind="member", member=wang, checked_in_at=_at(YEAR - 1))
    Participant.objects.create(meeting=second, kind="member", member=li)  # invited, never came
    # research: 王 1 this year, 李 2 this year and 1 last year
    for day, people in [(date(YEAR, 3, 1), [wang, li]), (date(YEAR, 4, 1), [li]), (date(YEAR - 1, 4, 1), [li])]:
        Research.objects.create(meeting=this_year, date=day, kind="visit", findings="走访").members.set(people)
    # topics: 李 recommends 3 this year, 2 accepted (one already consulted); 1 last year
    TopicFactory(town=town_a, source="member", recommended_by=li, year=YEAR, status="accepted")
    TopicFactory(town=town_a, source="member", recommended_by=li, year=YEAR, status="consulted")
    TopicFactory(town=town_a, source="member", recommended_by=li, year=YEAR, status="declined", public_reason="不属于")
    TopicFactory(town=town_a, source="member", recommended_by=li, year=YEAR - 1, status="accepted")
    # suggestions: 王 raised 2 this year, 1 implemented and 1 still in progress
    raised = RecordItem.objects.create(meeting=this_year, kind="suggestion", text="修路灯", proposer=wang)
    waiting = RecordItem.objects.create(meeting=this_year, kind="suggestion", text="修排水", proposer=wang)
    OutcomeFactory(meeting=this_year, record_item=raised, status="implemented", answer="已修")
    OutcomeFactory(meeting=this_year, record_item=waiting, status="in_progress")
    return {"wang": wang, "li": li}


def test_points_match_a_hand_count(client, office, record):
    client.force_login(office)
    rows = {m.name: m for m in client.get(URL, {"year": YEAR}).context["page"].object_list}
    wang, li = rows["王委员"], rows["李委员"]
    assert (wang.attended, wang.researched, wang.recommended, wang.accepted, wang.adopted) == (2, 1, 0, 0, 1)
    assert (li.attended, li.researched, li.recommended, li.accepted, li.adopted) == (0, 2, 3, 2, 0)
    assert (wang.implemented, wang.satisfied, li.implemented, li.satisfied) == (1, 0, 0, 0)
    # default weights: 3 per meeting, 2 per research, 1 per topic, 3 per accepted topic, 5 per adopted suggestion,
    # 3 more when it is fully implemented
    assert wang.points == 2 * 3 + 1 * 2 + 1 * 5 + 1 * 3 == 16
    assert li.points == 2 * 2 + 3 * 1 + 2 * 3 == 13


def test_office_staff_change_the_weights_and_the_ranking_follows(client, office, record):
    client.force_login(office)
    client.post(
        f"{URL}?year={YEAR}",
        {"meeting_attended": 3, "research": 2, "topic_recommended": 1, "topic_accepted": 3, "suggestion_adopted": 10}
        | QUALITY_WEIGHTS,
    )
    assert PerformanceWeights.current().suggestion_adopted == 10
    html = client.get(URL, {"year": YEAR}).content.decode()
    assert html.index("王委员") < html.index("李委员")
    assert f'data-member="{record["wang"].pk}" data-points="21"' in html
    assert AuditEntry.objects.filter(action="performance_weights", actor=office).exists()


def test_bad_weights_are_refused_and_kept(client, office, record):
    client.force_login(office)
    response = client.post(
        URL,
        {"meeting_attended": -1, "research": 2, "topic_recommended": 1, "topic_accepted": 3, "suggestion_adopted": 5}
        | QUALITY_WEIGHTS,
    )
    assert response.status_code == 400
    assert PerformanceWeights.current().meeting_attended == 3


def test_leaders_read_and_export_but_do_not_change_weights(client, leader, record):
    client.force_login(leader)
    assert client.get(URL).status_code == 200
    assert client.post(URL, {"meeting_attended": 9}).status_code == 403
    assert client.get("/staff/members/performance.xlsx", {"year": YEAR}).status_code == 200


@pytest.mark.parametrize("persona", ["member", "unit"])
def test_members_and_units_cannot_read_the_ranking(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get(URL).status_code == 403


def test_the_export_reopens_with_the_same_ranking(client, office, record):
    client.force_login(office)
    response = client.get("/staff/members/performance.xlsx", {"year": YEAR})
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    page = client.get(URL, {"year": YEAR}).context["page"].object_list
    assert [(r[1], r[8], r[9], r[10]) for r in rows] == [(m.name, m.implemented, m.satisfied, m.points) for m in page]


def test_the_ranking_uses_the_same_queries_at_two_sizes(client, office, record, town_a, django_assert_max_num_queries):
    client.force_login(office)
    PerformanceWeights.current()
    with django_assert_max_num_queries(20) as small:
        client.get(URL, {"year": YEAR})
    for _ in range(15):
        member = MemberFactory()
        TopicFactory(town=town_a, source="member", recommended_by=member, year=YEAR)
    with django_assert_max_num_queries(20) as large:
        client.get(URL, {"year": YEAR})
    assert len(small.captured_queries) == len(large.captured_queries)


def test_a_member_reads_their_own_record_in_the_workspace(client, member_user, town_a):
    member = member_user.member
    for status in ("accepted", "submitted"):
        TopicFactory(town=town_a, source="member", recommended_by=member, year=timezone.localdate().year, status=status)
    client.force_login(member_user)
    html = client.get("/members/me/").content.decode()
    assert 'data-points="5"' in html  # 2 recommended × 1 + 1 accepted × 3
