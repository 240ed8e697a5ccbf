from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError

from consult_portal.models import AuditEntry
from sessions import services
from sessions.models import Meeting, Participant
from tests.factories import MeetingFactory


def _form(platform, topic, start, end, **extra):
    return {
        "title": "路灯改造协商会",
        "platform": platform.pk,
        "topics": [topic.pk],
        "form": "on_site",
        "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
        "ends_at": end.strftime("%Y-%m-%dT%H:%M"),
        "place": "",
        "host": "张主任",
        "organiser": "甲镇政协联络站",
        "how_to_take_part": "村民可直接到场",
        **extra,
    }


def test_staff_schedule_a_meeting_for_an_accepted_topic(client, liaison_a, platform_a, accepted_topic, soon):
    client.force_login(liaison_a)
    response = client.post("/staff/meetings/new/", _form(platform_a, accepted_topic, *soon))
    meeting = Meeting.objects.get()
    assert response["Location"] == f"/staff/meetings/{meeting.pk}/"
    assert (meeting.status, meeting.place, list(meeting.topics.all())) == (
        "planned",
        "甲一村村委会二楼",
        [accepted_topic],
    )
    assert meeting.transitions.get().actor == liaison_a
    assert AuditEntry.objects.filter(action="meeting_schedule", actor=liaison_a).exists()


def test_the_same_platform_cannot_be_booked_twice_at_overlapping_times(
    client, office, platform_a, accepted_topic, soon
):
    start, end = soon
    MeetingFactory(
        platform=platform_a, title="已有的会", starts_at=start + timedelta(hours=1), ends_at=end + timedelta(hours=1)
    )
    client.force_login(office)
    response = client.post("/staff/meetings/new/", _form(platform_a, accepted_topic, start, end))
    html = response.content.decode()
    assert response.status_code == 400
    assert "已有的会" in html and 'value="路灯改造协商会"' in html
    assert Meeting.objects.count() == 1


def test_back_to_back_meetings_and_cancelled_ones_do_not_clash(office, platform_a, accepted_topic, soon):
    start, end = soon
    MeetingFactory(platform=platform_a, starts_at=start - timedelta(hours=2), ends_at=start)
    MeetingFactory(platform=platform_a, starts_at=start, ends_at=end, status="cancelled", status_reason="改期")
    services.meeting_schedule(title="新会", platform=platform_a, starts_at=start, ends_at=end, by=office)
    assert Meeting.objects.filter(title="新会").exists()


def test_moving_a_meeting_onto_a_booked_time_is_refused(office, platform_a, soon):
    start, end = soon
    MeetingFactory(platform=platform_a, starts_at=start, ends_at=end)
    other = MeetingFactory(platform=platform_a, starts_at=start + timedelta(days=1), ends_at=end + timedelta(days=1))
    with pytest.raises(ValidationError) as refused:
        services.meeting_reschedule(meeting=other, starts_at=start, ends_at=end, by=office)
    assert refused.value.code == "platform_booked"


def test_a_member_booked_elsewhere_is_a_warning_not_a_refusal(client, office, platform_a, platform_b, lawyer, soon):
    start, end = soon
    elsewhere = MeetingFactory(platform=platform_b, starts_at=start, ends_at=end)
    Participant.objects.create(meeting=elsewhere, kind="member", member=lawyer)
    meeting = MeetingFactory(platform=platform_a, starts_at=start + timedelta(minutes=30), ends_at=end)
    client.force_login(office)
    response = client.post(f"/staff/meetings/{meeting.pk}/invite-members/", {"members": [lawyer.pk]}, follow=True)
    assert meeting.participants.filter(member=lawyer).exists()
    assert any("王律师" in str(m) for m in response.context["messages"])


def test_the_end_must_follow_the_start(client, office, platform_a, accepted_topic, soon):
    start, end = soon
    client.force_login(office)
    response = client.post("/staff/meetings/new/", _form(platform_a, accepted_topic, end, start))
    assert response.status_code == 400
    assert Meeting.objects.count() == 0


def test_only_accepted_or_planned_topics_can_be_scheduled(client, office, platform_a, town_a, soon):
    from tests.factories import TopicFactory

    submitted = TopicFactory(town=town_a, status="submitted")
    client.force_login(office)
    response = client.post("/staff/meetings/new/", _form(platform_a, submitted, *soon))
    assert response.status_code == 400
    assert Meeting.objects.count() == 0


def test_town_staff_only_schedule_at_their_towns_platforms(client, liaison_a, platform_b, accepted_topic, soon):
    client.force_login(liaison_a)
    response = client.post("/staff/meetings/new/", _form(platform_b, accepted_topic, *soon))
    assert response.status_code == 400
    assert Meeting.objects.count() == 0


def test_town_staff_cannot_open_another_towns_meeting(client, liaison_a, platform_b):
    meeting = MeetingFactory(platform=platform_b)
    client.force_login(liaison_a)
    assert client.get(f"/staff/meetings/{meeting.pk}/").status_code == 404
    assert client.post(f"/staff/meetings/{meeting.pk}/publish/").status_code == 404


@pytest.mark.parametrize("persona", ["member", "unit"])
def test_members_and_units_cannot_reach_the_meeting_back_office(client, personas, persona, platform_a):
    meeting = MeetingFactory(platform=platform_a)
    client.force_login(personas[persona])
    for url in ("/staff/meetings/", "/staff/meetings/new/", f"/staff/meetings/{meeting.pk}/"):
        assert client.get(url).status_code == 403


def test_leaders_read_but_do_not_act(client, leader, platform_a):
    meeting = MeetingFactory(platform=platform_a, status="planned")
    client.force_login(leader)
    assert client.get(f"/staff/meetings/{meeting.pk}/").status_code == 200
    assert client.post(f"/staff/meetings/{meeting.pk}/publish/").status_code == 403
    assert client.get("/staff/meetings/new/").status_code == 403
