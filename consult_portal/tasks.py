from celery import shared_task

from . import notifications


@shared_task(ignore_result=True)
def deliver_notification(notification_id: int) -> bool:
    return notifications.deliver(notification_id)


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    return notifications.sweep()


@shared_task(ignore_result=True)
def purge_personal_data() -> dict:
    """Daily: residents' names and phones past SUBMITTER_RETENTION_MONTHS (the purge_submitters command)."""
    from . import retention

    return retention.personal_data_purge()


@shared_task(ignore_result=True)
def prune_audit_log() -> int:
    """Daily: audit entries older than AUDIT_RETENTION_DAYS, never younger than 180 days (prune_audit)."""
    from . import audit

    return audit.prune(days=audit.retention_days())
