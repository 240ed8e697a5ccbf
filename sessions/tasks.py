from celery import shared_task

from . import reminders


@shared_task(ignore_result=True)
def send_meeting_reminders() -> int:
    return reminders.scan()
