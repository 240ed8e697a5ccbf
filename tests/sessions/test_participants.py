from datetime import timedelta

import pytest
import time_machine
from django.test import Client
from django.utils import timezone

from consult_portal.models import AuditEntry
from sessions.models import Participant
from tests.factories import MeetingFactory
from tests.sessions.checkin_helpers import checkin_url, resident_checks_in


def test_staff_find_members_by_expertise_and_invite_them(client, office, platform_a, lawyer, member_person, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    client.force_login(office)
    html = client.get(f"/staff/meetings/{meeting.pk}/", {"expertise": "法律"}).content.decode()
    # Found by the finder (the list to choose by name beside it holds every member).
    assert f'id="member-{lawyer.pk}"' in html and f'id="member-{member_person.pk}"' not in html
    client.post(f"/staff/meetings/{meeting.pk}/invite-members/", {"members": [lawyer.pk]})
    client.post(f"/staff/meetings/{meeting.pk}/invite-members/", {"members": [lawyer.pk]})  # twice: once
    assert meeting.participants.filter(member=lawyer).count() == 1


def test_departments_residents_and_experts_are_invited_by_name(client, office, platform_a, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    client.force_login(office)
    bad = client.post(f"/staff/meetings/{meeting.pk}/invite-other/", {"other-kind": "department", "other-name": ""})
    assert bad.status_code == 400
    client.post(
        f"/staff/meetings/{meeting.pk}/invite-other/",
        {"other-kind": "resident", "other-name": "李大爷", "other-organisation": "", "other-phone": "13900001111"},
    )
    resident = meeting.participants.get(kind="resident")
    assert resident.name == "李大爷"
    html = client.get(f"/staff/meetings/{meeting.pk}/").content.decode()
    assert "139****1111" in html and "13900001111" not in html


def test_a_member_answers_an_invitation_from_their_workspace(client, member_user, member_person, platform_a, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1], title="路灯协商会")
    invitation = Participant.objects.create(meeting=meeting, kind="member", member=member_person)
    client.force_login(member_user)
    assert "路灯协商会" in client.get("/members/me/").content.decode()
    response = client.post(f"/members/me/invitations/{invitation.pk}/answer/", {"response": "yes"})
    assert response["Location"] == "/members/me/"
    invitation.refresh_from_db()
    assert invitation.response == "yes"


def test_a_member_cannot_answer_someone_elses_invitation(client, member_user, lawyer, platform_a, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    other = Participant.objects.create(meeting=meeting, kind="member", member=lawyer)
    client.force_login(member_user)
    assert client.post(f"/members/me/invitations/{other.pk}/answer/", {"response": "no"}).status_code == 404
    other.refresh_from_db()
    assert other.response == "pending"


def test_an_invited_member_checks_in_with_one_tap(client, member_user, member_person, platform_a):
    start = timezone.now() + timedelta(minutes=30)
    meeting = MeetingFactory(platform=platform_a, starts_at=start, ends_at=start + timedelta(hours=2))
    Participant.objects.create(meeting=meeting, kind="member", member=member_person)
    client.force_login(member_user)
    url = checkin_url(meeting)
    assert member_person.name in client.get(url).content.decode()
    assert client.post(url).status_code == 302
    first = meeting.participants.get(member=member_person).checked_in_at
    client.post(url)  # a second tap keeps the first time
    participant = meeting.participants.get(member=member_person)
    assert participant.checked_in_at == first and participant.checkin_method == "login"


def test_a_resident_checks_in_with_name_and_phone(platform_a):
    start = timezone.now() - timedelta(minutes=10)
    meeting = MeetingFactory(platform=platform_a, starts_at=start, ends_at=start + timedelta(hours=2))
    resident = Client()
    bad = resident.post(checkin_url(meeting), {"step": "send", "name": "", "phone": "123"})
    html = bad.content.decode()
    assert bad.status_code == 400 and "请输入 11 位手机号码" in html and 'value="123"' in html
    assert resident_checks_in(resident, meeting, "李大爷", "13900001111").status_code == 302
    participant = meeting.participants.get()
    assert (participant.kind, participant.name, participant.invited) == ("resident", "李大爷", False)
    assert participant.checked_in_at is not None and participant.checkin_method == "sms"


def test_check_in_is_closed_outside_the_meeting_day(platform_a, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    data = {"step": "send", "name": "李大爷", "phone": "13900001111"}
    with time_machine.travel(soon[0] - timedelta(hours=3)):
        response = Client().post(checkin_url(meeting), data)
    assert response.status_code == 400
    assert not meeting.participants.exists()
    with time_machine.travel(soon[0] - timedelta(minutes=5)):
        assert resident_checks_in(Client(), meeting, "李大爷", "13900001111").status_code == 302


def test_an_unknown_check_in_code_is_404(client, db):
    assert client.get("/meetings/checkin/not-a-token/").status_code == 404


def test_staff_mark_attendance_by_hand(client, office, platform_a, lawyer, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    invitation = Participant.objects.create(meeting=meeting, kind="member", member=lawyer)
    client.force_login(office)
    client.post(f"/staff/meetings/{meeting.pk}/attendance/", {"participant": invitation.pk, "present": "1"})
    invitation.refresh_from_db()
    assert invitation.checked_in_at is not None
    client.post(f"/staff/meetings/{meeting.pk}/attendance/", {"participant": invitation.pk, "present": "0"})
    invitation.refresh_from_db()
    assert invitation.checked_in_at is None


def test_the_staff_meeting_list_uses_the_same_queries_at_two_sizes(
    client, office, platform_a, lawyer, django_assert_max_num_queries
):
    def fill(n):
        for _ in range(n):
            meeting = MeetingFactory(platform=platform_a, starts_at=timezone.now() + timedelta(days=len(str(n))))
            Participant.objects.create(meeting=meeting, kind="resident", name="村民")

    client.force_login(office)
    fill(2)
    with django_assert_max_num_queries(20) as small:
        assert client.get("/staff/meetings/").status_code == 200
    fill(12)
    with django_assert_max_num_queries(20) as large:
        assert client.get("/staff/meetings/").status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)


def test_the_liaison_list_shows_their_town_only(client, liaison_a, platform_a, platform_b):
    MeetingFactory(platform=platform_a, title="甲镇的会")
    MeetingFactory(platform=platform_b, title="乙镇的会")
    client.force_login(liaison_a)
    html = client.get("/staff/meetings/").content.decode()
    assert "甲镇的会" in html and "乙镇的会" not in html


def test_staff_record_the_answer_of_a_department(client, office, platform_a, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    department = Participant.objects.create(meeting=meeting, kind="department", name="交通局", organisation="县交通局")
    client.force_login(office)
    client.post(f"/staff/meetings/{meeting.pk}/respond/", {"participant": department.pk, "response": "yes"})
    department.refresh_from_db()
    assert department.response == "yes"


def test_attendance_feeds_the_members_record(client, member_user, member_person, platform_a):
    start = timezone.now() - timedelta(minutes=10)
    meeting = MeetingFactory(
        platform=platform_a, starts_at=start, ends_at=start + timedelta(hours=2), title="已参加的会"
    )
    Participant.objects.create(meeting=meeting, kind="member", member=member_person)
    client.force_login(member_user)
    assert "已参加的会" not in client.get("/members/me/").content.decode().split('id="my-attended"')[1]
    client.post(checkin_url(meeting))
    html = client.get("/members/me/").content.decode()
    assert f'data-attended="{meeting.pk}"' in html


TYPED_MOBILES = ["138 0000-1234", "+86 13800001234"]


def _block(html: str, field_id: str) -> str:
    """The markup of one field's wrapper, up to the next field."""
    start = html.index(f'id="div_id_{field_id}"')
    following = html.find('id="div_id_', start + 10)
    return html[start : following if following != -1 else len(html)]


def test_an_other_participant_whose_phone_is_no_mobile_is_refused_beside_the_field(client, office, platform_a, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    client.force_login(office)
    response = client.post(
        f"/staff/meetings/{meeting.pk}/invite-other/",
        {"other-kind": "resident", "other-name": "李大爷", "other-organisation": "甲一村", "other-phone": "abc"},
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "请输入 11 位手机号码" in _block(html, "other-phone")
    assert 'value="李大爷"' in html and 'value="甲一村"' in html and 'value="abc"' in html
    assert not meeting.participants.exists()
    assert not AuditEntry.objects.filter(action="participant_invite").exists()


@pytest.mark.parametrize("typed", TYPED_MOBILES)
def test_an_other_participants_mobile_is_stored_as_its_11_digits(client, office, platform_a, soon, typed):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    client.force_login(office)
    client.post(
        f"/staff/meetings/{meeting.pk}/invite-other/",
        {"other-kind": "resident", "other-name": "李大爷", "other-organisation": "", "other-phone": typed},
    )
    assert meeting.participants.get().phone == "13800001234"


@pytest.mark.parametrize("typed", TYPED_MOBILES)
def test_a_resident_checks_in_with_a_mobile_stored_as_its_11_digits(platform_a, typed):
    start = timezone.now() - timedelta(minutes=10)
    meeting = MeetingFactory(platform=platform_a, starts_at=start, ends_at=start + timedelta(hours=2))
    assert resident_checks_in(Client(), meeting, "李大爷", typed).status_code == 302
    assert meeting.participants.get().phone == "13800001234"


def test_an_invited_resident_is_found_at_check_in_however_the_phone_was_typed(client, office, platform_a):
    start = timezone.now() - timedelta(minutes=10)
    meeting = MeetingFactory(platform=platform_a, starts_at=start, ends_at=start + timedelta(hours=2))
    client.force_login(office)
    client.post(
        f"/staff/meetings/{meeting.pk}/invite-other/",
        {"other-kind": "resident", "other-name": "李大爷", "other-organisation": "", "other-phone": "138 0000-1234"},
    )
    assert resident_checks_in(Client(), meeting, "李大爷", "13800001234").status_code == 302
    resident = meeting.participants.get()  # the invitation, not a second resident
    assert (resident.invited, resident.checked_in_at is not None) == (True, True)
