"""The parts of delivering an outbox row that outlive a crash (`consult_portal.notifications.deliver` uses them).

- `record`: a write about a row being sent, committed on its own and fenced by the attempt (a worker that lost its
  claim writes nothing); a database connection killed under it is replaced and the write tried again, so a
  message the provider accepted is marked sent even when the connection died during the send.
- `heartbeat`: while a send runs, its claim is renewed every NOTIFICATION_HEARTBEAT_SECONDS, so only the claim of
  a worker that stopped goes stale (NOTIFICATION_STALE_CLAIM_MINUTES).
- `settle`: for a row a stopped worker had handed to its provider, what the provider says happened.
- `publish`: hand a task to the broker without waiting more than NOTIFICATION_PUBLISH_TIMEOUT seconds.
- `queue_for`: email has its own queue, so a slow mail server holds up no SMS, notice or sweep.
"""

import logging
import threading
import time
from contextlib import contextmanager

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.utils import timezone
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import RedisError

from . import breaker, sms
from .models import Notification

logger = logging.getLogger(__name__)
RECORD_PAUSES = (0.0, 0.5, 2.0)


def idempotency_key(notification: Notification) -> str:
    """The key a provider deduplicates by: the row's, the same on every attempt."""
    return f"consult-{notification.pk}-{notification.created_at:%Y%m%d%H%M%S}"


def _mine(notification: Notification):
    return Notification.objects.filter(
        pk=notification.pk, status=Notification.Status.SENDING, attempts=notification.attempts
    )


def record(notification: Notification, **fields) -> bool:
    """Write `fields` on the row if this attempt still holds it; False when another attempt took it over."""
    for pause in RECORD_PAUSES:
        time.sleep(pause)
        try:
            written = bool(_mine(notification).update(**fields))
        except (OperationalError, InterfaceError) as exc:
            if connection.in_atomic_block or pause == RECORD_PAUSES[-1]:
                raise
            logger.warning("Notification %s: the database connection failed (%s), trying again", notification.pk, exc)
            connection.close()
            continue
        if not written:
            logger.warning("Notification %s: attempt %s lost its claim", notification.pk, notification.attempts)
        return written
    return False  # not reached


@contextmanager
def heartbeat(notification: Notification):
    stop = threading.Event()

    def beat():
        try:
            while not stop.wait(settings.NOTIFICATION_HEARTBEAT_SECONDS):
                try:
                    _mine(notification).update(claimed_at=timezone.now())
                except DatabaseError as exc:
                    logger.warning("Notification %s: heartbeat failed: %s", notification.pk, exc)
                    connection.close()
        finally:
            connection.close()  # this thread's own connection

    thread = threading.Thread(target=beat, name=f"heartbeat-{notification.pk}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(timeout=10)


def settle(notification: Notification) -> str | None:
    """The provider's reference when it is known to have the message of a row handed to it by a worker that
    stopped; None when it is known not to, or cannot say (then the message is sent again, with the same key)."""
    if notification.channel == Notification.Channel.SMS:
        backend = sms.get_backend()
        if hasattr(backend, "status"):
            found = backend.status(idempotency_key(notification))
            answer = "has" if found is not None else "never had"
            logger.info("Notification %s: the SMS gateway %s it", notification.pk, answer)
            return found if found is None else (found or "accepted")
    # Email: an SMTP server cannot be asked; the copy sent again carries the same Message-ID.
    logger.warning(
        "Notification %s was handed to the %s provider at %s by a worker that stopped; sending it again",
        notification.pk,
        notification.channel,
        notification.handed_at,
    )
    return None


def queue_for(channel: str | None, app) -> str:
    default = app.conf.task_default_queue
    if channel == Notification.Channel.EMAIL:
        return settings.CELERY_EMAIL_QUEUE or f"{default}-email"
    return default


def publish(task, args: tuple, *, queue: str, what: str) -> bool:
    """Send a task to the broker; False when the broker cannot take it within NOTIFICATION_PUBLISH_TIMEOUT.

    Publishing is not retried and runs in a thread that the caller (a request, after its commit) waits for a
    bounded time only; a broker that did not answer is not asked again for REDIS_BREAKER_SECONDS. Tasks run in
    this process (no REDIS_URL) are called directly."""
    app = task.app
    if app.conf.task_always_eager:
        task.apply_async(args, queue=queue, retry=False)
        return True
    server = breaker.server(app.conf.broker_url or "")
    if breaker.is_open(server):
        logger.warning("Broker unavailable: %s waits in the outbox (it did not answer a moment ago)", what)
        return False
    outcome: dict = {}

    def run():
        try:
            task.apply_async(args, queue=queue, retry=False)
            outcome["ok"] = True
        except (BrokerError, RedisError, OSError) as exc:
            outcome["error"] = exc
        except Exception as exc:  # noqa: BLE001 - raised again below, in the caller's thread
            outcome["bug"] = exc

    thread = threading.Thread(target=run, name="publish", daemon=True)
    thread.start()
    thread.join(settings.NOTIFICATION_PUBLISH_TIMEOUT)
    if outcome.get("ok"):
        return True
    if "bug" in outcome:
        raise outcome["bug"]
    reason = outcome.get("error") or f"no answer within {settings.NOTIFICATION_PUBLISH_TIMEOUT} s"
    breaker.trip(server, reason)
    logger.warning("Broker unavailable: %s waits in the outbox (%s)", what, reason)
    return False
