"""The deadline scan through Redis and a real Celery worker on PostgreSQL, time moved forward by the `today`
the task is sent with: each reminder and escalation is delivered once, two scans at once send once, and a
mail server that refuses and then recovers gets the reminder exactly once."""

import os
import re
import socketserver
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from datetime import timedelta
from email import message_from_bytes, policy
from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from consult_portal.models import Notification
from consult_portal.tasks import deliver_notification, sweep_outbox
from outcomes import reminders
from outcomes.models import OutcomeEvent
from outcomes.services import outcome_hand_over
from outcomes.tasks import send_outcome_reminders
from tests.conftest import skip_or_fail, wait_for, worker_mails
from tests.factories import TopicFactory

pytestmark = pytest.mark.worker

DONE = re.compile(
    r"outcomes\.tasks\.send_outcome_reminders\[[^\]]+\] succeeded in [\d.e-]+s: \{'due': (\d+), 'overdue': (\d+)\}"
)
KINDS = (reminders.KIND_DUE, reminders.KIND_OVERDUE)
SENT = Notification.Status.SENT


def _scans(log) -> list[int]:
    """The messages queued by each scan the worker finished."""
    return [int(due) + int(overdue) for due, overdue in DONE.findall(log.read_text())]


def _rows():
    return Notification.objects.filter(kind__in=KINDS)


def _all_sent(count: int) -> bool:
    return _rows().count() == count and not _rows().exclude(status=SENT).exists()


@pytest.fixture
def hand_over(town_a, unit, office):
    topic = TopicFactory(town=town_a, title="村口路灯改造")

    def make(days: int, **kwargs):
        return outcome_hand_over(
            text=f"修复甲一村村口路灯（{days}天）",
            unit=unit,
            contact_name="王科长",
            deadline=timezone.localdate() + timedelta(days=days),
            by=office,
            topic=topic,
            notify=False,
            **kwargs,
        )

    return make


def test_the_worker_delivers_each_reminder_and_the_escalation_once(
    celery_worker, hand_over, office, liaison_a, liaison_b, unit_user
):
    item = hand_over(days=10)
    log, mail_dir = celery_worker["log"], celery_worker["mail_dir"]
    expected = 0
    for scans, (offset, count) in enumerate(((-7, 2), (-3, 2), (-1, 2), (1, 4)), start=1):
        day = item.deadline + timedelta(days=offset)  # D+1: the office and town A's liaison
        send_outcome_reminders.delay(day.isoformat())
        send_outcome_reminders.delay(day.isoformat())  # the same morning's scan, twice
        expected += count
        wait_for(lambda n=2 * scans: len(_scans(log)) == n)
        wait_for(lambda n=expected: _all_sent(n))
    queued = _scans(log)
    assert queued == [2, 0, 2, 0, 2, 0, 4, 0]
    time.sleep(0.3)  # anything sent twice would show up now

    mails = Counter(worker_mails(mail_dir))
    assert set(mails.values()) == {1}
    assert sorted(to for to, _subject in mails) == sorted([unit_user.email] * 3 + [office.email, liaison_a.email])
    due = sorted(subject for to, subject in mails if to == unit_user.email)
    assert [re.findall(r"\d+", subject) for subject in due] == [["1"], ["3"], ["7"]]
    assert liaison_b.email not in {to for to, _subject in mails}
    keys = Counter(_rows().values_list("dedup_key", flat=True))
    assert len(keys) == 10 and set(keys.values()) == {1}
    assert OutcomeEvent.objects.filter(item=item, kind=OutcomeEvent.Kind.ESCALATED).count() == 1


def test_two_scans_at_once_send_each_message_once(celery_worker, hand_over, office, liaison_a, unit_user):
    day = timezone.localdate() + timedelta(days=5)
    hand_over(days=8)  # its 3-day reminder is due that day
    hand_over(days=6)  # its 1-day reminder
    overdue = hand_over(days=4)  # overdue by one day
    expected = 2 + 2 + 4

    # Two beat runs through the broker while two scans run here, each thread on its own connection.
    send_outcome_reminders.delay(day.isoformat())
    send_outcome_reminders.delay(day.isoformat())
    start = threading.Barrier(2)
    here = []

    def scan():
        try:
            start.wait()
            counts = reminders.scan(day)
            here.append(counts["due"] + counts["overdue"])
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    wait_for(lambda: len(_scans(celery_worker["log"])) == 2)
    wait_for(lambda: _all_sent(expected))
    time.sleep(0.3)
    assert len(here) == 2
    assert sum(here) + sum(_scans(celery_worker["log"])) == expected  # each message queued by exactly one scan
    keys = Counter(_rows().values_list("dedup_key", flat=True))
    assert len(keys) == expected and set(keys.values()) == {1}
    assert Counter(_rows().values_list("channel", flat=True)) == {"email": 4, "inapp": 4}

    mails = Counter(worker_mails(celery_worker["mail_dir"]))
    assert set(mails.values()) == {1}
    assert sorted(to for to, _subject in mails) == sorted([unit_user.email] * 2 + [office.email, liaison_a.email])
    assert OutcomeEvent.objects.filter(item=overdue, kind=OutcomeEvent.Kind.ESCALATED).count() == 1
    assert Notification.objects.filter(status=SENT, attempts=1).count() == expected  # each claimed once


# -- a mail server that refuses, then recovers -----------------------------------------------------


class _SMTPHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP for smtplib: while the server refuses, every recipient gets 451 (try again later)."""

    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        server = self.server
        self.reply("220 localhost ESMTP test server")
        while line := self.rfile.readline():
            verb = line[:4].decode("ascii", "replace").upper()
            if verb == "EHLO":
                self.reply("250-localhost")
                self.reply("250 8BITMIME")
            elif verb == "RCPT" and server.refusing:
                server.refused += 1
                self.reply("451 4.3.0 Mail server busy, try again later")
            elif verb == "DATA":
                self.reply("354 End data with <CR><LF>.<CR><LF>")
                lines = []
                while (data := self.rfile.readline()) not in (b".\r\n", b""):
                    lines.append(data[1:] if data.startswith(b".") else data)
                message = message_from_bytes(b"".join(lines), policy=policy.default)
                server.received.append((str(message["To"]), str(message["Subject"])))
                self.reply("250 2.0.0 Queued")
            elif verb == "QUIT":
                self.reply("221 Bye")
                return
            else:  # HELO, MAIL, RCPT, RSET, NOOP
                self.reply("250 OK")


@pytest.fixture
def smtp_server():
    server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), _SMTPHandler)
    server.daemon_threads = True
    server.refusing, server.refused, server.received = True, 0, []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture
def smtp_worker(transactional_db, tmp_path, smtp_server):
    """Like the `celery_worker` fixture, but the worker sends mail by SMTP to `smtp_server`."""
    from django.conf import settings

    from consult_portal.celery import app

    if not settings.REDIS_URL or connection.vendor != "postgresql":
        skip_or_fail("the worker tests need REDIS_URL and a PostgreSQL DATABASE_URL")
    db = connection.settings_dict
    queue = f"test-{uuid.uuid4().hex[:12]}"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "consult_portal.settings",
        "SECRET_KEY": "worker-test-secret-key-not-for-production",
        "DEBUG": "0",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_QUEUE": queue,
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp_server.server_address[1]}",
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "worker.log"
    # The default queue and the email queue (consult_portal.delivery.queue_for), both in this one worker.
    command = [sys.executable, "-m", "celery", "-A", "consult_portal", "worker", "--pool=solo"]
    command += ["-Q", f"{queue},{queue}-email"]
    command += ["--without-heartbeat", "--without-gossip", "--without-mingle", "-l", "info"]
    with open(log, "w") as out:
        process = subprocess.Popen(
            command, cwd=Path(__file__).resolve().parents[2], env=env, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 30
    while "ready." not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start:\n{log.read_text()}")
        time.sleep(0.2)
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager, app.conf.task_default_queue = False, queue
    try:
        yield {"queue": queue, "log": log}
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _finished(log, task: str) -> int:
    return len(re.findall(rf"{re.escape(task)}\[[^\]]+\] succeeded", log.read_text()))


def test_a_reminder_the_mail_server_refuses_is_retried_and_delivered_once_it_recovers(
    smtp_worker, smtp_server, hand_over, unit_user
):
    item = hand_over(days=10)
    log = smtp_worker["log"]
    send_outcome_reminders.delay((item.deadline - timedelta(days=1)).isoformat())
    email = wait_for(lambda: _rows().filter(channel="email", status=Notification.Status.FAILED).first(), timeout=30)
    assert _rows().get(channel="inapp").status == SENT  # the in-app notice does not wait for the mail server
    assert smtp_server.refused == 1 and smtp_server.received == []
    assert email.attempts == 1 and "SMTPRecipientsRefused" in email.last_error and "451" in email.last_error
    assert email.next_attempt_at > timezone.now()  # visible as failed, with its next attempt after a backoff

    # The sweeper leaves it alone before its time.
    sweep_outbox.delay()
    wait_for(lambda: _finished(log, sweep_outbox.name) == 1)
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Notification.Status.FAILED, 1)

    # The server is back and the backoff has run out: the next sweep delivers it, once, however often it is sent.
    smtp_server.refusing = False
    Notification.objects.filter(pk=email.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))
    sweep_outbox.delay()
    sweep_outbox.delay()
    deliver_notification.delay(email.pk)
    wait_for(lambda: _finished(log, sweep_outbox.name) == 3)
    wait_for(lambda: Notification.objects.filter(pk=email.pk, status=SENT).exists())
    # In-app, the refused attempt, the one sent by hand and one per row a sweep handed over (email has its own queue,
    # so the second sweep may come after the delivery and find nothing): all but one find nothing to claim.
    swept = rf"{re.escape(sweep_outbox.name)}\[[^\]]+\] succeeded in \S+: (\d+)"
    handed = sum(int(n) for n in re.findall(swept, log.read_text()))
    wait_for(lambda: _finished(log, deliver_notification.name) == 3 + handed)
    time.sleep(0.3)
    email.refresh_from_db()
    assert (email.status, email.attempts, email.last_error) == (SENT, 2, "")
    assert smtp_server.refused == 1
    assert len(smtp_server.received) == 1
    to, subject = smtp_server.received[0]
    assert to == unit_user.email and re.findall(r"\d+", subject) == ["1"] and item.unit.name in subject
