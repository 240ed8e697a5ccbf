"""Screens that say what happened: each success message names the object and the change, never a bare "Saved.",
and no message is shown twice on a page."""

from datetime import timedelta

import lxml.html
import pytest
from django.contrib.messages import get_messages
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from outcomes import services as outcome_services
from sessions.models import Participant
from tests.factories import MeetingFactory, MemberFactory, PlatformFactory, TopicFactory

SAVED = "Saved."


def _said(response) -> list[str]:
    return [str(message) for message in get_messages(response.wsgi_request)]


def _one_said(response) -> str:
    [message] = _said(response)
    assert message not in (SAVED, _(SAVED))
    return message


def _shown(html: str, text: str) -> int:
    """How many times the page's visible text says `text`."""
    return lxml.html.fromstring(html).text_content().count(text)


def _handed_over(office, unit, village, text, deadline):
    """An item handed to `unit` from a meeting held two days ago in `village`."""
    start = timezone.now() - timedelta(days=2)
    meeting = MeetingFactory(
        platform=PlatformFactory(area=village, level="village"),
        status="recorded",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    return outcome_services.outcome_hand_over(
        meeting=meeting, text=text, unit=unit, contact_name="王科长", deadline=deadline, by=office
    )


# -- each message names the object and the change ---------------------------------------------------------------


def test_a_topic_action_names_the_topic(client, office, town_a):
    topic = TopicFactory(town=town_a, title="村口路灯改造", status="submitted")
    client.force_login(office)
    response = client.post(f"/staff/topics/{topic.pk}/accept/", {"accept-public_note": "", "accept-internal_note": ""})
    assert response.status_code == 302
    assert "村口路灯改造" in _one_said(response)


def test_inviting_members_says_how_many_and_to_what(client, office, village_a):
    meeting = MeetingFactory(title="村口路灯协商会", platform=PlatformFactory(area=village_a, level="village"))
    members = [MemberFactory(name=f"委员{i}") for i in range(3)]
    client.force_login(office)
    response = client.post(
        f"/staff/meetings/{meeting.pk}/invite-members/", {"members": [m.pk for m in members]}
    )
    assert response.status_code == 302
    message = _one_said(response)
    assert "3" in message and "村口路灯协商会" in message and "委员2" in message


def test_moving_a_meeting_says_to_when(client, office, village_a):
    start = (timezone.localtime() + timedelta(days=4)).replace(hour=9, minute=0, second=0, microsecond=0)
    meeting = MeetingFactory(
        title="村口路灯协商会",
        platform=PlatformFactory(area=village_a, level="village"),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    new_start = start + timedelta(days=1, hours=5)
    client.force_login(office)
    response = client.post(
        f"/staff/meetings/{meeting.pk}/reschedule/",
        {
            "reschedule-starts_at": new_start.strftime("%Y-%m-%dT%H:%M"),
            "reschedule-ends_at": (new_start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "reschedule-reason": "与赶集日冲突",
        },
    )
    message = _one_said(response)
    assert "村口路灯协商会" in message
    assert formats.date_format(new_start, "DATETIME_FORMAT") in message


def test_an_attendance_mark_names_the_person(client, office, village_a):
    meeting = MeetingFactory(platform=PlatformFactory(area=village_a, level="village"))
    person = Participant.objects.create(meeting=meeting, kind="resident", name="李大爷")
    client.force_login(office)
    response = client.post(
        f"/staff/meetings/{meeting.pk}/attendance/", {"participant": person.pk, "present": "1"}
    )
    assert "李大爷" in _one_said(response)


def test_adding_a_topic_to_the_plan_names_the_topic_and_the_year(client, office, town_a):
    year = timezone.localdate().year
    topic = TopicFactory(town=town_a, title="老旧小区加装电梯", status="accepted", year=year)
    client.force_login(office)
    response = client.post(
        f"/staff/plans/{year}/", {"action": "add", "topic": topic.pk, "quarter": 2, "platform_level": "town"}
    )
    message = _one_said(response)
    assert "老旧小区加装电梯" in message and str(year) in message


def test_accepting_an_answer_names_the_item(client, office, village_a, unit):
    item = _handed_over(office, unit, village_a, "更换村口主干道路灯", timezone.localdate() + timedelta(days=30))
    outcome_services.outcome_answer(item=item, answer="已更换", status="implemented", reason="", by=office)
    client.force_login(office)
    response = client.post(f"/staff/outcomes/{item.pk}/accept/")
    assert "更换村口主干道路灯" in _one_said(response)


def test_editing_a_member_names_the_member(client, office):
    member = MemberFactory(name="王律师")
    client.force_login(office)
    page = client.get(f"/staff/members/{member.pk}/edit/")
    form = page.context["form"]
    data = {name: value for name, value in form.initial.items() if value is not None and name in form.fields}
    data = {k: (v.pk if hasattr(v, "pk") else v) for k, v in data.items() if not isinstance(v, list | tuple)}
    response = client.post(f"/staff/members/{member.pk}/edit/", data)
    assert response.status_code == 302, response.context["form"].errors if response.context else ""
    assert "王律师" in _one_said(response)


@pytest.mark.parametrize("url", ["/staff/members/performance/", "/staff/assessment/weights/"])
def test_changing_the_points_says_which_points(client, office, url):
    client.force_login(office)
    form = client.get(url).context["form"]
    response = client.post(url, {name: value for name, value in form.initial.items() if name in form.fields})
    assert response.status_code == 302
    _one_said(response)


# -- nothing said twice ------------------------------------------------------------------------------------------


def test_a_platform_clash_is_said_once(client, office, village_a):
    platform = PlatformFactory(area=village_a, level="village")
    topic = TopicFactory(town=village_a.parent, status="accepted")
    start = (timezone.localtime() + timedelta(days=3)).replace(hour=9, minute=0, second=0, microsecond=0)
    MeetingFactory(platform=platform, title="已有的会", starts_at=start, ends_at=start + timedelta(hours=2))
    client.force_login(office)
    response = client.post(
        "/staff/meetings/new/",
        {
            "title": "新会",
            "platform": platform.pk,
            "topics": [topic.pk],
            "form": "meeting",
            "starts_at": start.strftime("%Y-%m-%dT%H:%M"),
            "ends_at": (start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
        },
    )
    assert response.status_code == 400
    assert _shown(response.content.decode(), "已有的会") == 1


def test_the_rate_limit_of_topics_is_said_once(client, settings, town_a):
    settings.TOPIC_SUBMISSIONS_PER_HOUR = 0
    response = client.post("/topics/suggest/", {"title": "路灯坏了", "town": town_a.pk})
    assert response.status_code == 429
    refusal = response.context["form"].non_field_errors()[0]
    assert _shown(response.content.decode(), refusal) == 1


def test_the_rate_limit_of_the_survey_is_said_once(client, settings, office, village_a, unit):
    item = _handed_over(office, unit, village_a, "修路灯", timezone.localdate())
    outcome_services.outcome_answer(item=item, answer="已修", status="implemented", reason="", by=office)
    outcome_services.outcome_accept(item=item, by=office)
    outcome_services.outcome_publish(item=item, by=office, notify=False)
    settings.SURVEY_RESPONSES_PER_HOUR = 0
    response = client.post(f"/outcomes/{item.pk}/survey/", {"step": "unverified", "rating": "satisfied"})
    assert response.status_code == 429
    refusal = response.context["form"].non_field_errors()[0]
    assert _shown(response.content.decode(), refusal) == 1


def test_the_units_answer_is_confirmed_once(client, office, unit_user, unit, village_a):
    item = _handed_over(office, unit, village_a, "修路灯", timezone.localdate() + timedelta(days=9))
    client.force_login(unit_user)
    response = client.post(
        f"/unit/items/{item.pk}/answer/",
        {"answer-status": "implemented", "answer-answer": "已更换路灯12盏", "answer-reason": ""},
        follow=True,
    )
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content.decode())
    assert not page.xpath("//div[@class='messages']")  # the page itself says it, once
    [said] = page.xpath("//*[@data-answered]")
    assert "已落实" in said.text_content() or "Implemented" in said.text_content()
