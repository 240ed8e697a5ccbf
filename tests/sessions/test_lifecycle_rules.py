"""The meeting's lifecycle rules, checked in the services so every path obeys: nothing scheduled or moved into the
past, research dated before the meeting and not in the future, and no notice without research or a reason for
going ahead without (不调研不协商)."""

from datetime import date, timedelta

import lxml.html
import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.utils import timezone

from sessions import rules, services, services_research
from sessions.models import Meeting, Research
from tests.factories import MeetingFactory


def _local(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


def _post(client, meeting, action, data=None):
    return client.post(f"/staff/meetings/{meeting.pk}/{action}/", data or {})


def _field_errors(response, name: str) -> list[str]:
    """The error texts shown beside the field named `name` in the page."""
    page = lxml.html.fromstring(response.content.decode())
    blocks = page.xpath(f'//div[starts-with(@id, "div_id_")][.//*[@name="{name}"]]')
    return [node.text_content().strip() for block in blocks for node in block.xpath('.//*[@class="invalid-feedback"]')]


def _codes(error: ValidationError) -> set[str]:
    return {e.code for errors in error.error_dict.values() for e in errors}


@pytest.fixture
def past():
    start = (timezone.localtime() - timedelta(days=1)).replace(hour=9, minute=0, second=0, microsecond=0)
    return start, start + timedelta(hours=2)


# -- no scheduling or moving into the past ---------------------------------------------------------------------


def test_a_meeting_cannot_be_scheduled_in_the_past(office, platform_a, accepted_topic, past):
    with pytest.raises(ValidationError) as refused:
        services.meeting_schedule(
            title="补开", platform=platform_a, starts_at=past[0], ends_at=past[1], by=office, topics=[accepted_topic]
        )
    assert _codes(refused.value) == {"in_past"}
    assert not Meeting.objects.exists()


def test_the_schedule_form_says_so_beside_the_start(client, liaison_a, platform_a, accepted_topic, past):
    client.force_login(liaison_a)
    data = {
        "title": "补开的会",
        "platform": platform_a.pk,
        "topics": [accepted_topic.pk],
        "form": "meeting",
        "starts_at": _local(past[0]),
        "ends_at": _local(past[1]),
    }
    response = client.post("/staff/meetings/new/", data)
    assert response.status_code == 400
    assert _field_errors(response, "starts_at") == [str(rules.PAST_REFUSED)]
    assert not Meeting.objects.exists()


def test_a_meeting_cannot_be_moved_into_the_past(client, office, platform_a, soon, past):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    with pytest.raises(ValidationError) as refused:
        services.meeting_reschedule(meeting=meeting, starts_at=past[0], ends_at=past[1], by=office)
    assert _codes(refused.value) == {"in_past"}
    client.force_login(office)
    response = _post(
        client,
        meeting,
        "reschedule",
        {"reschedule-starts_at": _local(past[0]), "reschedule-ends_at": _local(past[1]), "reschedule-reason": "改期"},
    )
    assert response.status_code == 400
    assert _field_errors(response, "reschedule-starts_at") == [str(rules.PAST_REFUSED)]
    meeting.refresh_from_db()
    assert (meeting.starts_at, meeting.transitions.count()) == (soon[0], 0)
    later = soon[0] + timedelta(days=1)  # a time still to come is fine
    services.meeting_reschedule(meeting=meeting, starts_at=later, ends_at=later + timedelta(hours=2), by=office)
    meeting.refresh_from_db()
    assert meeting.starts_at == later


def test_a_postponed_meeting_cannot_be_announced_again_for_a_past_time(office, platform_a, soon, past):
    meeting = MeetingFactory(
        platform=platform_a, starts_at=soon[0], ends_at=soon[1], status="postponed", status_reason="雨"
    )
    Research.objects.create(meeting=meeting, date=timezone.localdate(), kind="visit", findings="走访")
    with pytest.raises(ValidationError) as refused:
        services.meeting_transition(
            meeting=meeting, to_status="published", by=office, starts_at=past[0], ends_at=past[1]
        )
    assert _codes(refused.value) == {"in_past"}
    meeting.refresh_from_db()
    assert (meeting.status, meeting.starts_at) == ("postponed", soon[0])


def test_a_story_replayed_as_of_its_own_day_may_schedule_what_was_then_to_come(office, platform_a, past):
    """The demo builder's path: the rule judges "the past" as of the replayed moment, not as of today."""
    with rules.as_of(past[0] - timedelta(days=14)):
        meeting = services.meeting_schedule(
            title="两周前排定的会", platform=platform_a, starts_at=past[0], ends_at=past[1], by=office
        )
    assert meeting.starts_at == past[0]
    with pytest.raises(ValidationError):  # and only inside the replay
        services.meeting_schedule(title="又一次", platform=platform_a, starts_at=past[0], ends_at=past[1], by=office)


# -- research before the meeting ---------------------------------------------------------------------------------


def test_research_cannot_be_dated_in_the_future(office, platform_a, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    with pytest.raises(ValidationError) as refused:
        services_research.research_add(
            by=office, meeting=meeting, date_=timezone.localdate() + timedelta(days=1), kind="visit", findings="走访"
        )
    assert _codes(refused.value) == {"research_in_future"}
    assert not meeting.research.exists()


def test_research_cannot_be_dated_after_the_meeting(office, platform_a):
    start = timezone.now() - timedelta(days=3)
    meeting = MeetingFactory(platform=platform_a, starts_at=start, ends_at=start + timedelta(hours=2), status="held")
    with pytest.raises(ValidationError) as refused:
        services_research.research_add(
            by=office, meeting=meeting, date_=timezone.localdate(), kind="visit", findings="会后补记的走访"
        )
    assert _codes(refused.value) == {"research_after_meeting"}
    services_research.research_add(
        by=office, meeting=meeting, date_=timezone.localdate(start), kind="visit", findings="会前当天的走访"
    )
    assert meeting.research.count() == 1


def test_the_research_form_says_so_beside_the_date(client, liaison_a, platform_a, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    client.force_login(liaison_a)
    tomorrow = timezone.localdate() + timedelta(days=1)
    response = _post(
        client,
        meeting,
        "research",
        {"research-date": tomorrow.isoformat(), "research-kind": "visit", "research-findings": "还没去"},
    )
    assert response.status_code == 400
    assert _field_errors(response, "research-date") == [str(rules.RESEARCH_IN_FUTURE)]
    assert not meeting.research.exists()


def test_research_on_a_topic_alone_cannot_be_dated_in_the_future(office, accepted_topic):
    with time_machine.travel(timezone.make_aware(timezone.datetime(2026, 3, 1, 10)), tick=False):
        with pytest.raises(ValidationError):
            services_research.research_add(
                by=office, topic=accepted_topic, date_=date(2026, 3, 2), kind="visit", findings="走访"
            )
        services_research.research_add(
            by=office, topic=accepted_topic, date_=date(2026, 3, 1), kind="visit", findings="走访"
        )
    assert accepted_topic.research.count() == 1


# -- 不调研不协商: no notice without research or a reason -------------------------------------------------------


def test_a_notice_cannot_be_published_with_neither_research_nor_reason(client, office, platform_a, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1], status="planned")
    with pytest.raises(ValidationError) as refused:
        services.meeting_transition(meeting=meeting, to_status="published", by=office)
    assert _codes(refused.value) == {"no_research"}
    client.force_login(office)
    page = client.get(f"/staff/meetings/{meeting.pk}/").content.decode()
    assert 'name="publish-no_research_reason"' in page  # the publish action asks for the reason
    response = _post(client, meeting, "publish", {"publish-no_research_reason": ""})
    assert response.status_code == 400
    assert _field_errors(response, "publish-no_research_reason") == [str(rules.NOTICE_NEEDS_RESEARCH)]
    meeting.refresh_from_db()
    assert (meeting.status, meeting.transitions.count()) == ("planned", 0)
    # Once the research is recorded, the notice is published with one click.
    Research.objects.create(meeting=meeting, date=timezone.localdate(), kind="visit", findings="走访12户")
    page = client.get(f"/staff/meetings/{meeting.pk}/").content.decode()
    assert 'data-action="publish"' in page and 'name="publish-no_research_reason"' not in page
    assert _post(client, meeting, "publish").status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.no_research_reason) == ("published", "")


def test_a_notice_without_research_keeps_its_reason_and_holding_asks_no_more(client, office, platform_a, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1], status="planned")
    client.force_login(office)
    response = _post(client, meeting, "publish", {"publish-no_research_reason": "群众反映集中,需尽快协商"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.no_research_reason) == ("published", "群众反映集中,需尽快协商")
    assert "群众反映集中,需尽快协商" in client.get(f"/staff/meetings/{meeting.pk}/").content.decode()
    with time_machine.travel(soon[0] + timedelta(minutes=10)):
        client.force_login(office)
        assert _post(client, meeting, "hold", {"hold-no_research_reason": ""}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "held"


def test_a_postponed_meeting_is_announced_again_only_after_research_or_with_a_reason(office, platform_a, soon):
    meeting = MeetingFactory(
        platform=platform_a, starts_at=soon[0], ends_at=soon[1], status="postponed", status_reason="雨"
    )
    with pytest.raises(ValidationError):
        services.meeting_transition(meeting=meeting, to_status="published", by=office)
    services.meeting_publish(meeting=meeting, by=office, no_research_reason="前期已多次走访")
    meeting.refresh_from_db()
    assert (meeting.status, meeting.no_research_reason) == ("published", "前期已多次走访")
