"""The morning digest after beat was down (#19): the first look from 7:00 sends each missed day's digest once;
before 7:00, or a second look, sends nothing."""

from datetime import datetime, timedelta

import time_machine
from django.utils import timezone

from consult_portal.celery import app
from consult_portal.models import DailyRun, Notification, NotificationPreference
from topics import digest, notices, services
from topics.tasks import catch_up_topic_digest

MONDAY = datetime(2026, 3, 9, 10, 0)


def _topic(day: datetime, n: int, town):
    with time_machine.travel(timezone.make_aware(day), tick=False):
        services.resident_topic_submit(
            submission_key=f"key-{n}", title=f"议题{n}", description="路灯坏了", category="livelihood", town=town
        )


def _digests():
    rows = Notification.objects.filter(kind=notices.KIND_DIGEST, channel="inapp")
    return sorted(rows.values_list("dedup_key", flat=True))


def _look(at: datetime):
    with time_machine.travel(timezone.make_aware(at), tick=False):
        return digest.send_due()


def test_after_three_days_without_beat_each_missed_digest_goes_once_from_seven(
    office, town_a, django_capture_on_commit_callbacks
):
    NotificationPreference.objects.create(user=office, topic_digest=True)
    with django_capture_on_commit_callbacks(execute=True):
        assert _look(MONDAY.replace(hour=7, minute=15)) == 0  # Monday's look: Sunday had no topic
        for n, day in enumerate((MONDAY, MONDAY + timedelta(days=1), MONDAY + timedelta(days=2))):
            _topic(day, n, town_a)
        # Beat is down Tuesday and Wednesday mornings. Thursday 06:45: not yet.
        thursday = MONDAY + timedelta(days=3)
        assert _look(thursday.replace(hour=6, minute=45)) is None
        assert _digests() == []
        # 07:00: Monday's, Tuesday's and Wednesday's topics, one digest each.
        assert _look(thursday.replace(hour=7, minute=0)) > 0
        assert [key.split(":")[1] for key in _digests()] == ["20260309", "20260310", "20260311"]
        # The next look, the same morning, adds nothing.
        assert _look(thursday.replace(hour=7, minute=15)) is None
    assert len(_digests()) == 3
    assert list(DailyRun.objects.filter(job=digest.JOB).values_list("day", flat=True).order_by("day")) == [
        MONDAY.date(),
        thursday.date(),
    ]


def test_a_first_install_sends_only_yesterdays_digest(office, town_a, django_capture_on_commit_callbacks):
    NotificationPreference.objects.create(user=office, topic_digest=True)
    _topic(MONDAY - timedelta(days=5), 1, town_a)
    _topic(MONDAY - timedelta(days=1), 2, town_a)
    with django_capture_on_commit_callbacks(execute=True):
        _look(MONDAY.replace(hour=8))
    assert [key.split(":")[1] for key in _digests()] == ["20260308"]


def test_beat_looks_for_the_digest_every_fifteen_minutes():
    entry = app.conf.beat_schedule["send-topic-digest"]
    assert entry["task"] == catch_up_topic_digest.name
    assert entry["schedule"].minute == {0, 15, 30, 45}
