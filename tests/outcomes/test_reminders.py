"""The daily deadline scan of outcome items, in-process: time moves forward by passing `today` to the scan,
the task and the command; deliveries run when the scan's transaction commits."""

import re
from datetime import date, timedelta
from io import StringIO

import pytest
from celery.schedules import crontab
from django.core import mail
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from consult_portal.models import Notification, Role
from consult_portal.sms import LocmemBackend
from outcomes import reminders
from outcomes.models import OutcomeEvent, OutcomeItem
from outcomes.services import outcome_accept, outcome_answer, outcome_change_deadline, outcome_hand_over
from outcomes.tasks import send_outcome_reminders
from tests.factories import MeetingFactory, MemberFactory, PlatformFactory, TopicFactory, UserFactory

PHONE = "13800001234"


@pytest.fixture
def topic(town_a):
    return TopicFactory(town=town_a, title="村口路灯改造")


@pytest.fixture
def hand_over(topic, unit, office, unit_user):
    """Hand an item of town A to the unit today, due in `days` days; the hand-over's own notices are left aside."""

    def make(days=30, **kwargs):
        item = outcome_hand_over(
            text="修复甲一村村口路灯",
            unit=unit,
            contact_name="王科长",
            deadline=timezone.localdate() + timedelta(days=days),
            by=office,
            topic=topic,
            **kwargs,
        )
        mail.outbox.clear()
        return item

    return make


@pytest.fixture
def staff(office, liaison_a, liaison_b, member_user, unit_user):
    """Everyone who may hear of an item: the office, both towns' liaison staff, a member, the unit."""
    return {"office": office, "liaison_a": liaison_a, "liaison_b": liaison_b, "member": member_user, "unit": unit_user}


def _scan(capture, day: date) -> dict[str, int]:
    with capture(execute=True):
        return reminders.scan(day)


def _rows(kind=reminders.KIND_DUE):
    return Notification.objects.filter(kind=kind).order_by("dedup_key")


def _offsets(item):
    """The reminders an item got, by offset ("7d", "3d", "1d"), each counted once per recipient and channel."""
    return sorted(key.split(":")[3] for key in _rows().filter(object_id=item.pk).values_list("dedup_key", flat=True))


def _recipients(kind):
    return sorted((n.recipient.username if n.recipient else n.address, n.channel) for n in _rows(kind))


def _mail_to():
    return sorted(address for message in mail.outbox for address in message.to)


# -- the rule ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("left", "handed_before", "expected"),
    [
        (8, 30, None),  # not yet
        (7, 30, 7),
        (6, 30, 7),  # the 7-day reminder, if the scan missed its day
        (3, 30, 3),
        (2, 30, 3),  # a missed D-3 catches up with the 3-day reminder, never the 7-day one
        (1, 30, 1),
        (0, 30, 1),  # due today: the last reminder if it was missed
        (-1, 30, None),  # overdue: escalation's business
        (5, 5, None),  # handed over after the 7-day reminder's day
        (3, 5, 3),
        (1, 2, 1),
    ],
)
def test_the_reminder_due_is_the_nearest_one_not_before_the_hand_over(left, handed_before, expected):
    deadline = date(2026, 6, 30)
    handed_on = deadline - timedelta(days=handed_before)
    assert reminders.due_offset(deadline, handed_on, deadline - timedelta(days=left)) == expected


# -- reminders to the unit ---------------------------------------------------------------------------


def test_it_reminds_the_unit_seven_three_and_one_day_before_the_deadline_once_each(
    hand_over, staff, django_capture_on_commit_callbacks
):
    item = hand_over(days=30)
    counts = {}
    for day in range(30, -1, -1):  # every morning from the hand-over to the deadline
        counts[day] = _scan(django_capture_on_commit_callbacks, item.deadline - timedelta(days=day))["due"]
    assert {day: n for day, n in counts.items() if n} == {7: 2, 3: 2, 1: 2}  # in-app and email each time
    assert _offsets(item) == ["1d", "1d", "3d", "3d", "7d", "7d"]
    assert set(_rows().values_list("status", flat=True)) == {"sent"}
    assert _recipients(reminders.KIND_DUE) == sorted([("unit1", "email"), ("unit1", "inapp")] * 3)

    assert _mail_to() == [staff["unit"].email] * 3
    subjects = [m.subject for m in mail.outbox]
    assert [re.findall(r"\d+", s) for s in subjects] == [["7"], ["3"], ["1"]]
    assert all(item.unit.name in s for s in subjects)
    link = reverse("outcomes:unit-detail", args=[item.pk])
    assert "修复甲一村村口路灯" in mail.outbox[0].body and item.deadline.isoformat() in mail.outbox[0].body
    assert link in mail.outbox[0].body
    notice = _rows().filter(channel=Notification.Channel.INAPP).first()
    assert (notice.link, notice.target) == (link, item)
    assert LocmemBackend.outbox == []  # no SMS unless configured

    # Running any of those days again adds nothing.
    for day in (7, 3, 1):
        assert _scan(django_capture_on_commit_callbacks, item.deadline - timedelta(days=day)) == {
            "due": 0,
            "overdue": 0,
        }
    assert _rows().count() == 6
    assert len(mail.outbox) == 3


def test_a_skipped_scan_catches_up_with_the_nearest_reminder_only(hand_over, staff, django_capture_on_commit_callbacks):
    item = hand_over(days=30)
    # Nothing ran from D-8 to D-3: D-2 sends the 3-day reminder (saying 2 days), never the stale 7-day one.
    assert _scan(django_capture_on_commit_callbacks, item.deadline - timedelta(days=2))["due"] == 2
    assert _scan(django_capture_on_commit_callbacks, item.deadline - timedelta(days=2))["due"] == 0
    assert _offsets(item) == ["3d", "3d"]
    assert re.findall(r"\d+", mail.outbox[0].subject) == ["2"]
    # The day itself, the 1-day reminder missed too: it goes out once, saying "today".
    assert _scan(django_capture_on_commit_callbacks, item.deadline)["due"] == 2
    assert _scan(django_capture_on_commit_callbacks, item.deadline)["due"] == 0
    assert _offsets(item) == ["1d", "1d", "3d", "3d"]
    assert re.findall(r"\d+", mail.outbox[1].subject) == []
    assert len(mail.outbox) == 2


def test_an_item_handed_over_five_days_ahead_gets_no_seven_day_reminder(
    hand_over, staff, django_capture_on_commit_callbacks
):
    item = hand_over(days=5)
    for day in (5, 4):
        assert _scan(django_capture_on_commit_callbacks, item.deadline - timedelta(days=day))["due"] == 0
    assert _scan(django_capture_on_commit_callbacks, item.deadline - timedelta(days=3))["due"] == 2
    assert _scan(django_capture_on_commit_callbacks, item.deadline - timedelta(days=1))["due"] == 2
    assert _offsets(item) == ["1d", "1d", "3d", "3d"]


def test_the_offsets_come_from_the_settings(hand_over, staff, settings, django_capture_on_commit_callbacks):
    settings.OUTCOME_REMINDER_DAYS = [10, 2]
    item = hand_over(days=30)
    sent = {
        d: _scan(django_capture_on_commit_callbacks, item.deadline - timedelta(days=d))["due"]
        for d in range(11, -1, -1)
    }
    assert {d: n for d, n in sent.items() if n} == {10: 2, 2: 2}
    assert sorted(set(_offsets(item))) == ["10d", "2d"]


def test_answered_and_closed_items_get_no_reminders_and_no_escalation(
    hand_over, staff, django_capture_on_commit_callbacks
):
    answered, closed = hand_over(days=7), hand_over(days=7)
    for item in (answered, closed):
        outcome_answer(item=item, answer="路灯已修复。", status="implemented", by=staff["unit"], notify=False)
    outcome_accept(item=closed, by=staff["office"], notify=False)
    for day in (7, 3, 1, 0, -1, -30):
        assert _scan(django_capture_on_commit_callbacks, answered.deadline - timedelta(days=day)) == {
            "due": 0,
            "overdue": 0,
        }
    assert not Notification.objects.filter(kind__in=[reminders.KIND_DUE, reminders.KIND_OVERDUE]).exists()
    assert not OutcomeEvent.objects.filter(kind=OutcomeEvent.Kind.ESCALATED).exists()
    assert mail.outbox == []


def test_a_unit_user_without_an_email_address_gets_the_in_app_notice_only(
    hand_over, staff, django_capture_on_commit_callbacks
):
    staff["unit"].email = ""
    staff["unit"].save()
    item = hand_over(days=30)
    assert _scan(django_capture_on_commit_callbacks, item.deadline - timedelta(days=7))["due"] == 1
    assert _recipients(reminders.KIND_DUE) == [("unit1", "inapp")]
    assert mail.outbox == []


def test_the_contact_gets_one_sms_when_configured(hand_over, staff, settings, django_capture_on_commit_callbacks):
    settings.OUTCOME_REMINDER_SMS = True
    settings.PORTAL_BASE_URL = "https://zx.example.gov.cn"
    item = hand_over(days=30, contact_phone=PHONE)
    hand_over(days=30)  # no contact phone: no SMS
    day = item.deadline - timedelta(days=3)
    assert _scan(django_capture_on_commit_callbacks, day)["due"] == 5
    assert _scan(django_capture_on_commit_callbacks, day)["due"] == 0
    assert [phone for phone, _text in LocmemBackend.outbox] == [PHONE]
    text = LocmemBackend.outbox[0][1]
    assert item.unit.name in text and text.endswith(f"https://zx.example.gov.cn/unit/items/{item.pk}/")
    sms = _rows().get(channel=Notification.Channel.SMS)
    assert (sms.address, sms.recipient, sms.status, sms.object_id) == (PHONE, None, "sent", item.pk)


def test_it_sends_nothing_when_no_offsets_are_configured(
    hand_over, staff, settings, django_capture_on_commit_callbacks
):
    settings.OUTCOME_REMINDER_DAYS = []
    item = hand_over(days=7)
    assert _scan(django_capture_on_commit_callbacks, item.deadline - timedelta(days=7))["due"] == 0


# -- overdue escalation ------------------------------------------------------------------------------


def test_an_overdue_item_escalates_once_to_the_office_the_towns_liaison_and_the_supervisors(
    hand_over, staff, django_capture_on_commit_callbacks
):
    item = hand_over(days=10, supervisors=[staff["member"].member], contact_phone=PHONE)
    other = hand_over(days=20)  # not yet overdue
    day_after = item.deadline + timedelta(days=1)
    assert not item.is_overdue(item.deadline)

    assert _scan(django_capture_on_commit_callbacks, day_after) == {"due": 0, "overdue": 6}
    assert _recipients(reminders.KIND_OVERDUE) == [
        ("liaison_a", "email"),
        ("liaison_a", "inapp"),
        ("member1", "email"),
        ("member1", "inapp"),
        ("office1", "email"),
        ("office1", "inapp"),
    ]
    assert set(_rows(reminders.KIND_OVERDUE).values_list("status", flat=True)) == {"sent"}
    assert _mail_to() == sorted(staff[who].email for who in ("office", "liaison_a", "member"))
    message = mail.outbox[0]
    assert item.unit.name in message.subject and re.findall(r"\d+", message.subject) == ["1"]
    assert "王科长" in message.body and PHONE in message.body and item.deadline.isoformat() in message.body
    links = {n.recipient.username: n.link for n in _rows(reminders.KIND_OVERDUE).filter(channel="inapp")}
    assert links == {
        "office1": reverse("outcomes:staff-detail", args=[item.pk]),
        "liaison_a": reverse("outcomes:staff-detail", args=[item.pk]),
        "member1": reverse("outcomes:supervise", args=[item.pk]),
    }

    # Overdue for the office from then on; the next days' scans add nothing.
    item.refresh_from_db()
    assert item.is_overdue(day_after) and item.escalated_on == day_after
    for later in (day_after, day_after + timedelta(days=1)):
        assert _scan(django_capture_on_commit_callbacks, later) == {"due": 0, "overdue": 0}
    assert _scan(django_capture_on_commit_callbacks, other.deadline + timedelta(days=1))["overdue"] == 4
    assert _rows(reminders.KIND_OVERDUE).filter(object_id=item.pk).count() == 6
    assert OutcomeEvent.objects.filter(item=item, kind=OutcomeEvent.Kind.ESCALATED).count() == 1
    assert not _rows(reminders.KIND_OVERDUE).filter(recipient=staff["unit"]).exists()


def test_a_county_wide_item_escalates_to_the_office_only(staff, unit, county, django_capture_on_commit_callbacks):
    platform = PlatformFactory(name="县政协协商议事厅", level="county", area=county)
    item = outcome_hand_over(
        text="县城公交站台改造",
        unit=unit,
        contact_name="李科长",
        deadline=timezone.localdate(),
        by=staff["office"],
        meeting=MeetingFactory(platform=platform, status="held", starts_at=timezone.now() - timedelta(days=3)),
    )
    assert item.town is None
    assert _scan(django_capture_on_commit_callbacks, item.deadline + timedelta(days=3))["overdue"] == 2
    assert _recipients(reminders.KIND_OVERDUE) == [("office1", "email"), ("office1", "inapp")]
    assert re.findall(r"\d+", _rows(reminders.KIND_OVERDUE).first().subject) == ["3"]


def test_inactive_users_get_nothing(hand_over, staff, unit, town_a, django_capture_on_commit_callbacks):
    gone = [
        UserFactory(username="unit-gone", role=Role.UNIT, unit=unit),
        UserFactory(username="office-gone", role=Role.OFFICE),
        UserFactory(username="liaison-gone", role=Role.LIAISON, town=town_a),
    ]
    retired = MemberFactory(name="李委员", user=UserFactory(username="member-gone"))
    gone.append(retired.user)
    for user in gone:
        user.is_active = False
        user.save()
    item = hand_over(days=10, supervisors=[staff["member"].member, retired])

    _scan(django_capture_on_commit_callbacks, item.deadline - timedelta(days=1))
    _scan(django_capture_on_commit_callbacks, item.deadline + timedelta(days=1))
    told = set(Notification.objects.filter(object_id=item.pk).values_list("recipient__username", flat=True))
    assert told >= {"unit1", "office1", "liaison_a", "member1"}
    assert told.isdisjoint(u.username for u in gone)
    assert not set(_mail_to()) & {u.email for u in gone}


def test_a_changed_deadline_gets_reminders_for_the_new_date_and_a_new_escalation(
    hand_over, staff, django_capture_on_commit_callbacks
):
    item = hand_over(days=10)
    first = item.deadline
    _scan(django_capture_on_commit_callbacks, first - timedelta(days=7))
    assert _scan(django_capture_on_commit_callbacks, first + timedelta(days=1))["overdue"] == 4
    assert OutcomeEvent.objects.filter(item=item, kind=OutcomeEvent.Kind.ESCALATED).count() == 1

    # Extended by ten days: the new date's reminders, and its own escalation once it passes too.
    new = first + timedelta(days=10)
    outcome_change_deadline(item=item, deadline=new, reason="需协调资金", by=staff["office"])
    item.refresh_from_db()
    assert item.escalated_on is None and not item.is_overdue(first + timedelta(days=2))
    sent = {}
    for day in range(9, -3, -1):
        sent[day] = _scan(django_capture_on_commit_callbacks, new - timedelta(days=day))
    assert {day: n for day, n in sent.items() if any(n.values())} == {
        7: {"due": 2, "overdue": 0},
        3: {"due": 2, "overdue": 0},
        1: {"due": 2, "overdue": 0},
        -1: {"due": 0, "overdue": 4},
    }
    keys = list(_rows().filter(object_id=item.pk).values_list("dedup_key", flat=True))
    assert sum(f":{new:%Y%m%d}:" in key for key in keys) == 6
    # The first date's 7-day reminder, and its 1-day one, missed by the scans and sent on the day after it passed.
    assert sum(f":{first:%Y%m%d}:" in key for key in keys) == 4
    # Each escalation is in the day's digest of the day after each deadline: its key names that day.
    overdue = list(_rows(reminders.KIND_OVERDUE).values_list("dedup_key", flat=True))
    escalated_on = [first + timedelta(days=1), new + timedelta(days=1)]
    assert sorted({key.split(":")[1] for key in overdue}) == [f"{day:%Y%m%d}" for day in escalated_on]
    assert OutcomeEvent.objects.filter(item=item, kind=OutcomeEvent.Kind.ESCALATED).count() == 2


def test_a_deadline_moved_back_to_a_date_already_escalated_escalates_no_more(
    hand_over, staff, django_capture_on_commit_callbacks
):
    item = hand_over(days=5)
    first = item.deadline
    assert _scan(django_capture_on_commit_callbacks, first + timedelta(days=1))["overdue"] == 4
    outcome_change_deadline(item=item, deadline=first + timedelta(days=10), reason="需协调资金", by=staff["office"])
    outcome_change_deadline(item=item, deadline=first, reason="资金未落实，恢复原时限", by=staff["office"])
    assert _scan(django_capture_on_commit_callbacks, first + timedelta(days=2))["overdue"] == 0
    assert OutcomeEvent.objects.filter(item=item, kind=OutcomeEvent.Kind.ESCALATED).count() == 1
    item.refresh_from_db()
    assert item.escalated_on == first + timedelta(days=2)


def test_is_overdue_holds_for_open_items_past_their_deadline(hand_over, staff):
    item = hand_over(days=3)
    assert not item.is_overdue()
    assert not item.is_overdue(item.deadline)
    assert item.is_overdue(item.deadline + timedelta(days=1))
    OutcomeItem.objects.filter(pk=item.pk).update(deadline=timezone.localdate() - timedelta(days=1))
    item.refresh_from_db()
    assert item.is_overdue()
    outcome_answer(item=item, answer="路灯已修复。", status="implemented", by=staff["unit"], notify=False)
    item.refresh_from_db()
    assert not item.is_overdue()  # waiting for the office's acceptance, no longer the unit's delay


# -- the beat task and the command -------------------------------------------------------------------


def test_the_task_runs_the_scan_for_the_day_it_is_given(hand_over, staff, django_capture_on_commit_callbacks):
    item = hand_over(days=30)
    day = item.deadline - timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_outcome_reminders.delay(day.isoformat()).get() == {"due": 2, "overdue": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert send_outcome_reminders.delay(day.isoformat()).get() == {"due": 0, "overdue": 0}
    assert _mail_to() == [staff["unit"].email]


def test_the_task_scans_today_by_default(hand_over, staff, django_capture_on_commit_callbacks):
    hand_over(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_outcome_reminders.delay().get() == {"due": 2, "overdue": 0}


def test_the_command_runs_the_same_scan_and_prints_the_counts(hand_over, staff, django_capture_on_commit_callbacks):
    item = hand_over(days=30, supervisors=[staff["member"].member])

    def run(day):
        out = StringIO()
        with django_capture_on_commit_callbacks(execute=True):
            call_command("send_reminders", "--date", day.isoformat(), stdout=out)
        return re.findall(r"\d+", out.getvalue())  # due, overdue, meetings

    assert run(item.deadline - timedelta(days=3)) == ["2", "0", "0"]
    assert run(item.deadline - timedelta(days=3)) == ["0", "0", "0"]
    # No scan on the 1-day reminder's day: the unit gets it now (worded "overdue"), and the escalation goes out.
    assert run(item.deadline + timedelta(days=1)) == ["2", "6", "0"]
    assert len(mail.outbox) == 5


@pytest.mark.parametrize("value", ["2026-13-01", "tomorrow", "01/07/2026"])
def test_the_command_refuses_a_malformed_date(hand_over, staff, value):
    hand_over(days=7)
    with pytest.raises(CommandError):
        call_command("send_reminders", "--date", value, stdout=StringIO())
    assert not _rows().exists()


def test_beat_looks_every_quarter_hour_and_the_scan_runs_once_a_day_from_the_configured_hour(settings):
    from consult_portal.celery import app
    from outcomes.tasks import catch_up_outcome_reminders

    app.loader.import_default_modules()
    app.finalize()
    entry = app.conf.beat_schedule["send-outcome-reminders"]
    assert entry["task"] == catch_up_outcome_reminders.name == "outcomes.tasks.catch_up_outcome_reminders"
    schedule = entry["schedule"]
    assert isinstance(schedule, crontab)
    assert schedule.minute == {0, 15, 30, 45} and schedule.hour == set(range(24))
    assert schedule.day_of_week == set(range(7))
