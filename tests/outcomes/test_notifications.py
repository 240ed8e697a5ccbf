"""What the unit and the staff hear of outcome items (#15): an answer returned tells the unit, whose page of the item
shows the reason until it answers again; overdue items reach each person in one message a day listing them."""

import re
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from consult_portal.models import Notification, NotificationPreference
from outcomes import reminders
from outcomes.models import OutcomeEvent, OutcomeItem
from outcomes.services import outcome_answer, outcome_hand_over, outcome_return
from tests.factories import TopicFactory
from tests.notices_helpers import link_in, mails_to, opens_for, rows, told

BASE = "https://zx.example.gov.cn"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PORTAL_BASE_URL = BASE


@pytest.fixture
def hand_over(office, unit):
    def make(town, days=10, text="修复甲一村村口路灯", **kwargs):
        return outcome_hand_over(
            text=text,
            unit=unit,
            contact_name="王科长",
            deadline=timezone.localdate() + timedelta(days=days),
            by=office,
            topic=TopicFactory(town=town),
            notify=False,
            **kwargs,
        )

    return make


def _answer(item, unit_user):
    return outcome_answer(item=item, answer="路灯已修复。", status="implemented", by=unit_user, notify=False)


# -- an answer returned ----------------------------------------------------------------------------------


def test_a_returned_answer_tells_the_unit_and_shows_the_reason_on_the_item_until_it_answers_again(
    client, hand_over, town_a, office, unit_user, django_capture_on_commit_callbacks
):
    item = _answer(hand_over(town_a), unit_user)
    client.force_login(unit_user)
    assert "data-returned" not in client.get(f"/unit/items/{item.pk}/").content.decode()

    with django_capture_on_commit_callbacks(execute=True):
        outcome_return(item=item, note="请补充维修前后的照片", by=office)
    assert told("outcome_returned") == [("unit1", "email"), ("unit1", "inapp")]
    notice = rows("outcome_returned").get(channel="inapp")
    assert notice.link == f"/unit/items/{item.pk}/" and notice.body == "请补充维修前后的照片"
    page = opens_for(unit_user, notice).content.decode()
    banner = re.search(r"<div[^>]*data-returned>(.*?)</div>", page, re.S)
    assert banner and "请补充维修前后的照片" in banner.group(1)
    (message,) = mails_to(unit_user.email)
    assert "请补充维修前后的照片" in message.body and link_in(message.body, BASE) == f"/unit/items/{item.pk}/"

    # Answered again: the banner goes; returned again: the new reason, in a new message.
    _answer(item, unit_user)
    assert "data-returned" not in client.get(f"/unit/items/{item.pk}/").content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        outcome_return(item=item, note="照片不清晰", by=office)
    page = client.get(f"/unit/items/{item.pk}/").content.decode()
    assert "照片不清晰" in page and "请补充维修前后的照片" not in re.search(r"data-returned>(.*?)</div>", page, re.S)[1]
    assert rows("outcome_returned").count() == 4


# -- overdue: one message a day for each person --------------------------------------------------------------


def _overdue_scan(capture, day):
    with capture(execute=True):
        return reminders.scan(day)


def test_overdue_items_reach_each_person_in_one_message_listing_theirs(
    hand_over, town_a, town_b, office, liaison_a, liaison_b, member_user, django_capture_on_commit_callbacks
):
    items = [
        hand_over(town_a, text="修复甲一村村口路灯", supervisors=[member_user.member]),
        hand_over(town_a, text="清理甲镇排水沟"),
        hand_over(town_b, text="乙镇菜市场改造"),
    ]
    day = timezone.localdate()
    OutcomeItem.objects.update(deadline=day - timedelta(days=2))  # the list of overdue items is as of today
    assert _overdue_scan(django_capture_on_commit_callbacks, day)["overdue"] == 8
    assert told(reminders.KIND_OVERDUE) == sorted(
        (who, channel) for who in ("office1", "liaison_a", "liaison_b", "member1") for channel in ("email", "inapp")
    )
    digest = rows(reminders.KIND_OVERDUE).get(recipient=office, channel="inapp")
    assert "新增超期事项 3 项" in digest.subject
    assert all(item.text in digest.body for item in items)
    assert digest.link == "/staff/outcomes/?overdue=on" and digest.target is None
    page = opens_for(office, digest).content.decode()
    assert all(item.text in page for item in items)
    town_a_digest = rows(reminders.KIND_OVERDUE).get(recipient=liaison_a, channel="inapp")
    assert [item.text in town_a_digest.body for item in items] == [True, True, False]
    assert opens_for(liaison_a, town_a_digest).status_code == 200
    # One item only: said as it is, with the link to it.
    (single,) = rows(reminders.KIND_OVERDUE).filter(recipient=liaison_b, channel="inapp")
    assert single.target == items[2] and single.link == f"/staff/outcomes/{items[2].pk}/"
    assert opens_for(liaison_b, single).status_code == 200
    supervised = rows(reminders.KIND_OVERDUE).get(recipient=member_user, channel="inapp")
    assert supervised.link == f"/members/me/outcomes/{items[0].pk}/"
    assert opens_for(member_user, supervised).status_code == 200
    assert OutcomeEvent.objects.filter(kind=OutcomeEvent.Kind.ESCALATED).count() == 3

    # The scan again, that day or the next: nothing more.
    for later in (day, day + timedelta(days=1)):
        assert _overdue_scan(django_capture_on_commit_callbacks, later)["overdue"] == 0
    assert rows(reminders.KIND_OVERDUE).count() == 8
    assert len(mails_to(office.email)) == 1


def test_a_catch_up_over_many_overdue_items_is_one_message_per_person(
    hand_over, town_a, office, liaison_a, django_capture_on_commit_callbacks
):
    items = [hand_over(town_a, text=f"第{n}号事项") for n in range(60)]
    OutcomeItem.objects.filter(pk__in=[i.pk for i in items]).update(
        deadline=timezone.localdate() - timedelta(days=30)
    )
    assert _overdue_scan(django_capture_on_commit_callbacks, timezone.localdate())["overdue"] == 4
    digest = rows(reminders.KIND_OVERDUE).get(recipient=office, channel="inapp")
    assert "新增超期事项 60 项" in digest.subject
    assert digest.body.count("\n") == reminders.DIGEST_LINES  # 50 lines, then "and 10 more"
    assert "10" in digest.body.splitlines()[-1]
    assert OutcomeItem.objects.filter(escalated_on=timezone.localdate()).count() == 60
    assert len(mail.outbox) == 2


# -- the users' channels ------------------------------------------------------------------------------------


def test_the_reminders_follow_the_channels_each_user_chose(
    hand_over, town_a, office, unit_user, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=unit_user, email=False, sms=True, phone="13900004444")
    NotificationPreference.objects.create(user=office, email=False)
    item = hand_over(town_a, days=7)
    _overdue_scan(django_capture_on_commit_callbacks, item.deadline - timedelta(days=7))
    assert told(reminders.KIND_DUE) == [("unit1", "inapp"), ("unit1", "sms")]
    sms = rows(reminders.KIND_DUE).get(channel="sms")
    assert (sms.address, sms.recipient, sms.status) == ("13900004444", unit_user, Notification.Status.SENT)
    _overdue_scan(django_capture_on_commit_callbacks, item.deadline + timedelta(days=1))
    assert ("office1", "email") not in told(reminders.KIND_OVERDUE)
    assert ("office1", "inapp") in told(reminders.KIND_OVERDUE)
