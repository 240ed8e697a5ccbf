import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "consult_portal.settings")

app = Celery("consult_portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

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
}
