import re
from datetime import datetime, timedelta
from io import StringIO
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import transaction

from consult_portal import notifications
from consult_portal.celery import app
from consult_portal.models import Notification
from sessions import reminders
from sessions.models import Participant
from sessions.services import meeting_transition
from sessions.tasks import send_meeting_reminders
from tests.factories import MeetingFactory, MemberFactory, UserFactory

START = datetime(2026, 12, 10, 9, 0, tzinfo=ZoneInfo("Asia/Shanghai"))
NEW_START = START + timedelta(days=7)


@pytest.fixture
def meeting(platform_a):
    return MeetingFactory(
        title="村口路灯改造协商会",
        platform=platform_a,
        starts_at=START,
        place="甲一村村委会二楼",
        no_research_reason="群众要求尽快协商",
    )


def _invite(meeting, name, *, login=True, email=None, response=Participant.Response.PENDING, invited=True):
    user = None
    if login:
        user = UserFactory(username=f"u-{name}", **({"email": email} if email is not None else {}))
    member = MemberFactory(name=name, user=user)
    return Participant.objects.create(
        meeting=meeting, kind=Participant.Kind.MEMBER, member=member, response=response, invited=invited
    )


@pytest.fixture
def invitees(meeting):
    return [_invite(meeting, "张委员"), _invite(meeting, "李委员", response=Participant.Response.YES)]


def _scan(capture, at, execute=True):
    with time_machine.travel(at, tick=False), capture(execute=execute):
        return reminders.scan()


def _reminders():
    return Notification.objects.filter(kind=reminders.KIND).order_by("dedup_key")


def _sent_mail_to():
    return sorted(address for message in mail.outbox for address in message.to)


def test_it_reminds_invitees_three_days_and_one_day_before_by_email_and_in_app(
    meeting, invitees, django_capture_on_commit_callbacks
):
    emails = sorted(p.member.user.email for p in invitees)

    assert _scan(django_capture_on_commit_callbacks, START - timedelta(days=3, minutes=-1)) == 4
    assert _sent_mail_to() == emails
    assert {m.subject for m in mail.outbox} == {next(iter(mail.outbox)).subject}
    assert "村口路灯改造协商会" in mail.outbox[0].subject and "2026-12-10 09:00" in mail.outbox[0].subject
    assert "甲一村村委会二楼" in mail.outbox[0].body
    assert f"/meetings/{meeting.pk}/" in mail.outbox[0].body
    in_app = _reminders().filter(channel=Notification.Channel.INAPP)
    assert sorted(n.recipient.email for n in in_app) == emails
    assert {(n.status, n.link, n.target) for n in in_app} == {("sent", f"/meetings/{meeting.pk}/", meeting)}

    assert _scan(django_capture_on_commit_callbacks, START - timedelta(days=2)) == 0
    assert _scan(django_capture_on_commit_callbacks, START - timedelta(days=1, minutes=-15)) == 4
    assert _sent_mail_to() == sorted(emails * 2)
    assert _reminders().count() == 8
    assert set(_reminders().values_list("status", flat=True)) == {"sent"}
    keys = list(_reminders().values_list("dedup_key", flat=True))
    assert sum(":3d:" in key for key in keys) == sum(":1d:" in key for key in keys) == 4


def test_running_the_scan_again_sends_nothing_more(meeting, invitees, django_capture_on_commit_callbacks):
    at = START - timedelta(days=1)
    assert _scan(django_capture_on_commit_callbacks, at) == 4
    assert _scan(django_capture_on_commit_callbacks, at) == 0
    assert _scan(django_capture_on_commit_callbacks, at + timedelta(minutes=15)) == 0
    assert len(mail.outbox) == 2
    assert _reminders().count() == 4


def test_the_beat_task_and_the_command_run_the_same_scan(meeting, invitees, django_capture_on_commit_callbacks):
    assert app.conf.beat_schedule["send-meeting-reminders"]["task"] == send_meeting_reminders.name
    with time_machine.travel(START - timedelta(days=1), tick=False), django_capture_on_commit_callbacks(execute=True):
        assert send_meeting_reminders.delay().get() == 4
        out = StringIO()
        call_command("send_meeting_reminders", stdout=out)
    assert re.search(r"(?<!\d)0(?!\d)", out.getvalue())  # the scan found nothing more to send
    assert len(mail.outbox) == 2


def test_it_leaves_out_those_who_said_no_have_no_login_or_were_not_invited(meeting, django_capture_on_commit_callbacks):
    coming = _invite(meeting, "张委员")
    _invite(meeting, "李委员", response=Participant.Response.NO)
    _invite(meeting, "王委员", login=False)
    _invite(meeting, "赵委员", invited=False)  # came of their own accord, added at check-in
    Participant.objects.create(meeting=meeting, kind=Participant.Kind.RESIDENT, name="陈大爷", phone="13800001234")
    gone = _invite(meeting, "孙委员")
    gone.member.user.is_active = False
    gone.member.user.save()

    assert _scan(django_capture_on_commit_callbacks, START - timedelta(days=1)) == 2
    assert _sent_mail_to() == [coming.member.user.email]
    assert set(_reminders().values_list("recipient", flat=True)) == {coming.member.user.pk}


def test_an_invitee_without_an_email_address_gets_the_in_app_notice_only(meeting, django_capture_on_commit_callbacks):
    participant = _invite(meeting, "张委员", email="")
    assert _scan(django_capture_on_commit_callbacks, START - timedelta(days=1)) == 1
    assert mail.outbox == []
    notice = _reminders().get()
    assert (notice.channel, notice.recipient, notice.status) == ("inapp", participant.member.user, "sent")


@pytest.mark.parametrize("status", ["postponed", "cancelled", "held"])
def test_it_sends_nothing_for_a_meeting_that_is_not_coming(platform_a, status, django_capture_on_commit_callbacks):
    meeting = MeetingFactory(platform=platform_a, starts_at=START, status=status, status_reason="场地维修")
    _invite(meeting, "张委员")
    assert _scan(django_capture_on_commit_callbacks, START - timedelta(days=1)) == 0
    assert not _reminders().exists()
    assert mail.outbox == []


def test_a_meeting_planned_less_than_three_days_ahead_gets_no_late_three_day_reminder(
    meeting, invitees, django_capture_on_commit_callbacks
):
    assert _scan(django_capture_on_commit_callbacks, START - timedelta(days=2, hours=12)) == 0
    assert _scan(django_capture_on_commit_callbacks, START - timedelta(days=1)) == 4
    assert not _reminders().filter(dedup_key__contains=":3d:").exists()


def test_a_scan_some_hours_late_still_sends_the_reminder(meeting, invitees, django_capture_on_commit_callbacks):
    assert _scan(django_capture_on_commit_callbacks, START - timedelta(days=3, hours=-5)) == 4
    assert _reminders().filter(dedup_key__contains=":3d:").count() == 4


def test_someone_invited_the_evening_before_still_gets_the_last_reminder(
    meeting, invitees, django_capture_on_commit_callbacks
):
    assert _scan(django_capture_on_commit_callbacks, START - timedelta(days=1)) == 4
    latecomer = _invite(meeting, "周委员")
    assert _scan(django_capture_on_commit_callbacks, START - timedelta(hours=14)) == 2
    assert _sent_mail_to().count(latecomer.member.user.email) == 1
    # …but nobody hears of a meeting that has started.
    _invite(meeting, "吴委员")
    assert _scan(django_capture_on_commit_callbacks, START + timedelta(minutes=1)) == 0


def test_the_offsets_come_from_the_settings(meeting, invitees, settings, django_capture_on_commit_callbacks):
    settings.MEETING_REMINDER_DAYS = [7, 2]
    assert _scan(django_capture_on_commit_callbacks, START - timedelta(days=7)) == 4
    assert _scan(django_capture_on_commit_callbacks, START - timedelta(days=3)) == 0
    assert _scan(django_capture_on_commit_callbacks, START - timedelta(days=2)) == 4
    assert sorted({key.split(":")[4] for key in _reminders().values_list("dedup_key", flat=True)}) == ["2d", "7d"]


def test_rescheduling_drops_the_unsent_reminders_and_computes_new_ones(
    meeting, invitees, office, django_capture_on_commit_callbacks
):
    at = START - timedelta(days=3)
    # The broker is down: the reminders stay in the outbox, unsent.
    assert _scan(django_capture_on_commit_callbacks, at, execute=False) == 4
    with time_machine.travel(at + timedelta(hours=1), tick=False):
        meeting_transition(meeting=meeting, to_status="postponed", by=office, reason="场地维修")
        meeting_transition(meeting=meeting, to_status="published", by=office, starts_at=NEW_START)

    assert _scan(django_capture_on_commit_callbacks, at + timedelta(hours=2)) == 0
    assert set(_reminders().values_list("status", flat=True)) == {"cancelled"}
    with time_machine.travel(at + timedelta(hours=3), tick=False), django_capture_on_commit_callbacks(execute=True):
        notifications.sweep()  # a cancelled reminder is never delivered
    # What the sweep did deliver are the notices of the postponement and of the new time (sessions/notices.py).
    sent = Notification.objects.filter(status="sent")
    assert set(sent.values_list("kind", flat=True)) == {"meeting_changed"}
    assert len(mail.outbox) == sent.filter(channel="email").count() == 4
    mail.outbox.clear()

    assert _scan(django_capture_on_commit_callbacks, NEW_START - timedelta(days=3)) == 4
    new = _reminders().filter(status="sent")
    assert new.count() == 4
    assert all(
        key.startswith(reminders.key_prefix(meeting.pk, NEW_START)) for key in new.values_list("dedup_key", flat=True)
    )
    assert len(mail.outbox) == 2
    assert all("2026-12-17 09:00" in message.subject for message in mail.outbox)


def test_moving_a_published_meeting_cancels_only_the_reminders_not_yet_sent(
    meeting, invitees, office, settings, django_capture_on_commit_callbacks
):
    settings.NOTIFICATION_MAX_ATTEMPTS = 5
    at = START - timedelta(days=1)
    assert _scan(django_capture_on_commit_callbacks, at) == 4  # sent
    sent = set(_reminders().values_list("pk", flat=True))
    nearer = START - timedelta(hours=6)
    with time_machine.travel(at + timedelta(hours=1), tick=False):
        meeting_transition(meeting=meeting, to_status="published", by=office, starts_at=nearer)
    # The move itself queued the reminders now due for the new time (the broker loses them here),
    # and the mail server refuses one for now.
    assert _scan(django_capture_on_commit_callbacks, at + timedelta(hours=2), execute=False) == 0
    new = _reminders().exclude(pk__in=sent).order_by("pk")
    assert new.count() == 4
    Notification.objects.filter(pk=new[0].pk).update(
        status="failed", attempts=1, next_attempt_at=at + timedelta(hours=3), last_error="SMTP 451"
    )
    with time_machine.travel(at + timedelta(hours=4), tick=False):
        meeting_transition(meeting=meeting, to_status="published", by=office, starts_at=NEW_START)

    assert _scan(django_capture_on_commit_callbacks, at + timedelta(hours=5)) == 0
    assert set(_reminders().filter(pk__in=sent).values_list("status", flat=True)) == {"sent"}
    assert set(new.values_list("status", flat=True)) == {"cancelled"}
    assert len(mail.outbox) == 2


def test_a_meeting_moved_back_to_its_first_time_gets_its_cancelled_reminders_again(
    meeting, invitees, django_capture_on_commit_callbacks
):
    at = START - timedelta(days=1)
    assert _scan(django_capture_on_commit_callbacks, at, execute=False) == 4
    type(meeting).objects.filter(pk=meeting.pk).update(starts_at=NEW_START, ends_at=NEW_START + timedelta(hours=2))
    assert _scan(django_capture_on_commit_callbacks, at + timedelta(minutes=15)) == 0
    assert set(_reminders().values_list("status", flat=True)) == {"cancelled"}
    type(meeting).objects.filter(pk=meeting.pk).update(starts_at=START, ends_at=START + timedelta(hours=2))

    assert _scan(django_capture_on_commit_callbacks, at + timedelta(minutes=30)) == 4
    assert set(_reminders().values_list("status", flat=True)) == {"sent"}
    assert _reminders().count() == 4
    assert len(mail.outbox) == 2


def test_cancelling_a_meeting_drops_its_unsent_reminders(meeting, invitees, office, django_capture_on_commit_callbacks):
    at = START - timedelta(days=1)
    assert _scan(django_capture_on_commit_callbacks, at, execute=False) == 4
    with time_machine.travel(at + timedelta(minutes=5), tick=False):
        meeting_transition(meeting=meeting, to_status="cancelled", by=office, reason="台风预警")
    assert _scan(django_capture_on_commit_callbacks, at + timedelta(minutes=15)) == 0
    assert set(_reminders().values_list("status", flat=True)) == {"cancelled"}
    assert mail.outbox == []


def test_moving_a_meeting_brings_its_reminders_up_to_date_in_the_same_transaction(
    meeting, invitees, office, django_capture_on_commit_callbacks
):
    at = START - timedelta(days=1)
    assert _scan(django_capture_on_commit_callbacks, at, execute=False) == 4
    nearer = START - timedelta(hours=3)
    moved = at + timedelta(hours=1)
    with time_machine.travel(moved, tick=False), django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        meeting_transition(meeting=meeting, to_status="published", by=office, starts_at=nearer)
        assert reminders.remind_meeting(meeting.pk) == 0  # the move already did it
    assert _reminders().filter(status="cancelled").count() == 4
    assert _reminders().filter(status="sent").count() == 4
    assert all("2026-12-10 06:00" in message.subject for message in mail.outbox)
