from datetime import date

from celery import shared_task

from . import notices


@shared_task(ignore_result=True)
def send_topic_digest(day: str | None = None) -> int:
    """Daily: the digest of the residents' topics that came in on `day` (ISO date; yesterday by default)."""
    return notices.send_topic_digest(date.fromisoformat(day) if day else None)
