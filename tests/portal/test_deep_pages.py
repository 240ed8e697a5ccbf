"""Deep pages of a long list (#17): the staff topic list's page 2,000 reads only the ids it skips, then its rows; it
lists what the plain OFFSET would, in the same order, with as many queries at two sizes; a search counts its matches
only a page past the one shown."""

import pytest
from django.core.paginator import Paginator

from consult_portal.paging import CappedPaginator, DeepPaginator
from tests.factories import TopicFactory
from topics.models import Topic

URL = "/staff/topics/"


@pytest.fixture
def shallow(monkeypatch):
    """Deep from the sixth row on, so that a few topics make deep pages."""
    monkeypatch.setattr(DeepPaginator, "deep", 5)


def _ids(page) -> list[int]:
    return [topic.pk for topic in page.object_list]


def test_a_deep_page_lists_what_the_offset_lists_in_the_same_order(shallow, town_a):
    TopicFactory.create_batch(23, town=town_a)
    topics = Topic.objects.order_by("-created_at", "-id")
    for number in (1, 2, 3, 4, 5):
        deep = DeepPaginator(topics, 5).get_page(number)
        plain = Paginator(topics, 5).get_page(number)
        assert _ids(deep) == _ids(plain)
        assert deep.has_next() == plain.has_next()
    assert len(DeepPaginator(topics, 5).get_page(5).object_list) == 3


def test_the_staff_list_shows_its_deep_pages_with_as_many_queries_at_two_sizes(
    shallow, client, office, town_a, django_assert_max_num_queries
):
    client.force_login(office)
    TopicFactory.create_batch(30, town=town_a)
    counts = []
    for extra in (0, 30):
        TopicFactory.create_batch(extra, town=town_a)
        newest = list(Topic.objects.order_by("-created_at", "-id").values_list("title", flat=True))
        with django_assert_max_num_queries(30) as queries:
            html = client.get(URL, {"page": 2}).content.decode()
        counts.append(len(queries.captured_queries))
        shown = [title for title in newest if f">{title}<" in html]
        assert shown == newest[25:50]
    assert counts[0] == counts[1]


def test_a_search_counts_its_matches_only_a_page_past_the_one_shown(client, office, town_a):
    TopicFactory.create_batch(80, town=town_a, title="路灯维修")
    client.force_login(office)
    first = client.get(URL, {"q": "路灯"}).content.decode()
    assert 'data-count="50+"' in first  # page 1 and the next: "more than 50"
    third = client.get(URL, {"q": "路灯", "page": 3}).content.decode()
    assert 'data-count="80"' in third  # counted to the end of page 4: all of them


def test_the_capped_count_keeps_its_cap():
    topics = Topic.objects.none()
    paginator = CappedPaginator(topics, 25, cap=30, ahead=5)
    paginator.get_page(1)
    assert paginator.cap == 30
