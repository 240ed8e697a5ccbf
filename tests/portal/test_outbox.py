from datetime import timedelta

import time_machine
from django.core import mail
from django.utils import timezone

from consult_portal import notifications
from consult_portal.models import Notification
from consult_portal.sms import LocmemBackend


def _email(user, key="k1", **kwargs):
    return notifications.notify(
        channel=Notification.Channel.EMAIL,
        kind="test",
        subject="会议提醒",
        body="明天上午九点",
        recipient=user,
        dedup_key=key,
        **kwargs,
    )


def test_it_delivers_after_the_transaction_commits(office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        notification = _email(office)
    assert len(mail.outbox) == 0  # nothing leaves before commit
    for callback in callbacks:
        callback()
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 1
    assert [m.to for m in mail.outbox] == [[office.email]]
    assert mail.outbox[0].subject == "会议提醒"


def test_it_queues_the_same_message_once(office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _email(office, key="reminder:1:3d:2026-11-22")
        second = _email(office, key="reminder:1:3d:2026-11-22")
    assert first.pk == second.pk
    assert Notification.objects.count() == 1
    assert len(mail.outbox) == 1


def test_it_never_delivers_twice(office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = _email(office)
    assert notifications.deliver(notification.pk) is False
    assert len(mail.outbox) == 1


def test_it_texts_residents(db, settings, django_capture_on_commit_callbacks):
    settings.PORTAL_BASE_URL = "http://testserver.invalid"
    with django_capture_on_commit_callbacks(execute=True):
        notifications.notify(
            channel=Notification.Channel.SMS,
            kind="topic_status",
            subject="您的议题已受理",
            address="13800001234",
            dedup_key="sms1",
            link="/topics/track/ABCD2345/",
        )
    assert LocmemBackend.outbox == [("13800001234", "您的议题已受理 http://testserver.invalid/topics/track/ABCD2345/")]


def test_a_failed_delivery_stays_visible_and_is_retried_with_backoff(
    office, settings, django_capture_on_commit_callbacks
):
    # A real SMTP connection to a port where nothing listens.
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", 9, 2
    with django_capture_on_commit_callbacks(execute=True):
        notification = _email(office)
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED
    assert "ConnectionRefused" in notification.last_error
    assert notification.next_attempt_at > timezone.now()
    assert notifications.sweep() == 0  # not due yet

    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"  # the server is back
    with time_machine.travel(timezone.now() + timedelta(minutes=5)):
        assert notifications.sweep() == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert notification.attempts == 2
    assert len(mail.outbox) == 1


def test_it_gives_up_after_the_last_attempt(office, settings):
    settings.NOTIFICATION_MAX_ATTEMPTS = 1
    notification = Notification.objects.create(
        recipient=office, channel="email", kind="t", subject="s", dedup_key="x", address="no-at-sign"
    )
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", 9
    assert notifications.deliver(notification.pk) is False
    notification.refresh_from_db()
    assert notification.status == Notification.Status.FAILED and notification.next_attempt_at is None
    assert not notifications.due_for_delivery().exists()


def test_the_sweeper_recovers_a_claim_left_by_a_crashed_worker(office, settings):
    notification = Notification.objects.create(
        recipient=office,
        channel="email",
        kind="t",
        subject="s",
        dedup_key="crash",
        status="sending",
        attempts=1,
        claimed_at=timezone.now(),
    )
    assert notifications.sweep() == 0  # a live claim is left alone
    with time_machine.travel(timezone.now() + timedelta(minutes=settings.NOTIFICATION_STALE_CLAIM_MINUTES + 1)):
        assert notifications.sweep() == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT
    assert len(mail.outbox) == 1


def test_the_sweeper_sends_what_never_reached_the_broker(office):
    notification = Notification.objects.create(
        recipient=office, channel="inapp", kind="t", subject="s", dedup_key="lost"
    )
    with time_machine.travel(timezone.now() + timedelta(minutes=2)):
        assert notifications.sweep() == 1
    notification.refresh_from_db()
    assert notification.status == Notification.Status.SENT


def test_in_app_notices_reach_the_inbox_with_an_unread_count(client, office, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        notification = notifications.notify(
            channel=Notification.Channel.INAPP,
            kind="t",
            subject="有新的议题待处理",
            recipient=office,
            dedup_key="inapp1",
            link="/staff/",
        )
    client.force_login(office)
    html = client.get("/inbox/").content.decode()
    assert "有新的议题待处理" in html
    assert '<span class="badge text-bg-warning">1' in html
    response = client.post(f"/inbox/{notification.pk}/read/")
    assert response["Location"] == "/staff/"
    assert '<span class="badge text-bg-warning">' not in client.get("/inbox/").content.decode()


def test_nobody_reads_anyone_elses_notices(client, office, leader):
    notification = Notification.objects.create(
        recipient=office,
        channel="inapp",
        kind="t",
        subject="仅本人可见",
        dedup_key="own",
        status="sent",
        sent_at=timezone.now(),
    )
    client.force_login(leader)
    assert "仅本人可见" not in client.get("/inbox/").content.decode()
    assert client.post(f"/inbox/{notification.pk}/read/").status_code == 404
