"""The notification outbox.

`notify` writes a row in the caller's transaction and enqueues delivery after commit.
`deliver` claims the row with a conditional UPDATE before sending, so a task run twice,
or by two workers, delivers once. A failure leaves the row failed with a time for the next
attempt; `sweep` re-enqueues those and any claim left behind by a crashed worker.

Exactly once across a crash. The claim is renewed while the send runs (a heartbeat), so only a stopped worker's
claim goes stale. Just before the provider can take the message (SMTP: before the line that ends its data) the row
records `handed_at` in a transaction of its own; once the provider accepted it, `sent` with the provider's
reference. A stale row without `handed_at` provably reached no provider and is sent again; one with it is first
settled by asking the provider (an SMS gateway with `status`), and sent again, with the same idempotency key or
Message-ID, only when the provider says it never had it or cannot say (README, "What each channel promises").
In-app rows have no provider: marking them sent is the delivery.
"""

import logging
from collections.abc import Iterable
from datetime import datetime, time, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import get_connection
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from . import delivery, links, mail, sms
from .models import Notification, NotificationPreference
from .privacy import mask_phone

logger = logging.getLogger(__name__)


def notify(
    *,
    channel: str,
    kind: str,
    subject: str,
    dedup_key: str,
    body: str = "",
    recipient=None,
    address: str = "",
    link: str = "",
    obj=None,
) -> Notification:
    """Queue one message; a second call with the same dedup_key returns the first row and sends nothing.

    The row's `queued` says which: True when this call queued it, False when it was there already."""
    try:
        with transaction.atomic():
            notification = Notification.objects.create(
                dedup_key=dedup_key,
                recipient=recipient,
                address=address,
                channel=channel,
                kind=kind,
                subject=subject[:200],
                body=body,
                link=link,
                content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
                object_id=obj.pk if obj is not None else None,
            )
    except IntegrityError:
        existing = Notification.objects.get(dedup_key=dedup_key)
        existing.queued = False
        return existing
    notification.queued = True
    transaction.on_commit(lambda: enqueue(notification.pk, channel), robust=True)
    return notification


def tell_users(
    users: Iterable,
    *,
    kind: str,
    key: str,
    subject,
    link: str,
    body="",
    obj=None,
    email: bool = True,
) -> int:
    """Tell each user: an in-app notice always, an email where they have an address, and an SMS where they chose
    SMS (both as their preferences say, and only for messages worth an email: `email=False` keeps a message in-app).

    `subject` and `body` may be callables, worded then in the portal's language whatever the staff use; `link` is a
    site path (the inbox opens it; mail and SMS make it absolute). `key` names the event: the user and the channel
    are added to it, so the same event told twice queues nothing more. Returns how many messages this call queued.
    """
    with translation.override(settings.LANGUAGE_CODE):
        subject = str(subject() if callable(subject) else subject)
        body = str(body() if callable(body) else body)
    users = list(users)
    chosen = preferences(users)
    count = 0
    for user in users:
        for channel, address in channels_for(user, chosen.get(user.pk), email=email):
            count += notify(
                channel=channel,
                kind=kind,
                subject=subject,
                body=body,
                recipient=user,
                address=address,
                dedup_key=f"{key}:{user.pk}:{channel}",
                link=link,
                obj=obj,
            ).queued
    return count


def preferences(users: Iterable) -> dict[int, NotificationPreference]:
    """The users' chosen channels by user id; a user who never chose has no entry (the defaults)."""
    ids = [user.pk for user in users]
    return {p.user_id: p for p in NotificationPreference.objects.filter(user_id__in=ids)} if ids else {}


def channels_for(user, preference: NotificationPreference | None, *, email: bool = True) -> list[tuple[str, str]]:
    """(channel, address) of each way `user` hears of a message: in-app always; an email to their address unless
    they turned email off; an SMS to the number they gave if they turned SMS on. `email=False`, for a message not
    worth more than the inbox, leaves both out. `preference` None: the defaults (in-app and email)."""
    found = [(Notification.Channel.INAPP, "")]
    if not email:
        return found
    if user.email and (preference is None or preference.email):
        found.append((Notification.Channel.EMAIL, ""))
    if preference is not None and preference.sms and preference.phone:
        found.append((Notification.Channel.SMS, preference.phone))
    return found


def enqueue(notification_id: int, channel: str | None = None) -> bool:
    """Hand one row to a worker, email to the email queue; False when the broker cannot take it, and the row waits
    for `sweep`.

    Publishing is not retried, waits at most NOTIFICATION_PUBLISH_TIMEOUT and a broker error does not propagate:
    the request that committed the row must not wait on, or fail with, a broker that is down or frozen. The row is
    safe in the outbox either way. `channel` None: read from the row.
    """
    from .tasks import deliver_notification

    if channel is None:
        channel = Notification.objects.filter(pk=notification_id).values_list("channel", flat=True).first()
    queue = delivery.queue_for(channel, deliver_notification.app)
    what = f"notification {notification_id}"
    return delivery.publish(deliver_notification, (notification_id,), queue=queue, what=what)


def backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(30 * 2 ** max(attempts - 1, 0), 3600))


def _claim(notification_id: int) -> bool:
    now = timezone.now()
    stale = now - timedelta(minutes=settings.NOTIFICATION_STALE_CLAIM_MINUTES)
    claimable = Q(status=Notification.Status.PENDING) | Q(status=Notification.Status.FAILED, next_attempt_at__lte=now)
    claimable |= Q(status=Notification.Status.SENDING, claimed_at__lt=stale)
    return bool(
        Notification.objects.filter(
            claimable, pk=notification_id, attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS
        ).update(status=Notification.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    )


def absolute(link: str) -> str:
    """Links in mail and SMS leave the portal: make them absolute with the public base URL."""
    return links.absolute(link)


def _handed(notification: Notification) -> None:
    """The provider may have the message from now on: say so durably before it can."""
    notification.handed_at = timezone.now()
    if not delivery.record(notification, handed_at=notification.handed_at):
        raise RuntimeError("Another attempt took this notification over.")


def _send(notification: Notification) -> str:
    """Send through the row's channel; return the provider's reference."""
    if notification.channel == Notification.Channel.INAPP:
        return ""  # the inbox shows sent rows: marking it sent is the delivery
    link = absolute(notification.link) if notification.link else ""
    if notification.channel == Notification.Channel.EMAIL:
        to = notification.address or (notification.recipient.email if notification.recipient else "")
        if not to:
            raise ValueError("No email address for this recipient.")
        text = "\n\n".join(part for part in (notification.body, link) if part)
        connection = get_connection(fail_silently=False)
        hooked = isinstance(connection, mail.EmailBackend)  # it says when the data ends; others are handed now
        message = mail.build(notification, to, text, on_end_of_data=(lambda: _handed(notification)) if hooked else None)
        if not hooked:
            _handed(notification)
        connection.send_messages([message])
        return getattr(message, "provider_reply", "") or message.extra_headers["Message-ID"]
    if notification.channel == Notification.Channel.SMS:
        text = " ".join(part for part in (notification.subject, notification.body, link) if part)
        backend = sms.get_backend()
        _handed(notification)
        return backend.send(notification.address, text, key=delivery.idempotency_key(notification)) or ""
    raise ValueError(f"Unknown channel {notification.channel!r}.")


def sms_over_daily_limit(notification: Notification) -> bool:
    """Whether the number of this SMS had SMS_PER_NUMBER_PER_DAY messages today (the portal's day), counting those
    sent and those another worker is sending: a form anyone can fill in must not text one number without end."""
    if notification.channel != Notification.Channel.SMS:
        return False
    today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    stale = timezone.now() - timedelta(minutes=settings.NOTIFICATION_STALE_CLAIM_MINUTES)
    others = Notification.objects.filter(channel=Notification.Channel.SMS, address=notification.address).exclude(
        pk=notification.pk
    )
    taken = others.filter(
        Q(status=Notification.Status.SENT, sent_at__gte=today)
        | Q(status=Notification.Status.SENDING, claimed_at__gte=max(today, stale))
    ).count()
    return taken >= settings.SMS_PER_NUMBER_PER_DAY


def deliver(notification_id: int) -> bool:
    """Deliver one notification if it can be claimed; return whether this call delivered it.

    An SMS to a number that had its messages for the day is not sent: the row is cancelled with the reason."""
    if not _claim(notification_id):
        return False
    notification = Notification.objects.select_related("recipient").get(pk=notification_id)
    if sms_over_daily_limit(notification):
        logger.warning("SMS %s to %s not sent: daily limit reached", notification_id, mask_phone(notification.address))
        Notification.objects.filter(pk=notification_id).update(
            status=Notification.Status.CANCELLED,
            next_attempt_at=None,
            last_error=f"Not sent: {settings.SMS_PER_NUMBER_PER_DAY} SMS to this number today already "
            "(SMS_PER_NUMBER_PER_DAY).",
        )
        return False
    try:
        # A worker stopped while the provider had it: ask the provider first (`delivery.settle`).
        reference = delivery.settle(notification) if notification.handed_at else None
        if reference is None:
            with delivery.heartbeat(notification):
                reference = _send(notification)
    except Exception as exc:  # noqa: BLE001 - any failure of a channel is recorded and retried
        logger.warning("Delivery of notification %s failed: %s", notification_id, exc)
        more = notification.attempts < settings.NOTIFICATION_MAX_ATTEMPTS
        delivery.record(
            notification,
            status=Notification.Status.FAILED,
            last_error=f"{type(exc).__name__}: {exc}"[:2000],
            next_attempt_at=timezone.now() + backoff(notification.attempts) if more else None,
        )
        return False
    return delivery.record(
        notification,
        status=Notification.Status.SENT,
        sent_at=timezone.now(),
        next_attempt_at=None,
        last_error="",
        provider_id=reference[:200],
    )


def cancel_pending(*, dedup_prefix: str) -> int:
    """Cancel the messages under a dedup_key prefix that have not gone out: waiting, or failed with a retry to come.

    The UPDATE is conditional like `_claim`'s, so each row is either claimed and sent or cancelled, never both.
    """
    if not dedup_prefix:
        raise ValueError("cancel_pending needs a prefix.")
    unsent = Q(status=Notification.Status.PENDING) | Q(status=Notification.Status.FAILED, next_attempt_at__isnull=False)
    return Notification.objects.filter(unsent, dedup_key__startswith=dedup_prefix).update(
        status=Notification.Status.CANCELLED, next_attempt_at=None
    )


def due_for_delivery():
    """Rows the sweeper should hand to a worker again."""
    now = timezone.now()
    stale = now - timedelta(minutes=settings.NOTIFICATION_STALE_CLAIM_MINUTES)
    return Notification.objects.filter(
        Q(status=Notification.Status.PENDING, created_at__lt=now - timedelta(minutes=1))
        | Q(status=Notification.Status.FAILED, next_attempt_at__lte=now)
        | Q(status=Notification.Status.SENDING, claimed_at__lt=stale),
        attempts__lt=settings.NOTIFICATION_MAX_ATTEMPTS,
    )


def sweep() -> int:
    rows = list(due_for_delivery().values_list("pk", "channel")[:1000])
    handed = 0
    for notification_id, channel in rows:
        if not enqueue(notification_id, channel):
            break  # the broker is down: the rest waits for the next sweep
        handed += 1
    return handed
