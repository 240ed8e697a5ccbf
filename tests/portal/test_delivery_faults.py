"""Real Celery workers killed mid-send, their database connections killed, a frozen mail server: every message is
delivered once (or, in the one window the README names, again with the same Message-ID), counted where it arrives:
at a fake SMTP server and at a file-backed SMS gateway (tests/portal/fault_tools.py).

Needs PostgreSQL (DATABASE_URL) and Redis (REDIS_URL): missing services skip, or fail under REQUIRE_SERVICES=1.
"""

import time
import uuid
from collections import Counter
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace

import pytest
from django.db import connection
from django.utils import timezone

from consult_portal import breaker, notifications
from consult_portal.delivery import idempotency_key
from consult_portal.mail import message_id
from consult_portal.models import Notification, NotificationPreference
from tests.conftest import skip_or_fail
from tests.portal.fault_tools import FakeSMTP, Worker, accepted_keys, wait_until, worker_env

pytestmark = pytest.mark.worker
SENT = "sent"


@pytest.fixture
def rig(transactional_db, tmp_path, settings):
    """Start workers (`rig.worker`) for the default queue and the email queue of a queue name of this test's own;
    the test process publishes there too."""
    from consult_portal.celery import app

    if not settings.REDIS_URL or connection.vendor != "postgresql":
        skip_or_fail("the fault tests need REDIS_URL and a PostgreSQL DATABASE_URL")
    queue = f"test-{uuid.uuid4().hex[:12]}"
    sms_file = tmp_path / "sms.jsonl"
    started, servers = [], []

    def smtp(hold=None) -> FakeSMTP:
        server = FakeSMTP(hold)
        servers.append(server)
        return server

    def worker(server: FakeSMTP, queues=("main", "email"), concurrency=2, email_timeout=30, **env) -> Worker:
        names = [queue if name == "main" else f"{queue}-email" for name in queues]
        environment = worker_env(
            connection,
            queue,
            EMAIL_URL=f"smtp://127.0.0.1:{server.port}?timeout={email_timeout}",
            SMS_BACKEND="tests.portal.fault_tools.FileGateway",
            FAKE_SMS_FILE=str(sms_file),
            **env,
        )
        log = tmp_path / f"worker-{len(started)}.log"
        started.append(Worker(log, names, environment, concurrency=concurrency))
        return started[-1]

    settings.NOTIFICATION_PUBLISH_TIMEOUT = 10  # this busy test machine's first connection to Redis may be slow
    breaker.reset()
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    try:
        yield SimpleNamespace(
            smtp=smtp, worker=worker, workers=started, sms_file=sms_file, hold=Path(f"{sms_file}.hold")
        )
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        for server in servers:
            server.release()
        for process in started:
            process.stop()
        for server in servers:
            server.stop()


def _notify(office, channel, n):
    return notifications.notify(
        channel=channel,
        kind="fault",
        subject=f"您的议题已采纳 {channel} {n}",
        recipient=office if channel != "sms" else None,
        address="13800001234" if channel == "sms" else "",
        dedup_key=f"fault:{channel}:{n}",
    )


def _statuses():
    return Counter(Notification.objects.values_list("status", flat=True))


def _stale_claims_age():
    """What NOTIFICATION_STALE_CLAIM_MINUTES of waiting does to the claims of workers that died."""
    return Notification.objects.filter(status=Notification.Status.SENDING).update(
        claimed_at=timezone.now() - timedelta(hours=1)
    )


def test_workers_killed_mid_batch_leave_every_message_sent_exactly_once(rig, office):
    smtp = rig.smtp(hold="data")  # each email waits for the answer to DATA: no data sent yet
    rig.hold.touch()  # the gateway takes each SMS, then is slow to answer
    rig.worker(smtp, queues=("main",), concurrency=3)  # two held on SMS, one free for the notices
    rig.worker(smtp, queues=("email",))
    rows = [_notify(office, channel, n) for n in range(2) for channel in ("email", "sms", "inapp")]

    # Two emails held at the server, two SMS held at the gateway, the notices sent.
    wait_until(lambda: smtp.held == 2 and len(accepted_keys(rig.sms_file)) == 2)
    wait_until(lambda: _statuses() == {"sending": 4, SENT: 2})
    sms_handed = Notification.objects.filter(channel="sms", handed_at__isnull=False).count()
    email_handed = Notification.objects.filter(channel="email", handed_at__isnull=False).count()
    assert (sms_handed, email_handed) == (2, 0)  # the gateway may have the SMS; no email reached the end of its data

    _kill_all(rig)
    smtp.release()
    rig.hold.unlink()
    time.sleep(0.5)
    assert smtp.messages == []  # the data of neither email ended: the server kept nothing

    # Ten minutes later, as far as the claims go: the sweeper hands the four rows to new workers.
    assert _stale_claims_age() == 4
    rig.worker(smtp, queues=("main",))
    rig.worker(smtp, queues=("email",))
    assert notifications.sweep() == 4
    wait_until(lambda: _statuses() == {SENT: 6})

    emails = [row for row in rows if row.channel == "email"]
    texts = [row for row in rows if row.channel == "sms"]
    assert Counter(smtp.message_ids()) == {message_id(row): 1 for row in emails}
    assert Counter(accepted_keys(rig.sms_file)) == {idempotency_key(row): 1 for row in texts}
    for row in Notification.objects.filter(channel__in=["email", "sms"]):
        assert row.attempts == 2
        assert row.provider_id  # the SMTP server's "queued as", the gateway's reference
    assert notifications.sweep() == 0


def _kill_all(rig):
    """SIGKILL every worker started so far, each with its pool, at once."""
    for worker in rig.workers:
        worker.kill()


def test_a_worker_killed_after_the_end_of_an_emails_data_sends_it_again_with_the_same_message_id(rig, office):
    """The window the README names: the server has the message, its answer never reached the worker."""
    smtp = rig.smtp(hold="end")
    rig.worker(smtp, queues=("email",), concurrency=1)
    row = _notify(office, "email", 0)
    wait_until(lambda: smtp.held == 1)
    row.refresh_from_db()
    assert row.status == Notification.Status.SENDING and row.handed_at is not None
    _kill_all(rig)
    smtp.release()

    _stale_claims_age()
    rig.worker(smtp, queues=("email",), concurrency=1)
    assert notifications.sweep() == 1
    wait_until(lambda: Notification.objects.filter(pk=row.pk, status=SENT).exists())
    assert smtp.message_ids() == [message_id(row), message_id(row)]  # at least once: twice, recognisably the same


def test_database_connections_killed_mid_send_leave_every_message_sent_once(rig, office):
    smtp = rig.smtp(hold="data")
    rig.hold.touch()
    rig.worker(smtp, queues=("main",), concurrency=1, NOTIFICATION_HEARTBEAT_SECONDS="0.2")
    rig.worker(smtp, queues=("email",), concurrency=1, NOTIFICATION_HEARTBEAT_SECONDS="0.2")
    email, text = _notify(office, "email", 0), _notify(office, "sms", 0)
    wait_until(lambda: smtp.held == 1 and len(accepted_keys(rig.sms_file)) == 1)

    # Every connection of the workers to the database dies while they wait on the mail server and the gateway.
    import psycopg2

    db = connection.settings_dict
    admin = psycopg2.connect(dbname="postgres", user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"])
    admin.autocommit = True
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        mine = cursor.fetchone()[0]
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = %s AND pid <> %s",
            [db["NAME"], mine],
        )
        assert cursor.fetchone()[0] >= 2  # each worker's, and their heartbeats'
    admin.close()
    smtp.release()
    rig.hold.unlink()

    wait_until(lambda: _statuses() == {SENT: 2})
    assert smtp.message_ids() == [message_id(email)]
    assert accepted_keys(rig.sms_file) == [idempotency_key(text)]
    assert list(Notification.objects.values_list("attempts", flat=True)) == [1, 1]
    _stale_claims_age()
    assert notifications.sweep() == 0  # nothing left to settle


def test_a_frozen_mail_server_holds_up_no_sms_and_no_notice(rig, office):
    smtp = rig.smtp(hold="frozen")  # accepts the connection, never answers
    rig.worker(smtp, queues=("main",), concurrency=1)
    rig.worker(smtp, queues=("email",), concurrency=1, email_timeout=3)
    NotificationPreference.objects.create(user=office, email=True, sms=True, phone="13800001234")
    started = time.monotonic()
    assert notifications.tell_users([office], kind="fault", key="frozen", subject="新的议题待处理", link="/staff/") == 3

    wait_until(lambda: Notification.objects.filter(channel__in=["inapp", "sms"], status=SENT).count() == 2)
    assert time.monotonic() - started < 5
    assert Notification.objects.get(channel="email").status == Notification.Status.SENDING
    assert len(accepted_keys(rig.sms_file)) == 1

    # The email gives up after EMAIL_TIMEOUT (3 s here) and waits for its next attempt.
    wait_until(lambda: Notification.objects.filter(channel="email", status=Notification.Status.FAILED).exists())
    assert "timed out" in Notification.objects.get(channel="email").last_error
