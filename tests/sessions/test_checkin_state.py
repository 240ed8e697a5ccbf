"""After checking in, the check-in page says so, once, and no longer offers to check in again."""

from datetime import timedelta

import lxml.html
from django.contrib.messages import get_messages
from django.test import Client
from django.utils import timezone

from sessions.models import Participant
from tests.factories import MeetingFactory
from tests.sessions.checkin_helpers import checkin_url, resident_checks_in


def _started(platform):
    start = timezone.now() - timedelta(minutes=10)
    return MeetingFactory(platform=platform, starts_at=start, ends_at=start + timedelta(hours=2))


def _page(response):
    return lxml.html.fromstring(response.content.decode())


def test_a_member_checked_in_is_told_so_and_not_offered_it_again(client, member_user, member_person, platform_a):
    meeting = _started(platform_a)
    Participant.objects.create(meeting=meeting, kind="member", member=member_person)
    url = checkin_url(meeting)
    client.force_login(member_user)
    before = _page(client.get(url))
    assert before.xpath("//main//form//button[@type='submit']")  # "check in as 张委员"
    response = client.post(url, follow=True)
    page = _page(response)
    [said] = page.xpath("//*[@data-checked-in]")
    assert member_person.name in said.text_content()
    assert timezone.localtime().strftime("%H:%M") in said.text_content()
    assert not page.xpath("//main//form")  # no "check in as …" any more
    assert not list(get_messages(response.wsgi_request))  # and not said a second time above it
    assert not _page(client.get(url)).xpath("//main//form")  # coming back later: still checked in


def test_a_resident_checked_in_is_told_so_on_the_same_phone(platform_a):
    meeting = _started(platform_a)
    url = checkin_url(meeting)
    phone = Client()
    done = resident_checks_in(phone, meeting, "李大爷", "13900001111")
    page = _page(phone.get(done["Location"]))
    [said] = page.xpath("//*[@data-checked-in]")
    assert "李大爷" in said.text_content()
    assert not page.xpath("//main//form")
    assert _page(Client().get(url)).xpath("//main//form")  # another phone gets the form
    again = _page(phone.get(f"{url}?another=1"))  # and this phone, to check someone else in
    assert again.xpath("//main//form//input[@name='name']")
