import re
import threading
import time
from collections import Counter
from datetime import timedelta

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.utils import timezone

from consult_portal.models import Notification
from sessions import reminders
from sessions.models import Meeting, Participant
from sessions.tasks import send_meeting_reminders
from tests.conftest import wait_for, worker_mails
from tests.factories import MeetingFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.worker

DONE = re.compile(r"sessions\.tasks\.send_meeting_reminders\[[^\]]+\] succeeded in [\d.e-]+s: (\d+)")


def _all_sent(count):
    rows = Notification.objects.filter(kind=reminders.KIND)
    return rows.count() == count and not rows.exclude(status=Notification.Status.SENT).exists()


def _finished_tasks(log):
    return [int(n) for n in DONE.findall(log.read_text())]


@pytest.fixture
def members(db):
    return [
        MemberFactory(name=name, user=UserFactory(username=f"w-{i}")) for i, name in enumerate(["张委员", "李委员"])
    ]


def test_two_scans_at_once_send_each_reminder_once(celery_worker, platform_a, members):
    now = timezone.now()
    # One meeting due for its 3-day reminder, one for its 1-day reminder.
    meetings = [
        MeetingFactory(platform=platform_a, title="三天后的协商会", starts_at=now + timedelta(days=3, hours=-1)),
        MeetingFactory(platform=platform_a, title="明天的协商会", starts_at=now + timedelta(days=1, hours=-1)),
    ]
    for meeting in meetings:
        for member in members:
            Participant.objects.create(meeting=meeting, kind=Participant.Kind.MEMBER, member=member)

    # Two beat runs through the broker while two scans run here, each thread on its own connection.
    send_meeting_reminders.delay()
    send_meeting_reminders.delay()
    start = threading.Barrier(2)
    here = []

    def scan():
        try:
            start.wait()
            here.append(reminders.scan())
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    expected = len(meetings) * len(members) * 2  # email and in-app
    wait_for(lambda: len(_finished_tasks(celery_worker["log"])) == 2)
    wait_for(lambda: _all_sent(expected))
    time.sleep(0.3)  # anything sent twice would show up now
    assert sum(here) + sum(_finished_tasks(celery_worker["log"])) == expected
    assert _all_sent(expected)
    keys = Counter(Notification.objects.filter(kind=reminders.KIND).values_list("dedup_key", flat=True))
    assert set(keys.values()) == {1}
    assert sorted(key.split(":")[4] for key in keys) == ["1d"] * 4 + ["3d"] * 4

    mails = Counter(worker_mails(celery_worker["mail_dir"]))  # the subject names the meeting and its time
    assert len(mails) == len(meetings) * len(members)
    assert set(mails.values()) == {1}
    assert {to for to, _ in mails} == {m.user.email for m in members}


def test_a_moved_meeting_drops_its_unsent_old_reminders_and_the_worker_sends_the_new_ones(
    celery_worker, platform_a, members
):
    now = timezone.now()
    old_start, new_start = now + timedelta(days=1, hours=2), now + timedelta(days=1, hours=-1)
    meeting = MeetingFactory(platform=platform_a, title="改期的协商会", starts_at=new_start)
    participant = Participant.objects.create(meeting=meeting, kind=Participant.Kind.MEMBER, member=members[0])
    # A reminder computed for the old time that never reached the broker.
    stale = Notification.objects.create(
        dedup_key=f"{reminders.key_prefix(meeting.pk, old_start)}{participant.pk}:1d:email",
        recipient=members[0].user,
        channel=Notification.Channel.EMAIL,
        kind=reminders.KIND,
        subject="stale",
        content_type=ContentType.objects.get_for_model(Meeting),
        object_id=meeting.pk,
    )

    send_meeting_reminders.delay()
    wait_for(lambda: _finished_tasks(celery_worker["log"]) == [2])
    wait_for(lambda: Notification.objects.filter(kind=reminders.KIND, status=Notification.Status.SENT).count() == 2)
    stale.refresh_from_db()
    assert stale.status == Notification.Status.CANCELLED
    time.sleep(0.3)
    assert [to for to, _ in worker_mails(celery_worker["mail_dir"])] == [members[0].user.email]
