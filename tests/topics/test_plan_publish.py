"""Publishing the annual plan asks first: "publish?", with what goes public and who is told; only that page's
POST publishes, and the plan page's own form no longer does."""

import lxml.html
import pytest
from django.contrib.messages import get_messages
from django.utils import timezone

from tests.factories import TopicFactory
from topics import services
from topics.models import ConsultationPlan


@pytest.fixture
def approved(office, town_a):
    year = timezone.localdate().year
    plan = ConsultationPlan.objects.create(year=year)
    with_phone = TopicFactory(
        town=town_a,
        title="老旧小区加装电梯",
        status="accepted",
        year=year,
        submitter_phone="13812345678",
        consent_at=timezone.now(),
    )
    without = TopicFactory(town=town_a, title="农贸市场改造", status="accepted", year=year)
    for quarter, topic in enumerate([with_phone, without], start=1):
        services.plan_add_topic(plan=plan, topic=topic, quarter=quarter, platform_level="town", by=office)
    return services.plan_approve(plan=plan, by=office, approved_by="县政协主席会议", approved_on=timezone.localdate())


def test_the_plan_page_leads_to_a_confirmation_that_says_what_and_who(client, office, approved):
    client.force_login(office)
    plan_page = lxml.html.fromstring(client.get(f"/staff/plans/{approved.year}/").content.decode())
    [publish] = plan_page.xpath("//*[@data-action='publish']")
    assert publish.tag == "a"  # a way to the confirmation, not a button that publishes
    confirm = client.get(publish.get("href"))
    assert confirm.status_code == 200
    page = lxml.html.fromstring(confirm.content.decode())
    text = page.text_content()
    assert "老旧小区加装电梯" in text and "农贸市场改造" in text and "县政协主席会议" in text
    assert page.xpath("//*[@data-told='1']")  # the one resident who left a phone gets an SMS
    approved.refresh_from_db()
    assert approved.status == ConsultationPlan.Status.APPROVED  # looking is not publishing


def test_confirming_publishes_and_says_so(client, office, approved):
    client.force_login(office)
    response = client.post(f"/staff/plans/{approved.year}/publish/")
    assert response.status_code == 302
    approved.refresh_from_db()
    assert approved.status == ConsultationPlan.Status.PUBLISHED
    [message] = [str(m) for m in get_messages(response.wsgi_request)]
    assert str(approved.year) in message and "2" in message


def test_the_plan_page_form_no_longer_publishes_without_asking(client, office, approved):
    client.force_login(office)
    client.post(f"/staff/plans/{approved.year}/", {"action": "publish"})
    approved.refresh_from_db()
    assert approved.status == ConsultationPlan.Status.APPROVED
