from celery import shared_task
from django.conf import settings

from . import notifications


# A send that hangs past its time is stopped (soft: an exception, recorded and retried; hard: the pool process is
# replaced, and the row settled like any stopped worker's): the worker takes the next message.
@shared_task(
    ignore_result=True,
    soft_time_limit=settings.NOTIFICATION_TIME_LIMIT * 2 // 3,
    time_limit=settings.NOTIFICATION_TIME_LIMIT,
)
def deliver_notification(notification_id: int) -> bool:
    return notifications.deliver(notification_id)


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    return notifications.sweep()


@shared_task(ignore_result=True)
def prune_audit_log() -> int:
    """Daily: audit entries older than AUDIT_RETENTION_DAYS, never younger than 180 days (prune_audit)."""
    from . import audit

    return audit.prune(days=audit.retention_days())
