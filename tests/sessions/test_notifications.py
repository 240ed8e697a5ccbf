"""Invitees hear of their invitation and of a meeting moved, postponed, cancelled or back on: members with a login in
their inbox and by email, with the link to their workspace; people invited without a login by SMS (#15)."""

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from sessions.models import Participant
from sessions.notices import KIND_CHANGED, KIND_INVITED
from sessions.services import meeting_reschedule, meeting_transition, participants_invite
from tests.factories import MeetingFactory, MemberFactory, UserFactory
from tests.notices_helpers import link_in, mails_to, opens_for, rows, sms_to, told

RESIDENT = "13900001111"
BASE = "https://zx.example.gov.cn"


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M")


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PORTAL_BASE_URL = BASE


@pytest.fixture
def meeting(platform_a, soon):
    return MeetingFactory(
        title="村口路灯协商会",
        platform=platform_a,
        starts_at=soon[0],
        ends_at=soon[1],
        place="甲一村村委会二楼",
        no_research_reason="情况已清楚",
    )


@pytest.fixture
def people(meeting, member_user, member_person, lawyer):
    """Invited: a member with a login, one who said no, a member without a login, and a resident with a phone."""
    declined = MemberFactory(name="李委员", user=UserFactory(username="declined"))
    for member, response in ((member_person, "pending"), (declined, "no"), (lawyer, "yes")):
        Participant.objects.create(meeting=meeting, kind="member", member=member, response=response)
    Participant.objects.create(meeting=meeting, kind="resident", name="赵大爷", phone=RESIDENT)
    return {"member": member_user, "declined": declined.user, "lawyer": lawyer}


def test_an_invited_member_is_told_once_with_the_link_to_answer_in_their_workspace(
    meeting, office, member_user, member_person, lawyer, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        participants_invite(meeting=meeting, by=office, members=[member_person, lawyer])
    assert told(KIND_INVITED) == [("member1", "email"), ("member1", "inapp")]  # the lawyer has no login
    notice = rows(KIND_INVITED).get(channel="inapp")
    assert notice.link == "/members/me/" and notice.target == meeting
    assert "村口路灯协商会" in notice.subject and _when(meeting.starts_at) in notice.subject
    assert "甲一村村委会二楼" in notice.body
    page = opens_for(member_user, notice)
    assert page.status_code == 200 and "村口路灯协商会" in page.content.decode()  # with its answer buttons
    mail = mails_to(member_user.email)
    assert len(mail) == 1 and link_in(mail[0].body, BASE) == "/members/me/"

    with django_capture_on_commit_callbacks(execute=True):
        participants_invite(meeting=meeting, by=office, members=[member_person])
    assert rows(KIND_INVITED).count() == 2
    assert len(mails_to(member_user.email)) == 1


def test_a_moved_meeting_tells_everyone_invited_who_has_not_declined_the_old_and_the_new_time(
    meeting, people, office, django_capture_on_commit_callbacks
):
    old = meeting.starts_at
    new = old - timedelta(days=2)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_reschedule(meeting=meeting, starts_at=new, ends_at=new + timedelta(hours=2), by=office)
    assert told(KIND_CHANGED) == sorted(
        [("member1", "email"), ("member1", "inapp"), (people["lawyer"].phone, "sms"), (RESIDENT, "sms")]
    )
    notice = rows(KIND_CHANGED).get(channel="inapp")
    assert _when(new) in notice.subject and _when(old) in notice.body and _when(new) in notice.body
    assert opens_for(people["member"], notice).status_code == 200
    (text,) = sms_to(RESIDENT)
    assert _when(new) in text and _when(old) in text
    assert Client().get(link_in(text, BASE)).status_code == 200  # the public notice of the meeting
    assert link_in(text, BASE) == f"/meetings/{meeting.pk}/"

    # The same move again changes nothing and tells nobody.
    with django_capture_on_commit_callbacks(execute=True):
        meeting_reschedule(meeting=meeting, starts_at=new, ends_at=new + timedelta(hours=2), by=office)
    assert rows(KIND_CHANGED).count() == 4
    assert len(sms_to(RESIDENT)) == 1


def test_a_postponed_then_cancelled_meeting_tells_the_reason_each_time(
    meeting, people, office, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        meeting_transition(meeting=meeting, to_status="postponed", by=office, reason="场地维修")
    assert len(told(KIND_CHANGED)) == 4
    assert all("场地维修" in n.body and "村口路灯协商会" in n.subject for n in rows(KIND_CHANGED))
    with django_capture_on_commit_callbacks(execute=True):
        meeting_transition(meeting=meeting, to_status="cancelled", by=office, reason="台风预警")
    assert rows(KIND_CHANGED).count() == 8
    latest = rows(KIND_CHANGED).filter(body__contains="台风预警")
    assert sorted(n.channel for n in latest) == ["email", "inapp", "sms", "sms"]
    assert [("台风预警" in text) for text in sms_to(RESIDENT)] == [False, True]
    assert not rows(KIND_CHANGED).filter(recipient=people["declined"]).exists()
    notice = latest.get(channel="inapp")
    assert opens_for(people["member"], notice).status_code == 200
    assert Client().get(link_in(sms_to(RESIDENT)[-1], BASE)).status_code == 200


def test_a_postponed_meeting_back_on_tells_its_new_time(meeting, people, office, django_capture_on_commit_callbacks):
    meeting_transition(meeting=meeting, to_status="postponed", by=office, reason="场地维修")
    new = meeting.starts_at + timedelta(days=7)
    with django_capture_on_commit_callbacks(execute=True):
        meeting_transition(meeting=meeting, to_status="published", by=office, starts_at=new)
    back = rows(KIND_CHANGED).filter(subject__contains=_when(new))
    assert sorted(n.channel for n in back) == ["email", "inapp", "sms", "sms"]
    assert sms_to(RESIDENT) and _when(new) in sms_to(RESIDENT)[-1]


def test_holding_a_meeting_tells_its_invitees_nothing(meeting, people, office, django_capture_on_commit_callbacks):
    start = timezone.now() - timedelta(hours=1)
    type(meeting).objects.filter(pk=meeting.pk).update(starts_at=start, ends_at=start + timedelta(hours=2))
    with django_capture_on_commit_callbacks(execute=True):
        meeting_transition(meeting=meeting, to_status="held", by=office)
    assert not rows(KIND_CHANGED).exists()


def test_a_change_written_without_notices_tells_nobody(meeting, people, office, django_capture_on_commit_callbacks):
    """The demo's history replays its postponements with notify=False: its users' inboxes stay as they were."""
    with django_capture_on_commit_callbacks(execute=True):
        meeting_transition(meeting=meeting, to_status="postponed", by=office, reason="场地维修", notify=False)
    assert not rows(KIND_CHANGED).exists() and sms_to(RESIDENT) == []
