import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult_portal.settings")

app = Celery("consult_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
# The pages and jobs above the apps (consult_portal.overview) are no installed app of their own.
app.autodiscover_tasks(["consult_portal.overview"])

# Periodic work lives in code, next to the tasks it runs.
app.conf.beat_schedule = {
    "sweep-notification-outbox": {
        "task": "consult_portal.tasks.sweep_outbox",
        "schedule": 60.0,
    },
    "send-meeting-reminders": {
        "task": "sessions.tasks.send_meeting_reminders",
        "schedule": 15 * 60.0,
    },
    # Every morning, the staff who chose it get one message listing the day before's new residents' topics: beat
    # looks every 15 minutes and the digest goes at the first look from TOPIC_DIGEST_HOUR on, with the days a
    # stopped beat missed (topics/digest.py).
    "send-topic-digest": {
        "task": "topics.tasks.catch_up_topic_digest",
        "schedule": crontab(minute="*/15"),
    },
    # Retention, at night: residents' personal data past its months, audit entries past their days.
    "purge-personal-data": {
        "task": "consult_portal.overview.tasks.purge_personal_data",
        "schedule": crontab(hour=2, minute=30),
    },
    "prune-audit-log": {
        "task": "consult_portal.tasks.prune_audit_log",
        "schedule": crontab(hour=2, minute=45),
    },
}


# The daily deadline scan: beat looks every 15 minutes and the scan runs once a day, at the first look from
# OUTCOME_REMINDER_HOUR on, catching up with every day it missed (outcomes/reminders.py): a beat down at that hour,
# or one that lost its schedule file, scans when it is back instead of the next morning.
app.conf.beat_schedule["send-outcome-reminders"] = {
    "task": "outcomes.tasks.catch_up_outcome_reminders",
    "schedule": crontab(minute="*/15"),
}
