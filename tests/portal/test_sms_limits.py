"""SMS to residents: one number gets at most SMS_PER_NUMBER_PER_DAY a day, and the log never holds a whole number or
a tracking code."""

import logging
import uuid
from datetime import timedelta

import time_machine
from django.utils import timezone

from consult_portal import notifications
from consult_portal.models import Notification
from consult_portal.sms import ConsoleBackend, LocmemBackend
from topics.models import Topic


def _suggest(client, town, village, phone, number):
    data = {
        "title": f"村口路灯坏了{number}",
        "description": "村口到学校的路灯坏了三个月,晚上孩子放学很不安全。",
        "category": "livelihood",
        "town": town.pk,
        "village": village.pk,
        "name": "李阿姨",
        "phone": phone,
        "consent": "on",
        "website": "",
        "submission_key": str(uuid.uuid4()),
    }
    return client.post("/topics/suggest/", data, REMOTE_ADDR=f"10.40.0.{number}")


def test_a_number_typed_into_the_form_gets_no_more_than_the_daily_sms(
    client, town_a, village_a, settings, django_capture_on_commit_callbacks
):
    settings.SMS_PER_NUMBER_PER_DAY = 2
    with django_capture_on_commit_callbacks(execute=True):
        responses = [_suggest(client, town_a, village_a, "13912345678", number) for number in range(3)]
        other = _suggest(client, town_a, village_a, "13700001111", 9)
    # Every resident's topic is taken and gets its receipt, whatever happens to the SMS.
    assert [r.status_code for r in responses + [other]] == [302] * 4
    assert Topic.objects.count() == 4
    assert [phone for phone, _ in LocmemBackend.outbox].count("13912345678") == 2
    assert [phone for phone, _ in LocmemBackend.outbox].count("13700001111") == 1
    skipped = Notification.objects.get(address="13912345678", status=Notification.Status.CANCELLED)
    assert "SMS_PER_NUMBER_PER_DAY" in skipped.last_error and skipped.sent_at is None
    assert notifications.sweep() == 0  # a skipped message is not tried again


def test_the_number_gets_its_sms_again_the_next_day(db, settings, django_capture_on_commit_callbacks):
    settings.SMS_PER_NUMBER_PER_DAY = 1

    def text(key):
        with django_capture_on_commit_callbacks(execute=True):
            notifications.notify(
                channel=Notification.Channel.SMS, kind="t", subject="已受理", address="13912345678", dedup_key=key
            )

    text("a")
    text("b")
    assert len(LocmemBackend.outbox) == 1
    with time_machine.travel(timezone.now() + timedelta(days=1)):
        text("c")
    assert len(LocmemBackend.outbox) == 2


def test_the_console_backend_logs_neither_the_number_nor_the_tracking_code(caplog):
    with caplog.at_level(logging.INFO, logger="consult_portal.sms"):
        text = "您的议题 K7QX3MPA 已受理 https://consult.example.gov.cn/topics/track/K7QX3MPA/ 电话13800001234"
        ConsoleBackend().send("13912345678", text)
    logged = caplog.text
    assert "139****5678" in logged and "138****1234" in logged
    for secret in ("13912345678", "13800001234", "K7QX3MPA"):
        assert secret not in logged
    assert "https://consult.example.gov.cn/topics/track/K7******/" in logged
