from celery import shared_task

from . import notifications


@shared_task(ignore_result=True)
def deliver_notification(notification_id: int) -> bool:
    return notifications.deliver(notification_id)


@shared_task(ignore_result=True)
def sweep_outbox() -> int:
    return notifications.sweep()
