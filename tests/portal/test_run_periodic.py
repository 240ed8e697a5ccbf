"""`make run` runs the periodic work beside the server (#15): without Redis, `manage.py run_periodic` runs each beat
entry in its own process when it falls due, all of them once at the start, so a demo shows its reminders."""

from datetime import datetime, timedelta
from io import StringIO
from pathlib import Path

import time_machine
from django.core.management import call_command
from django.utils import timezone

from consult_portal.celery import app
from consult_portal.management.commands.run_periodic import due_tasks, run_due
from consult_portal.models import Notification
from sessions.models import Participant
from tests.factories import MeetingFactory, MemberFactory, UserFactory

ROOT = Path(__file__).resolve().parents[2]


def test_it_runs_every_task_once_at_the_start_so_the_due_reminders_go_out(db, settings):
    settings.REDIS_URL = ""
    meeting = MeetingFactory(starts_at=timezone.now() + timedelta(hours=20))
    member = MemberFactory(user=UserFactory(username="invitee"))
    Participant.objects.create(meeting=meeting, kind="member", member=member)
    out = StringIO()
    call_command("run_periodic", "--once", stdout=out)
    for name in ("sweep-notification-outbox", "send-meeting-reminders", "send-outcome-reminders", "send-topic-digest"):
        assert f"Ran {name}." in out.getvalue()
    reminders = Notification.objects.filter(kind="meeting_reminder", recipient=member.user)
    assert sorted(reminders.values_list("channel", flat=True)) == ["email", "inapp"]


def test_then_each_task_runs_when_its_schedule_says(db):
    app.finalize()
    noon = timezone.make_aware(datetime(2026, 3, 10, 12, 0))  # no daily job falls in the next hour
    last_run = {}
    with time_machine.travel(noon, tick=False):
        ran = run_due(app, last_run)
        assert set(ran) == set(app.conf.beat_schedule)
        assert due_tasks(app, last_run) == []
    with time_machine.travel(noon + timedelta(seconds=61), tick=False):
        assert [name for name, _task in due_tasks(app, last_run)] == ["sweep-notification-outbox"]
    with time_machine.travel(noon + timedelta(minutes=16), tick=False):
        assert {name for name, _task in due_tasks(app, last_run)} == {
            "sweep-notification-outbox",
            "send-meeting-reminders",
            "send-outcome-reminders",  # a look every 15 minutes; the scan itself runs once a day
            "send-topic-digest",  # the same: the digest goes once a day, from 7:00
        }
    with time_machine.travel(noon + timedelta(hours=20), tick=False):  # 08:00 the next morning: the daily ones
        assert {"send-topic-digest", "send-outcome-reminders", "purge-personal-data"} <= {
            name for name, _task in due_tasks(app, last_run)
        }


def test_make_run_starts_it_beside_the_server_and_ends_it_with_the_server():
    recipe = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "manage.py run_periodic &" in recipe
    assert "trap 'kill $$periodic" in recipe and "EXIT" in recipe
    assert recipe.rstrip().endswith("manage.py runserver 127.0.0.1:8000")
