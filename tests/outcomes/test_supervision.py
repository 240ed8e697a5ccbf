"""Supervision by members (委员督办): the supervising member reads the handling and comments on it."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consult_portal.models import Notification, Role
from outcomes import services
from outcomes.models import OutcomeEvent
from tests.factories import MemberFactory, OutcomeFactory, UserFactory


def _url(item):
    return f"/members/me/outcomes/{item.pk}/"


def _comment(client, item, text="请加快进度,雨季前完成排水改造。"):
    return client.post(f"/members/me/outcomes/{item.pk}/comment/", {"comment-text": text})


@pytest.fixture
def item(unit, member_user, unit_user):
    item = OutcomeFactory(unit=unit, text="雨季前完成老街排水改造", contact_name="王科长")
    item.supervisors.add(member_user.member)
    services.outcome_post_progress(item=item, text="已完成管网勘察。", by=unit_user)
    return item


def test_anonymous_visitors_are_sent_to_log_in(client, item):
    assert client.get(_url(item))["Location"].startswith("/accounts/login/")
    assert _comment(client, item)["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("persona", ["office", "liaison_a", "leader", "unit"])
def test_other_roles_are_refused(client, personas, persona, item):
    client.force_login(personas[persona])
    assert client.get(_url(item)).status_code == 403
    assert _comment(client, item).status_code == 403
    assert not item.events.filter(kind=OutcomeEvent.Kind.COMMENT).exists()


def test_a_supervising_member_sees_the_handling(client, member_user, item):
    client.force_login(member_user)
    response = client.get(_url(item))
    html = response.content.decode()
    assert response.status_code == 200
    assert "雨季前完成老街排水改造" in html and "王科长" in html and "县住房城乡建设局" in html
    assert "已完成管网勘察。" in html and "推进中" in html
    assert "张委员" in html  # among the supervising members
    assert f'action="/members/me/outcomes/{item.pk}/comment/"' in html
    assert "/unit/items/" not in html  # no unit forms or navigation


def test_a_member_who_does_not_supervise_the_item_gets_404(client, item):
    outsider = UserFactory(username="member2", role=Role.MEMBER)
    MemberFactory(user=outsider, name="李委员")
    client.force_login(outsider)
    assert client.get(_url(item)).status_code == 404
    assert _comment(client, item).status_code == 404
    assert not item.events.filter(kind=OutcomeEvent.Kind.COMMENT).exists()


def test_a_member_login_without_a_member_record_is_refused(client, item):
    client.force_login(UserFactory(username="member-unlinked", role=Role.MEMBER))
    assert client.get(_url(item)).status_code == 403


def test_the_comment_reaches_the_units_history_and_inbox(client, member_user, unit_user, item):
    client.force_login(member_user)
    response = _comment(client, item)
    assert response.status_code == 302 and response["Location"] == _url(item)
    event = item.events.get(kind=OutcomeEvent.Kind.COMMENT)
    assert (event.actor, event.note) == (member_user, "请加快进度,雨季前完成排水改造。")
    notice = Notification.objects.get(recipient=unit_user, channel=Notification.Channel.INAPP, kind="outcome_comment")
    assert notice.link == f"/unit/items/{item.pk}/"
    assert "请加快进度" in client.get(_url(item)).content.decode()

    client.force_login(unit_user)
    html = client.get(f"/unit/items/{item.pk}/").content.decode()
    row = html[html.index('data-event="comment"') :]
    row = row[: row.index("</tr>")]
    assert "请加快进度,雨季前完成排水改造。" in row and "member1" in row
    assert timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M") in row


def test_the_comment_is_labelled_in_chinese_in_the_history(client, member_user, unit_user, item):
    client.force_login(member_user)
    assert _comment(client, item).status_code == 302
    html = client.get(_url(item)).content.decode()
    row = html[html.index('data-event="comment"') :]
    assert "督办委员意见" in row[: row.index("</tr>")]


def test_an_empty_comment_is_refused_beside_the_field(client, member_user, item):
    client.force_login(member_user)
    response = _comment(client, item, text="   ")
    assert response.status_code == 400
    assert response.context["comment_form"].has_error("text")
    assert "这个字段是必填项" in response.content.decode()
    assert not item.events.filter(kind=OutcomeEvent.Kind.COMMENT).exists()


def test_the_workspace_links_to_the_supervised_item_and_marks_it_overdue(client, member_user, unit):
    today = timezone.localdate()
    late = OutcomeFactory(unit=unit, text="逾期的督办事项", deadline=today - timedelta(days=1))
    on_time = OutcomeFactory(unit=unit, text="按期的督办事项", deadline=today + timedelta(days=10))
    for item in (late, on_time):
        item.supervisors.add(member_user.member)
    client.force_login(member_user)
    html = client.get("/members/me/").content.decode()
    assert f'href="/members/me/outcomes/{late.pk}/"' in html and f'href="/members/me/outcomes/{on_time.pk}/"' in html
    late_row = html[html.index(f'data-supervised="{late.pk}"') :]
    assert "已超期" in late_row[: late_row.index("</li>")]
    on_time_row = html[html.index(f'data-supervised="{on_time.pk}"') :]
    assert "已超期" not in on_time_row[: on_time_row.index("</li>")]
