"""Exactly once across a crash, on the parts: what a stale claim left behind is settled by asking the provider
(the real workers killed mid-send are in test_delivery_faults.py), stable idempotency keys and Message-IDs, the
SMTP backend that records the hand-over before the end of the data, and every outside call bounded in time."""

import time
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from consult_portal import breaker, delivery, notifications
from consult_portal.mail import message_id
from consult_portal.models import Notification
from consult_portal.sms import LocmemBackend
from tests.portal.fault_tools import FakeSMTP


class AskingGateway:
    """An SMS gateway that can say which keys it accepted."""

    accepted: set[str] = set()
    sent: list[str] = []

    def send(self, phone, text, *, key=""):
        AskingGateway.sent.append(key)
        AskingGateway.accepted.add(key)
        return f"gw-{key}"

    def status(self, key):
        return f"gw-{key}" if key in AskingGateway.accepted else None


@pytest.fixture
def gateway(settings):
    settings.SMS_BACKEND = "tests.portal.test_delivery_once.AskingGateway"
    AskingGateway.accepted, AskingGateway.sent = set(), []
    return AskingGateway


def _left_by_a_stopped_worker(channel, *, handed: bool, **fields) -> Notification:
    """A row as a worker killed during its send leaves it: claimed long ago, perhaps handed to its provider."""
    claimed = timezone.now() - timedelta(hours=1)
    return Notification.objects.create(
        channel=channel,
        kind="t",
        subject="您的议题已采纳",
        dedup_key=f"stale-{channel}-{handed}",
        status=Notification.Status.SENDING,
        attempts=1,
        claimed_at=claimed,
        handed_at=claimed if handed else None,
        **fields,
    )


def test_an_sms_the_gateway_had_when_its_worker_died_is_not_sent_again(db, gateway):
    row = _left_by_a_stopped_worker(Notification.Channel.SMS, handed=True, address="13800001234")
    gateway.accepted.add(delivery.idempotency_key(row))  # the gateway took it; the worker died before the mark

    assert notifications.sweep() == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert row.provider_id == f"gw-{delivery.idempotency_key(row)}"
    assert gateway.sent == []  # asked, not sent again


def test_an_sms_the_gateway_never_had_is_sent_again_with_the_same_key(db, gateway):
    row = _left_by_a_stopped_worker(Notification.Channel.SMS, handed=True, address="13800001234")

    assert notifications.sweep() == 1
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert gateway.sent == [delivery.idempotency_key(row)]


def test_an_sms_through_a_gateway_that_cannot_be_asked_is_sent_again_with_the_same_key(db, settings):
    row = _left_by_a_stopped_worker(Notification.Channel.SMS, handed=True, address="13800001234")
    notifications.sweep()
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert LocmemBackend.keys == [delivery.idempotency_key(row)]  # at least once, and the gateway can drop it


def test_an_email_that_never_reached_the_server_is_sent_once_with_its_message_id(office):
    row = _left_by_a_stopped_worker(Notification.Channel.EMAIL, handed=False, recipient=office)
    notifications.sweep()
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT
    assert [m.extra_headers["Message-ID"] for m in mail.outbox] == [message_id(row)]
    assert row.provider_id == message_id(row)


def test_an_in_app_notice_left_sending_is_delivered_by_marking_it(office):
    row = _left_by_a_stopped_worker(Notification.Channel.INAPP, handed=False, recipient=office)
    notifications.sweep()
    row.refresh_from_db()
    assert row.status == Notification.Status.SENT and row.attempts == 2


def test_a_live_send_renews_its_claim_so_the_sweeper_leaves_it_alone(transactional_db, office, settings):
    settings.NOTIFICATION_HEARTBEAT_SECONDS = 0.05
    row = Notification.objects.create(
        channel="inapp",
        kind="t",
        subject="s",
        dedup_key="beat",
        recipient=office,
        status="sending",
        attempts=1,
        claimed_at=timezone.now() - timedelta(hours=1),
    )
    with delivery.heartbeat(row):
        time.sleep(0.4)
    row.refresh_from_db()
    assert timezone.now() - row.claimed_at < timedelta(seconds=5)
    assert not notifications.due_for_delivery().exists()


def test_the_same_notification_keeps_its_keys_on_every_attempt(office):
    row = Notification.objects.create(channel="email", kind="t", subject="s", dedup_key="keys", recipient=office)
    again = Notification.objects.get(pk=row.pk)
    assert message_id(row) == message_id(again) and message_id(row).startswith(f"<notification-{row.pk}.")
    assert delivery.idempotency_key(row) == delivery.idempotency_key(again)
    other = Notification.objects.create(channel="email", kind="t", subject="s", dedup_key="keys2", recipient=office)
    assert message_id(other) != message_id(row)


@pytest.fixture
def smtp(settings):
    servers = []

    def start(hold=None):
        server = FakeSMTP(hold)
        servers.append(server)
        settings.EMAIL_BACKEND = "consult_portal.mail.EmailBackend"
        settings.EMAIL_HOST, settings.EMAIL_PORT, settings.EMAIL_TIMEOUT = "127.0.0.1", server.port, 2
        return server

    yield start
    for server in servers:
        server.stop()


def test_smtp_records_the_hand_over_before_the_end_of_the_data(office, smtp, monkeypatch):
    server = smtp()
    seen = []
    original = notifications._handed

    def handed(notification):
        seen.append(len(server.messages))  # the server has no message yet when the hand-over is recorded
        original(notification)

    monkeypatch.setattr(notifications, "_handed", handed)
    row = notifications.notify(channel="email", kind="t", subject="会议提醒", dedup_key="m1", recipient=office)
    assert notifications.deliver(row.pk) is True
    row.refresh_from_db()
    assert seen == [0]
    assert row.handed_at is not None and row.provider_id == "2.0.0 Ok: queued as Q1"
    assert server.message_ids() == [message_id(row)]


def test_a_hand_over_that_cannot_be_recorded_sends_nothing(office, smtp, monkeypatch):
    server = smtp()

    def fail(notification):
        raise RuntimeError("database gone")

    monkeypatch.setattr(notifications, "_handed", fail)
    row = notifications.notify(channel="email", kind="t", subject="会议提醒", dedup_key="m2", recipient=office)
    assert notifications.deliver(row.pk) is False
    time.sleep(0.2)
    assert server.messages == []  # the data never ended: the server dropped it
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED and row.handed_at is None


def test_a_frozen_mail_server_fails_the_send_after_email_timeout(office, smtp):
    server = smtp(hold="frozen")
    row = notifications.notify(channel="email", kind="t", subject="会议提醒", dedup_key="m3", recipient=office)
    started = time.monotonic()
    assert notifications.deliver(row.pk) is False
    assert time.monotonic() - started < 5
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED and "timed out" in row.last_error
    server.release()


def test_email_url_sets_the_timeout_and_tls(monkeypatch):
    import subprocess
    import sys

    code = (
        "import django; from django.conf import settings as s; print(s.EMAIL_TIMEOUT, s.EMAIL_USE_TLS, s.EMAIL_BACKEND)"
    )
    env = {
        "DJANGO_SETTINGS_MODULE": "consult_portal.settings",
        "SECRET_KEY": "x" * 50,
        "EMAIL_URL": "smtp://u:p@mail.example.gov.cn:587?timeout=4&tls=True",
        "PATH": "/usr/bin:/bin",
    }
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True).stdout
    assert out.split() == ["4.0", "True", "consult_portal.mail.EmailBackend"]


class _FrozenTask:
    """A task whose publishing never returns, like a frozen Redis."""

    class app:
        class conf:
            task_always_eager = False
            broker_url = "redis://127.0.0.1:6999/0"

    calls = 0

    def apply_async(self, *args, **kwargs):
        _FrozenTask.calls += 1
        time.sleep(3)


def test_publishing_waits_a_bounded_time_then_not_at_all(settings):
    settings.NOTIFICATION_PUBLISH_TIMEOUT = 0.2
    breaker.reset()
    task = _FrozenTask()
    started = time.monotonic()
    assert delivery.publish(task, (1,), queue="q", what="n1") is False
    assert time.monotonic() - started < 0.5
    started = time.monotonic()
    assert delivery.publish(task, (2,), queue="q", what="n2") is False  # the breaker is open: not tried
    assert time.monotonic() - started < 0.05 and _FrozenTask.calls == 1
    breaker.reset()


@pytest.fixture
def http_gateway(settings):
    """A JSON SMS gateway on a free port: it keeps messages by key, answers status by key, and can be slow."""
    import json
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    state = {"messages": {}, "delay": 0.0, "headers": []}

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self, code, body):
            time.sleep(state["delay"])
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self):
            sent = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            state["headers"].append(self.headers["Idempotency-Key"])
            state["messages"].setdefault(sent["key"], f"m{len(state['messages']) + 1}")
            self._answer(200, {"id": state["messages"][sent["key"]]})

        def do_GET(self):
            key = self.path.rsplit("/", 1)[-1]
            if key in state["messages"]:
                self._answer(200, {"id": state["messages"][key]})
            else:
                self._answer(404, {})

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    settings.SMS_BACKEND = "consult_portal.sms.HttpGatewayBackend"
    settings.SMS_GATEWAY_URL = f"http://127.0.0.1:{server.server_address[1]}/sms"
    settings.SMS_TIMEOUT = 1
    yield state
    server.shutdown()
    server.server_close()


def test_the_http_gateway_gets_the_key_and_is_asked_by_it(db, http_gateway):
    row = notifications.notify(channel="sms", kind="t", subject="您的议题已受理", address="13800001234", dedup_key="h1")
    assert notifications.deliver(row.pk) is True
    row.refresh_from_db()
    key = delivery.idempotency_key(row)
    assert http_gateway["headers"] == [key] and row.provider_id == "m1"

    from consult_portal.sms import HttpGatewayBackend

    assert HttpGatewayBackend().status(key) == "m1"
    assert HttpGatewayBackend().status("consult-0-unknown") is None


def test_a_slow_http_gateway_fails_the_send_after_sms_timeout(db, http_gateway):
    http_gateway["delay"] = 3
    row = notifications.notify(channel="sms", kind="t", subject="您的议题已受理", address="13800001234", dedup_key="h2")
    started = time.monotonic()
    assert notifications.deliver(row.pk) is False
    assert time.monotonic() - started < 2.5
    row.refresh_from_db()
    assert row.status == Notification.Status.FAILED and "timed out" in row.last_error
    # The gateway did take it: the retry asks first, and does not send it again.
    http_gateway["delay"] = 0
    Notification.objects.filter(pk=row.pk).update(next_attempt_at=timezone.now())
    assert notifications.deliver(row.pk) is True
    assert len(http_gateway["headers"]) == 1


def test_a_cache_on_a_redis_that_never_answers_waits_once_then_fails_at_once(settings, monkeypatch):
    import socket

    from consult_portal import ratelimit
    from consult_portal.redis_cache import BreakerRedisCache, CacheUnavailable

    breaker.reset()
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(16)  # the kernel completes connections; nothing ever answers
        url = f"redis://127.0.0.1:{hung.getsockname()[1]}/0"
        cache = BreakerRedisCache(url, {"OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}})
        started = time.monotonic()
        with pytest.raises(Exception, match="Timeout|timed out"):
            cache.get("k")
        assert time.monotonic() - started < 1.0
        started = time.monotonic()
        with pytest.raises(CacheUnavailable):
            cache.incr("k")
        # The rate limit fails open, at once: a resident's submission is let through (and it is logged).
        monkeypatch.setattr(ratelimit, "cache", cache)
        assert ratelimit.reserve("topic", "10.0.0.1", limit=5, period_seconds=3600) is True
        assert time.monotonic() - started < 0.1
    breaker.reset()
