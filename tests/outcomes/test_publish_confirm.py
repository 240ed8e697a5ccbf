"""Publishing a handling result asks first: "publish?", with what goes public and who is told; only that page's
POST publishes."""

from datetime import timedelta

import lxml.html
import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from outcomes import services
from tests.factories import MeetingFactory, MemberFactory, PlatformFactory, TopicFactory, UserFactory


@pytest.fixture
def closed_item(office, unit, town_a, village_a):
    start = timezone.now() - timedelta(days=2)
    meeting = MeetingFactory(
        platform=PlatformFactory(area=village_a, level="village"),
        status="recorded",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    topic = TopicFactory(
        town=town_a, status="consulted", submitter_phone="13812345678", consent_at=timezone.now()
    )
    item = services.outcome_hand_over(
        meeting=meeting,
        topic=topic,
        text="更换村口主干道路灯",
        unit=unit,
        contact_name="王科长",
        deadline=timezone.localdate() + timedelta(days=30),
        by=office,
        supervisors=[MemberFactory(name="赵委员", user=UserFactory(username="zhao", role="member"))],
    )
    services.outcome_answer(item=item, answer="已更换路灯12盏", status="implemented", reason="", by=office)
    return services.outcome_accept(item=item, by=office)


def test_the_item_page_leads_to_a_confirmation_that_says_what_and_who(client, office, closed_item):
    client.force_login(office)
    item_page = lxml.html.fromstring(client.get(f"/staff/outcomes/{closed_item.pk}/").content.decode())
    [publish] = item_page.xpath("//*[@data-action='publish']")
    assert publish.tag == "a"
    page = lxml.html.fromstring(client.get(publish.get("href")).content.decode())
    text = page.text_content()
    assert "更换村口主干道路灯" in text and "已更换路灯12盏" in text
    assert page.xpath("//*[@data-told-residents='1']") and "赵委员" in text
    closed_item.refresh_from_db()
    assert closed_item.published_at is None  # looking is not publishing


def test_confirming_publishes_the_result_and_names_it(client, office, closed_item):
    client.force_login(office)
    response = client.post(f"/staff/outcomes/{closed_item.pk}/publish/")
    assert response.status_code == 302
    closed_item.refresh_from_db()
    assert closed_item.published_at is not None
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert "更换村口主干道路灯" in message
