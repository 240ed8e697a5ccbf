"""Daily jobs that beat starts from its look every 15 minutes (#19): a job runs at the first look from its hour on,
once a day, and records the day (`DailyRun`); the next run covers everything since the last day recorded, so a beat
that was down at that hour catches up when it is back. Used by the deadline scan (outcomes/reminders.py) and the
morning digest of residents' topics (topics/digest.py)."""

from datetime import date

from django.db.models import Max
from django.utils import timezone

from .models import DailyRun


def due(job: str, hour: int, now=None) -> date | None:
    """Today's date if `job` should run now (`hour` or later, and not yet recorded today); None otherwise."""
    now = timezone.localtime(now)
    if now.hour < hour or DailyRun.objects.filter(job=job, day=now.date()).exists():
        return None
    return now.date()


def last_before(job: str, day: date) -> date | None:
    """The last day before `day` on which `job` finished."""
    return DailyRun.objects.filter(job=job, day__lt=day).aggregate(last=Max("day"))["last"]


def record(job: str, day: date) -> None:
    DailyRun.objects.get_or_create(job=job, day=day)
