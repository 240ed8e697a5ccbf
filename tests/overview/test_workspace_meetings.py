"""The member's workspace says where they stand on each meeting: their answer (changeable until the meeting starts),
their check-in, and a link to the meeting as they see it, with its place, time and calendar file."""

from datetime import timedelta

import lxml.html
import pytest
import time_machine
from django.contrib.messages import get_messages
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar

from sessions.models import Participant
from tests.factories import MeetingFactory, PlatformFactory
from tests.sessions.checkin_helpers import checkin_url


@pytest.fixture
def member(member_user):
    return member_user.member


@pytest.fixture
def invitation(member, village_a):
    start = (timezone.localtime() + timedelta(days=5)).replace(hour=9, minute=0, second=0, microsecond=0)
    platform = PlatformFactory(name="甲一村议事室", level="village", area=village_a, address="甲一村村委会二楼")
    meeting = MeetingFactory(
        title="村口路灯协商会", platform=platform, status="planned", starts_at=start, ends_at=start + timedelta(hours=2)
    )
    return Participant.objects.create(meeting=meeting, kind="member", member=member)


def _line(client, invitation):
    page = lxml.html.fromstring(client.get("/members/me/").content.decode())
    [line] = page.xpath(f"//*[@data-invitation='{invitation.pk}']")
    return line


def _answer(client, invitation, response, **extra):
    return client.post(f"/members/me/invitations/{invitation.pk}/answer/", {"response": response, **extra})


def test_after_accepting_the_member_sees_their_answer_and_the_way_to_change_it(client, member_user, invitation):
    client.force_login(member_user)
    assert _answer(client, invitation, "yes").status_code == 302
    line = _line(client, invitation)
    [answer] = line.xpath(".//*[@data-response]")
    assert answer.get("data-response") == "yes"
    assert not answer.get("class", "").count("badge")  # no grey badge beside the same buttons
    buttons = [(b.get("value"), b.text_content().strip()) for b in line.xpath(".//button[@name='response']")]
    assert [value for value, _label in buttons] == ["no"]  # only the change: to "cannot attend"


def test_the_member_changes_their_answer_until_the_meeting_starts(client, member_user, invitation):
    client.force_login(member_user)
    _answer(client, invitation, "yes")
    assert _answer(client, invitation, "no").status_code == 302
    invitation.refresh_from_db()
    assert invitation.response == "no"
    assert [b.get("value") for b in _line(client, invitation).xpath(".//button[@name='response']")] == ["yes"]
    with time_machine.travel(invitation.meeting.starts_at + timedelta(minutes=1)):
        client.force_login(member_user)
        _answer(client, invitation, "yes")
        invitation.refresh_from_db()
        assert invitation.response == "no"  # the meeting has started: the answer stands
        assert not _line(client, invitation).xpath(".//button[@name='response']")


def test_the_answer_message_names_the_meeting(client, member_user, invitation):
    client.force_login(member_user)
    response = _answer(client, invitation, "yes")
    messages = [str(m) for m in get_messages(response.wsgi_request)]
    assert len(messages) == 1 and "村口路灯协商会" in messages[0]


def test_the_member_sees_their_check_in(client, member_user, invitation):
    meeting = invitation.meeting
    type(meeting).objects.filter(pk=meeting.pk).update(status="published")
    with time_machine.travel(meeting.starts_at - timedelta(minutes=20), tick=False):
        client.force_login(member_user)
        # Check-in is open: the member is told to scan the code shown at the meeting (it changes every day).
        [hint] = _line(client, invitation).xpath(".//*[@data-checked-in='0']")
        assert _("Check-in is open: scan the code shown at the meeting.") in hint.text_content()
        assert client.post(checkin_url(meeting)).status_code == 302
        [state] = _line(client, invitation).xpath(".//*[@data-checked-in='1']")
        assert timezone.localtime().strftime("%H:%M") in state.text_content()


def test_the_meeting_title_links_to_the_members_view_with_place_time_and_calendar(client, member_user, invitation):
    client.force_login(member_user)
    [link] = _line(client, invitation).xpath(".//a[contains(@href, '/members/me/meetings/')]")
    assert link.text_content().strip() == "村口路灯协商会"
    page = client.get(link.get("href"))
    assert page.status_code == 200  # a planned meeting: not public yet, the member still sees it
    text = lxml.html.fromstring(page.content.decode()).text_content()
    meeting = invitation.meeting
    assert "甲一村议事室" in text and "甲一村村委会二楼" in text
    assert timezone.localtime(meeting.starts_at).strftime("%H:%M") in text
    ics = client.get(f"/members/me/meetings/{meeting.pk}.ics")
    assert ics.status_code == 200 and ics["Content-Type"].startswith("text/calendar")
    [event] = Calendar.from_ical(ics.content).walk("VEVENT")
    assert str(event["SUMMARY"]) == "村口路灯协商会" and event.decoded("DTSTART") == meeting.starts_at
    assert "甲一村村委会二楼" in str(event["LOCATION"])
    other = MeetingFactory(platform=meeting.platform, starts_at=meeting.starts_at + timedelta(days=1))
    assert client.get(f"/members/me/meetings/{other.pk}/").status_code == 404  # only the member's own meetings
    assert client.get(f"/members/me/meetings/{other.pk}.ics").status_code == 404
