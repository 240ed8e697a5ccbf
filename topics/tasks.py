from datetime import date

from celery import shared_task

from . import digest, notices


@shared_task(ignore_result=True)
def send_topic_digest(day: str | None = None) -> int:
    """The digest of the residents' topics that came in on `day` (ISO date; yesterday by default)."""
    return notices.send_topic_digest(date.fromisoformat(day) if day else None)


@shared_task(ignore_result=True)
def catch_up_topic_digest() -> int | None:
    """Beat's look every 15 minutes: the morning digests due and not yet sent (topics/digest.py)."""
    return digest.send_due()
