"""The daily deadline scan after the portal was down: beat looks every 15 minutes and scans once a day from the
configured hour, and a scan after a gap sends each item the reminder it missed and escalates it on the first day back.
"""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.core import mail
from django.utils import timezone, translation
from django.utils.translation import gettext, ngettext

from consult_portal.models import DailyRun, Notification
from outcomes import reminders
from outcomes.models import OutcomeItem
from outcomes.services import outcome_hand_over
from outcomes.tasks import catch_up_outcome_reminders
from tests.factories import TopicFactory

MONDAY = date(2026, 12, 7)
UNIT = "县住房城乡建设局"


def _words(msgid: str, plural: str | None = None, days: int = 0) -> str:
    """A reminder's subject as the portal words it (Chinese once the catalogue has it)."""
    with translation.override("zh-hans"):
        text = ngettext(msgid, plural, days) if plural else gettext(msgid)
        return text % {"days": days, "unit": UNIT}


DUE = ("Due in %(days)d day: an item handed to %(unit)s", "Due in %(days)d days: an item handed to %(unit)s")
LATE = ("Overdue by %(days)d day: an item handed to %(unit)s", "Overdue by %(days)d days: an item handed to %(unit)s")


def _at(day: date, hour: int, minute: int = 0):
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


@pytest.fixture
def items(town_a, unit, office, unit_user, liaison_a, member_user, django_capture_on_commit_callbacks):
    """A week before MONDAY the office hands over three items, due on Wednesday, Friday and the Monday after."""
    topic = TopicFactory(town=town_a, title="村口路灯改造")
    made = {}
    handed = _at(MONDAY - timedelta(days=7), 7)
    with time_machine.travel(handed, tick=False), django_capture_on_commit_callbacks(execute=True):
        for name, days in (("wednesday", 2), ("friday", 4), ("next_monday", 7)):
            made[name] = outcome_hand_over(
                text=f"修复路灯({name})",
                unit=unit,
                contact_name="王科长",
                deadline=MONDAY + timedelta(days=days),
                by=office,
                topic=topic,
            )
    Notification.objects.all().delete()
    mail.outbox.clear()
    return made


def _look(day: date, hour: int, capture, minute: int = 0):
    """Beat's look at `hour`:`minute` local time on `day`."""
    with time_machine.travel(_at(day, hour, minute), tick=False), capture(execute=True):
        return catch_up_outcome_reminders.delay().get()


def _reminders(item) -> list[tuple[str, str]]:
    rows = Notification.objects.filter(kind=reminders.KIND_DUE, object_id=item.pk, channel="inapp")
    return sorted((row.dedup_key.split(":")[3], row.subject) for row in rows)


def test_beat_scans_once_a_day_from_the_reminder_hour(items, django_capture_on_commit_callbacks, settings):
    capture = django_capture_on_commit_callbacks
    assert _look(MONDAY, 7, capture, 45) is None  # before the hour: nothing yet
    first = _look(MONDAY, 8, capture)
    assert first == {"due": 6, "overdue": 0}  # to the unit's user, in-app and by email: 3 days, 7 and 7
    assert _look(MONDAY, 8, capture, 15) is None  # the day's scan ran
    assert _look(MONDAY, 23, capture, 45) is None
    assert list(DailyRun.objects.values_list("job", "day")) == [("outcome_scan", MONDAY)]


def test_a_beat_back_after_the_hour_scans_at_once_not_the_next_morning(items, django_capture_on_commit_callbacks):
    capture = django_capture_on_commit_callbacks
    _look(MONDAY, 8, capture)
    # Tuesday: beat was down (or lost its schedule file) at 08:00 and is back at 10:30.
    counts = _look(MONDAY + timedelta(days=1), 10, capture, 30)
    assert counts == {"due": 4, "overdue": 0}  # Wednesday's item: its 1-day reminder; Friday's: its 3-day one
    assert [offset for offset, _ in _reminders(items["wednesday"])] == ["1d", "3d"]


def test_three_days_down_then_one_scan_sends_each_missed_reminder_once_and_escalates_on_the_day_back(
    items, django_capture_on_commit_callbacks, office, liaison_a, unit_user
):
    capture = django_capture_on_commit_callbacks
    _look(MONDAY, 8, capture)
    assert _reminders(items["wednesday"]) == [("3d", _words(*DUE, 2))]

    # Down on Tuesday, Wednesday and Thursday: no scan. Back on Friday at 09:10.
    friday = MONDAY + timedelta(days=4)
    counts = _look(friday, 9, capture, 10)

    # Wednesday's item passed its deadline unscanned: the unit gets the 1-day reminder it missed, worded as it
    # stands, once; and the office and the town are told it is overdue, today, on the first day back.
    assert _reminders(items["wednesday"]) == [
        ("1d", _words(*LATE, 2)),
        ("3d", _words(*DUE, 2)),
    ]
    assert OutcomeItem.objects.get(pk=items["wednesday"].pk).escalated_on == friday
    overdue = Notification.objects.filter(kind=reminders.KIND_OVERDUE, channel="inapp")
    assert sorted(row.recipient.username for row in overdue) == sorted([liaison_a.username, office.username])
    # Friday's item: 7 days on Monday; its 3-day reminder's day (Tuesday) was missed, and due today it gets the
    # most urgent, the 1-day one.
    assert _reminders(items["friday"]) == [
        ("1d", _words("Due today: an item handed to %(unit)s")),
        ("7d", _words(*DUE, 4)),
    ]
    # The next Monday's: 7 days on Monday, and today, 3 days left, its 3-day reminder.
    assert [offset for offset, _ in _reminders(items["next_monday"])] == ["3d", "7d"]
    assert counts == {"due": 6, "overdue": 4}  # in-app and email each

    # The same day again, by beat or by hand: nothing more.
    assert _look(friday, 9, capture, 25) is None
    with capture(execute=True):
        assert reminders.scan(friday) == {"due": 0, "overdue": 0}
    # Saturday, an ordinary day: Friday's item is escalated on time; nothing again for Wednesday's.
    saturday = friday + timedelta(days=1)
    assert _look(saturday, 8, capture) == {"due": 0, "overdue": 4}
    assert OutcomeItem.objects.get(pk=items["friday"].pk).escalated_on == saturday
    assert len(_reminders(items["wednesday"])) == 2 and len(_reminders(items["friday"])) == 2
    emails = [m.subject for m in mail.outbox if m.to == [unit_user.email]]
    assert emails.count(_words(*LATE, 2)) == 1


def test_the_first_scan_of_a_new_installation_reminds_no_item_overdue_long_ago(
    items, django_capture_on_commit_callbacks
):
    # No scan was ever recorded: items long overdue get their escalation, not a late reminder.
    OutcomeItem.objects.filter(pk=items["wednesday"].pk).update(deadline=MONDAY - timedelta(days=20))
    with django_capture_on_commit_callbacks(execute=True):
        counts = reminders.scan(MONDAY)
    assert _reminders(items["wednesday"]) == []
    assert counts["overdue"] > 0
