"""The morning digest of new residents' topics, caught up after a gap (#19).

Beat looks every 15 minutes; from TOPIC_DIGEST_HOUR (7:00) on, the first look of a day sends the digest of every
day since the last one sent (at most CATCH_UP_DAYS back) and records the day (`DailyRun`, job "topic_digest").
A beat that was down at 7:00, or lost its schedule file, sends when it is back instead of the next morning; each
day's digest has its own dedup key (topics/notices.py), so nothing is sent twice.
"""

from datetime import date, timedelta

from django.conf import settings

from consult_portal import daily_runs

from . import notices

JOB = "topic_digest"
# A digest older than a week helps nobody: the topics are on the staff list by then.
CATCH_UP_DAYS = 7


def send_due(now=None) -> int | None:
    """Beat's look: the digests due now and not yet sent (messages queued), or None when none is due."""
    today = daily_runs.due(JOB, settings.TOPIC_DIGEST_HOUR, now)
    if today is None:
        return None
    last = daily_runs.last_before(JOB, today)
    # The run of day D sent the topics of D - 1: after it, the days from D on are due, up to yesterday.
    first = max(last, today - timedelta(days=CATCH_UP_DAYS)) if last else today - timedelta(days=1)
    queued = sum(notices.send_topic_digest(day) for day in _days(first, today - timedelta(days=1)))
    daily_runs.record(JOB, today)
    return queued


def _days(first: date, last: date):
    day = first
    while day <= last:
        yield day
        day += timedelta(days=1)
