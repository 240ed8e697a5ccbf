from datetime import date

from celery import shared_task

from . import reminders


@shared_task(ignore_result=True)
def send_outcome_reminders(today: str | None = None) -> dict[str, int]:
    """The daily deadline scan; `today` (ISO date) lets an operator or a test run it for another day."""
    return reminders.scan(date.fromisoformat(today) if today else None)
