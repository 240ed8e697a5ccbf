"""Cached figures and pages (#17): a page read twice is answered from the cache, and a write makes its figures move.

These tests commit their writes (transactional_db), as a running portal does: the data version moves on at the
commit (consult_portal/cache_versions.py), so the page read after the write is computed again.
"""

import re

import lxml.html
import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from consult_portal import cache_versions
from outcomes.models import OutcomeItem
from sessions.models import Meeting
from tests.factories import MeetingFactory, MemberFactory, OutcomeFactory, PlatformFactory, TopicFactory
from topics.models import ConsultationPlan, PlanEntry

pytestmark = pytest.mark.usefixtures("transactional_db")
YEAR = timezone.localdate().year


def _get(client, url, **params):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params)
    assert response.status_code == 200, url
    return response.content.decode(), len(queries)


def _figure(html: str, name: str) -> str:
    return lxml.html.fromstring(html).xpath(f"//*[@data-figure='{name}']")[0].text_content().strip()


def _twice_then_after(client, url, write, read, **params):
    """(value before, value after the write); the second read before the write comes from the cache."""
    html, first = _get(client, url, **params)
    again, second = _get(client, url, **params)
    assert second < first, f"{url}: {second} queries, as many as the first read's {first}"
    assert read(again) == read(html)
    write()
    after, _queries = _get(client, url, **params)
    return read(html), read(after)


@pytest.fixture
def platform_a(town_a):
    return PlatformFactory(area=town_a)


def test_the_public_statistics_move_when_a_topic_is_received(client, town_a):
    TopicFactory(town=town_a)
    before, after = _twice_then_after(
        client, "/stats/", lambda: TopicFactory(town=town_a), lambda html: _figure(html, "topics_total")
    )
    assert (before, after) == ("1", "2")


def test_the_open_data_csv_moves_when_a_topic_is_received(client, town_a):
    TopicFactory(town=town_a)
    url = f"/stats/{YEAR}.csv"
    first = client.get(url).content
    assert client.get(url).content == first
    TopicFactory(town=town_a)
    assert client.get(url).content != first


def test_the_dashboard_moves_when_a_topic_is_received(client, office, town_a):
    client.force_login(office)
    TopicFactory(town=town_a)
    before, after = _twice_then_after(
        client, "/staff/dashboard/", lambda: TopicFactory(town=town_a), lambda html: _figure(html, "topics_total")
    )
    assert (before, after) == ("1", "2")


def test_the_staff_home_moves_when_a_topic_is_received(client, office, town_a):
    client.force_login(office)
    before, after = _twice_then_after(
        client, "/staff/", lambda: TopicFactory(town=town_a), lambda html: _figure(html, "topics_this_year")
    )
    assert (before, after) == ("0", "1")


def test_the_assessment_moves_when_an_item_is_handed_to_the_town(client, office, town_a, platform_a, unit):
    client.force_login(office)
    meeting = MeetingFactory(platform=platform_a, status=Meeting.Status.HELD, starts_at=timezone.now())

    def handed(html):
        cell = lxml.html.fromstring(html).xpath(f"//tr[@data-town='{town_a.pk}']/td[@data-criterion='outcomes']/span")
        return cell[0].text_content().strip()  # implemented / handed over

    before, after = _twice_then_after(
        client, "/staff/assessment/", lambda: OutcomeFactory(meeting=meeting, unit=unit), handed, year=YEAR
    )
    assert (before, after) == ("0 / 0", "0 / 1")


def test_the_performance_record_moves_when_a_member_recommends_a_topic(client, office, town_a):
    client.force_login(office)
    member = MemberFactory()

    def points(html):
        return lxml.html.fromstring(html).xpath(f"//tr[@data-member='{member.pk}']/@data-points")[0]

    before, after = _twice_then_after(
        client,
        "/staff/members/performance/",
        lambda: TopicFactory(town=town_a, source="member", recommended_by=member),
        points,
        year=YEAR,
    )
    assert int(after) > int(before)


def _publish(item):
    OutcomeItem.objects.filter(pk=item.pk).update(status=OutcomeItem.Status.IMPLEMENTED, published_at=timezone.now())


def test_the_home_page_and_the_outcomes_list_show_an_item_published_since(client, platform_a, unit):
    item = OutcomeFactory(meeting=MeetingFactory(platform=platform_a), unit=unit, text="新修的路灯亮了")
    assert "新修的路灯亮了" not in _get(client, "/")[0]

    def shown(html):
        return "新修的路灯亮了" in html

    before, after = _twice_then_after(client, "/outcomes/", lambda: _publish(item), shown)
    assert (before, after) == (False, True)
    assert "新修的路灯亮了" in _get(client, "/")[0]


def test_an_outcome_page_shows_its_new_text(client, platform_a, unit):
    item = OutcomeFactory(meeting=MeetingFactory(platform=platform_a), unit=unit, text="修路灯")
    _publish(item)
    before, after = _twice_then_after(
        client,
        f"/outcomes/{item.pk}/",
        lambda: OutcomeItem.objects.filter(pk=item.pk).update(text="修路灯并加装监控"),  # an UPDATE, no save()
        lambda html: "加装监控" in html,
    )
    assert (before, after) == (False, True)


def test_the_meetings_list_its_feed_and_a_meeting_show_what_changed(client, platform_a):
    first = MeetingFactory(platform=platform_a, title="第一次协商")
    for url in ("/meetings/", "/meetings/feed.ics", f"/meetings/{first.pk}/"):

        def read(html):
            return "第二次协商" in html or "改期的协商" in html

        def write(url=url):
            if url.endswith(f"{first.pk}/"):
                Meeting.objects.filter(pk=first.pk).update(title="改期的协商")
            else:
                MeetingFactory(platform=platform_a, title=f"第二次协商{url}")

        before, after = _twice_then_after(client, url, write, read)
        assert (before, after) == (False, True), url
        Meeting.objects.filter(title__startswith="第二次协商").delete()
        Meeting.objects.filter(pk=first.pk).update(title="第一次协商")


def test_the_published_plan_shows_a_topic_entered_since(client, town_a):
    plan = ConsultationPlan.objects.create(
        year=YEAR,
        status=ConsultationPlan.Status.PUBLISHED,
        approved_by="县政协主席会议",
        approved_on=timezone.localdate(),
        document_number="政协〔2026〕1号",
        published_at=timezone.now(),
    )
    PlanEntry.objects.create(
        plan=plan, topic=TopicFactory(town=town_a, status="planned"), quarter=1, platform_level="town"
    )
    added = TopicFactory(town=town_a, status="planned", title="加装路灯")
    before, after = _twice_then_after(
        client,
        f"/topics/plan/{YEAR}/",
        lambda: PlanEntry.objects.create(plan=plan, topic=added, quarter=2, platform_level="town"),
        lambda html: "加装路灯" in html,
    )
    assert (before, after) == (False, True)


# -- what the cache must not share -------------------------------------------------------------------


def test_each_visitor_gets_a_csrf_token_of_their_own_from_a_cached_page(client, django_user_model):
    from django.test import Client

    _get(client, "/outcomes/")
    other = Client()
    html, _queries = _get(other, "/outcomes/")  # from the cache
    tokens = re.findall(r'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    assert tokens and "@csrf@" not in html
    assert "csrftoken" in other.cookies
    # The language switch posts with that token and is accepted.
    response = other.post("/i18n/setlang/", {"language": "en", "next": "/", "csrfmiddlewaretoken": tokens[0]})
    assert response.status_code == 302


def test_a_logged_in_user_gets_the_page_rendered_for_them(client, office):
    _get(client, "/outcomes/")  # kept for anonymous visitors
    client.force_login(office)
    html, _queries = _get(client, "/outcomes/")
    assert 'action="/accounts/logout/"' in html or "My work" in html or "我的工作" in html


def test_a_connection_with_uncommitted_writes_does_not_use_the_cache(client, town_a):
    TopicFactory(town=town_a)
    assert _figure(_get(client, "/stats/")[0], "topics_total") == "1"
    with transaction.atomic():
        TopicFactory(town=town_a)
        assert cache_versions.key("anything") is None
        assert _figure(_get(client, "/stats/")[0], "topics_total") == "2"  # its own write, not the cached 1
        version = cache_versions.version()
    assert cache_versions.version() > version  # moved on at the commit


def test_a_rolled_back_write_leaves_the_version(town_a):
    version = cache_versions.version()
    with pytest.raises(RuntimeError), transaction.atomic():
        TopicFactory(town=town_a)
        raise RuntimeError
    assert cache_versions.version() == version


def test_a_list_filter_shows_a_town_added_since(client, office, town_a):
    from tests.factories import AreaFactory

    client.force_login(office)
    TopicFactory(town=town_a)

    def towns(html):
        return lxml.html.fromstring(html).xpath("//form[@role='search']//select[@name='town']/option/text()")

    before, after = _twice_then_after(
        client,
        "/staff/topics/",
        lambda: AreaFactory(name="新设镇", code="T9", level="town", parent=town_a.parent),
        towns,
    )
    assert "新设镇" not in before and "新设镇" in after


def test_each_visitor_of_the_cached_suggest_form_gets_a_key_of_their_own(client):
    from django.test import Client

    def key(html):
        return re.search(r'name="submission_key" value="([^"]+)"', html).group(1)

    first, queries = _get(client, "/topics/suggest/")
    second, fewer = _get(Client(), "/topics/suggest/")  # from the cache
    assert fewer < queries or queries == 0
    assert key(first) != key(second) and "@submission_key@" not in second
    assert len(key(second)) == 36


def test_the_tracking_limit_counts_lookups_answered_from_the_cache(client, town_a, settings):
    settings.TRACKING_LOOKUPS_PER_HOUR = 2
    topic = TopicFactory(town=town_a)
    url = f"/topics/track/{topic.tracking_code}/"
    assert [client.get(url).status_code for _ in range(3)] == [200, 200, 429]
