"""Holding a meeting is one step: the no-research reason is kept only when the meeting is marked held (#12)."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consult_portal.models import AuditEntry
from sessions import services
from sessions.models import Meeting, MeetingTransition, Research
from tests.factories import MeetingFactory, TopicFactory

REASON = "突发事项,群众要求当天协商"


def _hold(client, meeting, reason=REASON):
    return client.post(f"/staff/meetings/{meeting.pk}/hold/", {"hold-no_research_reason": reason})


def _started(platform, **fields):
    start = timezone.now() - timedelta(minutes=30)
    return MeetingFactory(platform=platform, starts_at=start, ends_at=start + timedelta(hours=2), **fields)


def _assert_nothing_written(meeting, status="published"):
    meeting.refresh_from_db()
    assert (meeting.status, meeting.no_research_reason) == (status, "")
    assert not MeetingTransition.objects.filter(meeting=meeting).exists()
    assert not AuditEntry.objects.exclude(action="login").exists()


def test_it_keeps_no_reason_when_a_meeting_is_held_before_it_starts(client, office, platform_a, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    client.force_login(office)
    response = _hold(client, meeting)
    assert response.status_code == 400
    assert "协商会开始前不能标记为已召开" in response.content.decode()
    _assert_nothing_written(meeting)


@pytest.mark.parametrize("status", ["planned", "cancelled", "recorded"])
def test_it_keeps_no_reason_when_the_meeting_cannot_be_held_from_its_status(client, office, platform_a, status):
    meeting = _started(platform_a, status=status, status_reason="问题已解决" if status == "cancelled" else "")
    client.force_login(office)
    assert _hold(client, meeting).status_code == 400
    _assert_nothing_written(meeting, status=status)


def test_it_writes_nothing_when_neither_research_nor_a_reason_is_given(client, office, platform_a):
    meeting = _started(platform_a)
    client.force_login(office)
    assert _hold(client, meeting, reason="").status_code == 400
    _assert_nothing_written(meeting)


def test_the_service_refuses_a_future_meeting_before_writing_anything(office, platform_a, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    with pytest.raises(ValidationError):
        services.meeting_hold(meeting=meeting, by=office, no_research_reason=REASON)
    _assert_nothing_written(meeting)


def test_holding_with_a_reason_keeps_it_marks_the_meeting_held_and_its_topics_consulted(
    client, office, platform_a, accepted_topic
):
    meeting = _started(platform_a)
    meeting.topics.add(accepted_topic)
    client.force_login(office)
    assert _hold(client, meeting).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.no_research_reason) == (Meeting.Status.HELD, REASON)
    assert list(meeting.transitions.values_list("from_status", "to_status")) == [("published", "held")]
    actions = list(AuditEntry.objects.exclude(action="login").order_by("id").values_list("action", flat=True))
    assert actions == ["meeting_no_research_reason", "meeting_held", "topic_consult"]
    accepted_topic.refresh_from_db()
    assert accepted_topic.status == "consulted"


def test_holding_after_research_needs_no_reason(office, platform_a, town_a):
    meeting = _started(platform_a)
    meeting.topics.add(TopicFactory(town=town_a, status="planned"))
    Research.objects.create(meeting=meeting, date=date.today(), kind="visit", findings="走访12户")
    held = services.meeting_hold(meeting=meeting, by=office, no_research_reason="  ")
    assert (held.status, held.no_research_reason) == ("held", "")
    assert not AuditEntry.objects.filter(action="meeting_no_research_reason").exists()
