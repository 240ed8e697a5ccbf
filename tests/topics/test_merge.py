"""Merging picks the topic that goes on from a searchable list instead of typing its code (#15): the other open
topics of the same town, never the topic itself, a finished topic or one of another town."""

import re

import pytest
from django.utils.translation import gettext as _

from tests.factories import TopicFactory
from topics.models import Topic


def _detail(client, topic) -> str:
    return client.get(f"/staff/topics/{topic.pk}/").content.decode()


def _merge_select(html: str) -> str:
    match = re.search(r'<select name="merge-target"[^>]*>.*?</select>', html, re.S)
    assert match, "no list of topics to merge into"
    return match.group()


@pytest.fixture
def candidates(town_a, town_b):
    primary = TopicFactory(town=town_a, title="合并后继续办理的议题", status="concluded")
    return {
        "open": TopicFactory(town=town_a, title="全村路灯改造", status="accepted", tracking_code="K7QM3WXP"),
        "planned": TopicFactory(town=town_a, title="村道亮化工程", status="planned"),
        "declined": TopicFactory(town=town_a, title="已不予采纳的议题", status="declined", public_reason="不宜协商"),
        "merged": TopicFactory(town=town_a, title="已合并的议题", status="merged", merged_into=primary),
        "concluded": TopicFactory(town=town_a, title="已办结的议题", status="concluded"),
        "other_town": TopicFactory(town=town_b, title="乙镇的路灯", status="accepted"),
    }


def test_the_merge_action_lists_the_other_open_topics_of_the_town_to_search(client, office, topic_a, candidates):
    client.force_login(office)
    select = _merge_select(_detail(client, topic_a))
    assert "data-search" in select
    assert "全村路灯改造 · K7QM3WXP" in select and "村道亮化工程" in select
    for left_out in ("已不予采纳的议题", "已合并的议题", "已办结的议题", "乙镇的路灯", "村口路灯坏了"):
        assert left_out not in select


def test_liaison_staff_merge_by_picking_the_topic(client, liaison_a, topic_a, candidates):
    client.force_login(liaison_a)
    response = client.post(
        f"/staff/topics/{topic_a.pk}/merge/", {"merge-target": candidates["open"].pk, "merge-public_note": "合并办理"}
    )
    assert response.status_code == 302
    topic_a.refresh_from_db()
    assert (topic_a.status, topic_a.merged_into) == (Topic.Status.MERGED, candidates["open"])


@pytest.mark.parametrize("which", ["itself", "declined", "merged", "other_town"])
def test_a_topic_not_on_the_list_is_refused_beside_the_field(client, office, topic_a, candidates, which):
    client.force_login(office)
    target = topic_a if which == "itself" else candidates[which]
    response = client.post(f"/staff/topics/{topic_a.pk}/merge/", {"merge-target": target.pk})
    assert response.status_code == 400
    assert _("%(label)s: choose one from the list.") % {"label": _("Topic to merge into")} in response.content.decode()
    topic_a.refresh_from_db()
    assert topic_a.status == Topic.Status.SUBMITTED
