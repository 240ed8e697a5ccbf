import pytest

from tests.factories import AreaFactory, TopicFactory
from topics.models import Topic

URL = "/staff/topics/"


def test_anonymous_visitors_are_sent_to_log_in(client, db):
    assert client.get(URL)["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["member", "unit"])
def test_members_and_units_are_refused(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get(URL).status_code == 403


def test_it_filters_searches_and_sorts(client, office, town_a, town_b):
    TopicFactory(town=town_a, title="路灯维修", source="party", requesting_body="县委办", category="livelihood")
    TopicFactory(town=town_a, title="产业园招商", category="development", description="园区路灯也需要")
    TopicFactory(town=town_b, title="菜市场排水", description="雨天积水", status="declined", public_reason="已办结")
    client.force_login(office)
    html = client.get(URL, {"q": "路灯"}).content.decode()
    assert "路灯维修" in html and "产业园招商" in html and "菜市场排水" not in html
    html = client.get(URL, {"source": "party"}).content.decode()
    assert "路灯维修" in html and "产业园招商" not in html
    html = client.get(URL, {"status": "declined", "town": town_b.pk}).content.decode()
    assert "菜市场排水" in html and "路灯维修" not in html
    newest_first = client.get(URL).content.decode()
    assert newest_first.index("菜市场排水") < newest_first.index("路灯维修")
    oldest_first = client.get(URL, {"sort": "old"}).content.decode()
    assert oldest_first.index("路灯维修") < oldest_first.index("菜市场排水")


def test_liaison_staff_see_their_town_only(client, liaison_a, town_a, town_b):
    TopicFactory(town=town_a, title="甲镇的议题")
    TopicFactory(town=town_b, title="乙镇的议题")
    client.force_login(liaison_a)
    html = client.get(URL, {"town": town_b.pk}).content.decode()
    assert "甲镇的议题" in html and "乙镇的议题" not in html


def test_it_pages_through_many_topics(client, office, town_a):
    TopicFactory.create_batch(30, town=town_a)
    client.force_login(office)
    html = client.get(URL).content.decode()
    assert "共 2 页" in html
    assert client.get(URL, {"page": 2}).status_code == 200


def _fill(town, n):
    villages = [AreaFactory(level="village", parent=town) for _ in range(2)]
    for i in range(n):
        TopicFactory(town=town, village=villages[i % 2])


def test_it_uses_the_same_number_of_queries_at_two_sizes(client, office, town_a, django_assert_max_num_queries):
    client.force_login(office)
    _fill(town_a, 3)
    with django_assert_max_num_queries(20) as small:
        assert client.get(URL).status_code == 200
    _fill(town_a, 20)
    with django_assert_max_num_queries(20) as large:
        assert client.get(URL).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)
    assert Topic.objects.count() == 23


def test_a_search_with_very_many_matches_stops_counting(client, office, town_a, monkeypatch):
    monkeypatch.setattr("topics.views.staff.SEARCH_COUNT_CAP", 3)  # instead of 1000
    TopicFactory.create_batch(5, town=town_a, title="路灯维修")
    client.force_login(office)
    html = client.get(URL, {"q": "路灯"}).content.decode()
    assert 'data-count="3+"' in html
    assert 'data-count="5"' in client.get(URL).content.decode()
