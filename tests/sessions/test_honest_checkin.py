"""Honest check-in (#16): invented residents and a member who was not invited check in to nothing that counts;
yesterday's code is refused; staff strike a check-in, enter someone at the door and replace the code."""

from datetime import timedelta

import lxml.html
import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal.models import AuditEntry
from consult_portal.sms import LocmemBackend
from sessions.checkin_tokens import day_token
from sessions.models import Participant
from tests.factories import MeetingFactory, MemberFactory
from tests.sessions.checkin_helpers import checkin_url, resident_checks_in

VILLAGE_WIFI = "10.0.0.7"


@pytest.fixture
def meeting(platform_a):
    start = timezone.now() - timedelta(minutes=10)
    return MeetingFactory(platform=platform_a, status="published", starts_at=start, ends_at=start + timedelta(hours=2))


def _counted(client, office, meeting) -> int:
    client.force_login(office)
    page = lxml.html.fromstring(client.get(f"/staff/meetings/{meeting.pk}/checkins/").content.decode())
    client.logout()
    return int(page.xpath("//*[@data-counted]/@data-counted")[0])


def _attended(member) -> int:
    from consult_portal.overview.performance import ranking

    return ranking(year=timezone.localdate().year).get(pk=member.pk).attended


def test_twenty_invented_residents_check_in_to_nothing(client, office, meeting):
    for n in range(20):
        invented = f"1310000{n:04d}"
        visitor = Client()
        sent = visitor.post(
            checkin_url(meeting), {"step": "send", "name": f"村民{n}", "phone": invented}, REMOTE_ADDR=VILLAGE_WIFI
        )
        assert sent.status_code == 200  # the code goes to the invented number, not to whoever typed it
        data = {"step": "code", "name": f"村民{n}", "phone": invented, "code": "000000"}
        refused = visitor.post(checkin_url(meeting), data, REMOTE_ADDR=VILLAGE_WIFI)
        assert refused.status_code == 400
        # The old one-step form (a name and any phone) checks no one in either.
        assert Client().post(checkin_url(meeting), {"name": f"村民{n}", "phone": invented}).status_code == 200
    assert not meeting.participants.exists()
    assert _counted(client, office, meeting) == 0
    # A real resident with their own phone, on the same village address, checks in.
    assert resident_checks_in(Client(), meeting, "李大爷", "13900001111", REMOTE_ADDR=VILLAGE_WIFI).status_code == 302
    assert _counted(client, office, meeting) == 1


def test_a_wrong_code_is_said_beside_the_field_and_keeps_the_name(meeting):
    visitor = Client()
    visitor.post(checkin_url(meeting), {"step": "send", "name": "李大爷", "phone": "13900001111"})
    [(_phone, text)] = LocmemBackend.outbox
    wrong = "000000" if "000000" not in text else "111111"
    response = visitor.post(
        checkin_url(meeting), {"step": "code", "name": "李大爷", "phone": "13900001111", "code": wrong}
    )
    html = response.content.decode()
    assert response.status_code == 400
    code_field = html[html.index('id="div_id_code"') :]
    assert _("This code is not the one we sent. Check the SMS and type its six digits.") in code_field
    assert 'name="name" value="李大爷"' in html and "139****1111" in html


def test_a_member_not_invited_cannot_check_in(client, office, member_user, member_person, meeting):
    client.force_login(member_user)
    response = client.post(checkin_url(meeting))
    assert response.status_code == 403
    assert _("You were not invited to this meeting, so you cannot check in to it.") in response.content.decode()
    assert not meeting.participants.exists() and _attended(member_person) == 0
    # An uninvited check-in recorded before the rule (or by hand) does not count either.
    Participant.objects.create(
        meeting=meeting, kind="member", member=member_person, invited=False, checked_in_at=meeting.starts_at
    )
    assert _attended(member_person) == 0 and _counted(client, office, meeting) == 0
    my_page = client.get("/members/me/").content.decode()
    assert f'data-attended="{meeting.pk}"' not in my_page


def test_an_invited_member_checks_in_and_counts(client, member_user, member_person, meeting):
    Participant.objects.create(meeting=meeting, kind="member", member=member_person)
    client.force_login(member_user)
    assert client.post(checkin_url(meeting)).status_code == 302
    assert _attended(member_person) == 1


def test_any_member_checks_in_to_a_meeting_open_to_all_members(client, office, member_user, member_person, meeting):
    client.force_login(office)
    client.post(f"/staff/meetings/{meeting.pk}/checkins/open-to-members/", {"open": "1"})
    assert AuditEntry.objects.filter(action="meeting_open_to_members").exists()
    client.force_login(member_user)
    assert client.post(checkin_url(meeting)).status_code == 302
    assert _attended(member_person) == 1


def test_yesterdays_code_is_refused(client, member_user, member_person, meeting):
    Participant.objects.create(meeting=meeting, kind="member", member=member_person)
    yesterday = timezone.localdate() - timedelta(days=1)
    stale = checkin_url(meeting, yesterday)
    assert stale != checkin_url(meeting)
    page = Client().get(stale)
    assert page.status_code == 410 and 'name="name"' not in page.content.decode()
    sent = Client().post(stale, {"step": "send", "name": "李大爷", "phone": "13900001111"})
    assert sent.status_code == 410 and not LocmemBackend.outbox
    client.force_login(member_user)
    assert client.post(stale).status_code == 410
    assert not Participant.objects.filter(checked_in_at__isnull=False).exists()
    assert client.post(checkin_url(meeting)).status_code == 302  # today's code works


def test_the_staff_page_shows_todays_code_and_a_new_code_stops_the_old_one(client, office, meeting):
    client.force_login(office)
    html = client.get(f"/staff/meetings/{meeting.pk}/").content.decode()
    today = checkin_url(meeting)
    assert today in html and meeting.checkin_token not in html
    response = client.post(f"/staff/meetings/{meeting.pk}/checkins/new-code/")
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert Client().get(today).status_code == 410  # the photographed code
    assert checkin_url(meeting) in client.get(f"/staff/meetings/{meeting.pk}/").content.decode()
    assert AuditEntry.objects.filter(action="checkin_code_replace").count() == 1


def test_a_made_up_code_is_404(client, meeting):
    assert client.get(f"/meetings/checkin/{meeting.pk}-aaaaaaaaaaaaaaaa/").status_code == 410
    assert client.get("/meetings/checkin/999999-aaaaaaaaaaaaaaaa/").status_code == 404
    assert client.get(f"/meetings/checkin/{meeting.checkin_token}/").status_code == 404  # the secret is no code


def test_staff_strike_a_check_in_with_a_reason(client, office, member_user, member_person, meeting):
    Participant.objects.create(meeting=meeting, kind="member", member=member_person)
    member = Client()
    member.force_login(member_user)
    member.post(checkin_url(meeting))
    participant = meeting.participants.get()
    assert _attended(member_person) == 1
    client.force_login(office)
    url = f"/staff/meetings/{meeting.pk}/checkins/strike/"
    refused = client.post(url, {"participant": participant.pk, f"strike-{participant.pk}-reason": ""})
    assert refused.status_code == 400
    assert _("Say why this check-in is struck.") in refused.content.decode()
    done = client.post(url, {"participant": participant.pk, f"strike-{participant.pk}-reason": "本人未到场，代签"})
    assert done.status_code == 302
    participant.refresh_from_db()
    assert participant.struck_at and participant.struck_by == office and participant.checked_in_at
    assert _attended(member_person) == 0
    page = client.get(f"/staff/meetings/{meeting.pk}/checkins/").content.decode()
    assert "本人未到场，代签" in page and 'data-counts="0"' in page
    entry = AuditEntry.objects.get(action="checkin_strike")
    assert entry.after["strike_reason"] == "本人未到场，代签" and entry.actor == office


def test_staff_check_someone_in_at_the_door(client, office, meeting):
    client.force_login(office)
    url = f"/staff/meetings/{meeting.pk}/checkins/door/"
    bad = client.post(url, {"door-name": "王大妈", "door-kind": "resident", "door-phone": "12345"})
    assert bad.status_code == 400 and "请输入 11 位手机号码" in bad.content.decode()
    assert 'value="王大妈"' in bad.content.decode()
    assert client.post(url, {"door-name": "王大妈", "door-kind": "resident", "door-phone": ""}).status_code == 302
    entered = meeting.participants.get()
    assert (entered.name, entered.checkin_method, entered.counts_as_checked_in) == ("王大妈", "staff", True)
    assert AuditEntry.objects.filter(action="checkin_door").exists()
    assert _counted(client, office, meeting) == 1


def test_readers_see_check_ins_but_cannot_strike(client, leader, meeting):
    resident_checks_in(Client(), meeting, "李大爷", "13900001111")
    participant = meeting.participants.get()
    client.force_login(leader)
    assert client.get(f"/staff/meetings/{meeting.pk}/checkins/").status_code == 200
    url = f"/staff/meetings/{meeting.pk}/checkins/strike/"
    assert client.post(url, {"participant": participant.pk, f"strike-{participant.pk}-reason": "x"}).status_code == 403


def test_the_check_in_list_uses_the_same_queries_at_two_sizes(client, office, meeting):
    def add(n):
        for k in range(n):
            member = MemberFactory()
            Participant.objects.create(meeting=meeting, kind="member", member=member, checked_in_at=timezone.now())
            Participant.objects.create(
                meeting=meeting, kind="resident", name=f"村民{k}", checked_in_at=timezone.now(), checkin_method="sms"
            )

    client.force_login(office)
    add(2)
    client.get(f"/staff/meetings/{meeting.pk}/checkins/")
    with CaptureQueriesContext(connection) as small:
        client.get(f"/staff/meetings/{meeting.pk}/checkins/")
    add(10)
    with CaptureQueriesContext(connection) as large:
        html = client.get(f"/staff/meetings/{meeting.pk}/checkins/").content.decode()
    assert html.count("<tr data-participant=") == 24
    assert len(large.captured_queries) == len(small.captured_queries)


def test_the_day_token_changes_with_the_day_and_the_secret(meeting):
    today = timezone.localdate()
    assert day_token(meeting, today) != day_token(meeting, today + timedelta(days=1))
    assert day_token(meeting, today).startswith(f"{meeting.pk}-")


def test_a_name_lost_between_the_steps_is_said_at_the_top(meeting):
    visitor = Client()
    visitor.post(checkin_url(meeting), {"step": "send", "name": "李大爷", "phone": "13900001111"})
    data = {"step": "code", "name": "", "phone": "13900001111", "code": "123456"}
    response = visitor.post(checkin_url(meeting), data)
    assert response.status_code == 400 and not meeting.participants.exists()
    assert _("The name or number from the first step could not be read. Start again.") in response.content.decode()
