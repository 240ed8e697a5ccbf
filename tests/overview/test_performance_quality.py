"""Quality in the members' score (#16): points for suggestions adopted and fully implemented, for supervised items
residents are satisfied with (verified answers and tallies only), and for recommended topics accepted; each member
sees their own breakdown; the office sets the weights, audited."""

import re
from datetime import date, datetime, timedelta

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal.models import AuditEntry
from members.models import Member, PerformanceWeights
from outcomes.models import SatisfactionResponse, SurveyTally
from sessions.models import Participant, RecordItem
from tests.factories import MeetingFactory, MemberFactory, OutcomeFactory, PlatformFactory, TopicFactory

URL = "/staff/members/performance/"
WEIGHTS = {
    "meeting_attended": 3,
    "research": 2,
    "topic_recommended": 1,
    "topic_accepted": 3,
    "suggestion_adopted": 5,
    "suggestion_implemented": 3,
    "supervised_satisfied": 2,
}


def _now_year():
    return timezone.localdate().year


def _at(month=3):
    return timezone.make_aware(datetime(_now_year(), month, 1, 9, 0))


def _answers(item, ratings, *, verified=True):
    for n, rating in enumerate(ratings):
        phone = f"13{item.pk % 10}{'1' if verified else '2'}000{n:04d}"
        SatisfactionResponse.objects.create(
            item=item, rating=rating, verified=verified, phone=phone if verified else "", browser_token=phone
        )


@pytest.fixture
def year_of(member_user, town_a):
    """张委员 (the member who logs in): supervises four published items, raised two suggestions, recommended two
    topics; counted by hand in the tests."""
    zhang = Member.objects.get(user=member_user)
    meeting = MeetingFactory(platform=PlatformFactory(area=town_a), starts_at=_at(), ends_at=_at() + timedelta(hours=2))
    published = timezone.make_aware(datetime(_now_year(), 4, 1, 9, 0))
    # Supervised items: A 5 verified answers, 4 satisfied (80%): counts. B 4 answers all satisfied: too few.
    # C 5 unverified all satisfied and 5 verified, 2 satisfied: 40%, the unverified do not help. D 3 verified and a
    # field visit of 2, all satisfied: 5 counted, 100%: counts. E satisfied but not published this year: no.
    items = {}
    for key in "ABCDE":
        items[key] = OutcomeFactory(
            meeting=meeting,
            status="implemented",
            answer="已办",
            published_at=published if key != "E" else published.replace(year=_now_year() - 1),
        )
        items[key].supervisors.add(zhang)
    _answers(items["A"], [5, 4, 4, 3, 1])
    _answers(items["B"], [5, 5, 5, 5])
    _answers(items["C"], [5, 5, 5, 5, 5], verified=False)
    _answers(items["C"], [5, 4, 1, 1, 2])
    _answers(items["D"], [5, 5, 4])
    SurveyTally.objects.create(
        item=items["D"], method="visit", date=date(_now_year(), 5, 1), sample_size=2, satisfied=2
    )
    _answers(items["E"], [5, 5, 5, 5, 5])
    # Suggestions: one fully implemented, one partly (adopted, not implemented).
    for status in ("implemented", "partly"):
        raised = RecordItem.objects.create(meeting=meeting, kind="suggestion", text=f"建议{status}", proposer=zhang)
        OutcomeFactory(meeting=meeting, record_item=raised, status=status, answer="已办")
    # Topics recommended: one accepted, one declined.
    TopicFactory(town=town_a, source="member", recommended_by=zhang, year=_now_year(), status="accepted")
    TopicFactory(
        town=town_a, source="member", recommended_by=zhang, year=_now_year(), status="declined", public_reason="不属于"
    )
    Participant.objects.create(meeting=meeting, kind="member", member=zhang, checked_in_at=_at())
    return zhang


def _row(client, office, member):
    client.force_login(office)
    rows = client.get(URL, {"year": _now_year()}).context["page"].object_list
    client.logout()
    return next(m for m in rows if m.pk == member.pk)


def test_the_points_count_quality_beside_quantity(client, office, year_of):
    row = _row(client, office, year_of)
    assert (row.attended, row.recommended, row.accepted, row.adopted, row.implemented, row.satisfied) == (
        1,
        2,
        1,
        2,
        1,
        2,
    )
    # 3 × 1 meeting + 1 × 2 topics + 3 × 1 accepted + 5 × 2 adopted + 3 × 1 implemented + 2 × 2 satisfied items
    assert row.points == 3 + 2 + 3 + 10 + 3 + 4 == 25


def test_unverified_answers_never_make_an_item_satisfying(client, office, year_of):
    c = OutcomeFactory(meeting=MeetingFactory(), status="implemented", answer="已办", published_at=timezone.now())
    c.supervisors.add(year_of)
    _answers(c, [5] * 30, verified=False)
    assert _row(client, office, year_of).satisfied == 2


def test_a_member_sees_their_own_breakdown(client, member_user, year_of):
    client.force_login(member_user)
    page = lxml.html.fromstring(client.get("/members/me/").content.decode())
    [table] = page.xpath("//table[contains(@class, 'my-breakdown')]")
    lines = {
        tr.get("data-line"): (int(tr.get("data-count")), int(tr.get("data-line-points")))
        for tr in table.xpath(".//tr[@data-line]")
    }
    assert lines == {
        "attended": (1, 3),
        "researched": (0, 0),
        "recommended": (2, 2),
        "accepted": (1, 3),
        "adopted": (2, 10),
        "implemented": (1, 3),
        "satisfied": (2, 4),
    }
    assert int(table.get("data-points")) == sum(points for _count, points in lines.values()) == 25
    text = table.text_content()
    assert _("Quality: what came of it") in text and _("Supervised items residents are satisfied with") in text
    # Quality comes after the counts of taking part.
    order = [tr.get("data-line") for tr in table.xpath(".//tr[@data-line]")]
    assert order.index("satisfied") > order.index("attended")


def test_the_office_changes_the_quality_weights_audited_and_the_breakdown_follows(client, office, member_user, year_of):
    client.force_login(office)
    response = client.post(f"{URL}?year={_now_year()}", WEIGHTS | {"supervised_satisfied": 10})
    assert response.status_code == 302
    weights = PerformanceWeights.current()
    assert weights.supervised_satisfied == 10
    entry = AuditEntry.objects.filter(action="performance_weights", actor=office).latest("pk")
    assert entry.after["supervised_satisfied"] == 10
    html = client.get(URL, {"year": _now_year()}).content.decode()
    assert f'data-member="{year_of.pk}" data-points="41"' in html  # 25 − 4 + 2 × 10
    client.force_login(member_user)
    me = client.get("/members/me/").content.decode()
    assert re.search(r'data-line="satisfied" data-count="2" data-line-points="20"', me)


def test_a_bad_quality_weight_is_refused_beside_the_field_and_kept(client, office, year_of):
    client.force_login(office)
    response = client.post(URL, WEIGHTS | {"suggestion_implemented": "-2", "supervised_satisfied": "7"})
    html = response.content.decode()
    assert response.status_code == 400
    field = html[html.index('id="div_id_suggestion_implemented"') : html.index('id="div_id_supervised_satisfied"')]
    assert "invalid-feedback" in field and 'value="-2"' in field
    assert 'name="supervised_satisfied" value="7"' in html
    assert PerformanceWeights.current().suggestion_implemented == 3


def test_liaison_staff_cannot_change_the_weights(client, liaison_a, year_of):
    client.force_login(liaison_a)
    assert client.post(URL, WEIGHTS | {"supervised_satisfied": 9}).status_code == 403
    assert PerformanceWeights.current().supervised_satisfied == 2


def test_the_members_page_uses_the_same_queries_at_two_sizes(client, member_user, year_of):
    client.force_login(member_user)
    client.get("/members/me/")
    with CaptureQueriesContext(connection) as small:
        client.get("/members/me/")
    for _n in range(6):
        item = OutcomeFactory(
            meeting=MeetingFactory(), status="implemented", answer="已办", published_at=timezone.now()
        )
        item.supervisors.add(year_of)
        _answers(item, [5, 5, 5, 5, 5])
        MemberFactory()
    with CaptureQueriesContext(connection) as large:
        html = client.get("/members/me/").content.decode()
    assert 'data-line="satisfied" data-count="8"' in html
    assert len(large.captured_queries) == len(small.captured_queries)
