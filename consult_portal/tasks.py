from celery import shared_task

from . import notifications


@shared_task(ignore_result=True)
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
