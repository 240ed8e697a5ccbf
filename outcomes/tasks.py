from datetime import date

from celery import shared_task

from . import reminders


@shared_task(ignore_result=True)
def send_outcome_reminders(today: str | None = None) -> dict[str, int]:
    """The daily deadline scan; `today` (ISO date) lets an operator or a test run it for another day."""
    return reminders.scan(date.fromisoformat(today) if today else None)


@shared_task(ignore_result=True)
def catch_up_outcome_reminders() -> dict[str, int] | None:
    """Beat's look every 15 minutes: the day's scan once, from OUTCOME_REMINDER_HOUR on (reminders.scan_if_due)."""
    return reminders.scan_if_due()
