"""The periodic work beside the development server (`make run`): the outbox sweep, the meeting and deadline
reminders, the digests and the nightly retention jobs, on Celery beat's own schedule (consult_portal/celery.py).

With REDIS_URL set it runs a Celery worker with its beat (`celery -A consult_portal worker --beat --pool=solo`),
consuming the default queue and the email queue.
Without, as on a fresh machine with only Python and make, it runs each task in this process when it falls due, every
--interval seconds; every task runs once at the start, so a demo shows its reminders at once (they are all safe to
run again). It ends with the process that started it (`make run`'s shell), or on Ctrl-C or SIGTERM.
"""

import logging
import os
import signal
import sys
import time
from datetime import datetime

from django.conf import settings
from django.core.management.base import BaseCommand

logger = logging.getLogger(__name__)


def due_tasks(app, last_run: dict[str, datetime | None]) -> list[tuple[str, str]]:
    """(entry name, task name) of the beat entries due now; an entry never run is due."""
    from celery.schedules import maybe_schedule

    due = []
    for name, entry in app.conf.beat_schedule.items():
        schedule = maybe_schedule(entry["schedule"], app=app)
        previous = last_run.get(name)
        if previous is None or schedule.is_due(previous).is_due:
            due.append((name, entry["task"]))
    return due


def run_due(app, last_run: dict[str, datetime | None]) -> list[str]:
    """Run the entries due now in this process, each on its own; return their names."""
    ran = []
    for name, task in due_tasks(app, last_run):
        last_run[name] = app.now()
        try:
            app.tasks[task].apply(throw=True)
        except Exception:  # one failing job must not stop the others (logged with its traceback)
            logger.exception("Periodic task %s failed", task)
        ran.append(name)
    return ran


class Command(BaseCommand):
    help = (
        "Run the periodic tasks beside the development server: a Celery worker with beat when REDIS_URL is set, "
        "else each task in this process when it falls due."
    )

    def add_arguments(self, parser):
        parser.add_argument("--interval", type=float, default=60.0, help="Seconds between two looks (60).")
        parser.add_argument("--once", action="store_true", help="Run what is due once and stop.")

    def handle(self, *args, interval=60.0, once=False, **options):
        if settings.REDIS_URL and not once:
            from consult_portal.celery import app
            from consult_portal.delivery import queue_for

            # One process for both queues in development; production runs a worker for each (README "Workers").
            queues = f"{queue_for(None, app)},{queue_for('email', app)}"
            command = [sys.executable, "-m", "celery", "-A", "consult_portal", "worker", "--beat", "--pool=solo"]
            os.execv(sys.executable, [*command, "-Q", queues, "-l", "info"])  # noqa: S606 - our own interpreter
        from consult_portal.celery import app

        app.loader.import_default_modules()
        app.finalize()
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
        parent = os.getppid()
        last_run: dict[str, datetime | None] = {}
        self.stdout.write("Periodic tasks run in this process (no REDIS_URL).")
        while True:
            for name in run_due(app, last_run):
                self.stdout.write(f"Ran {name}.")
            if once or os.getppid() != parent:  # the server's shell is gone: so are we
                return
            try:
                time.sleep(interval)
            except KeyboardInterrupt:
                return
