from django.utils import timezone

from tests.factories import TopicFactory
from topics.models import ConsultationPlan, Topic


def test_the_plan_goes_from_draft_to_approved_to_published(client, office, leader, town_a):
    year = timezone.localdate().year
    topic = TopicFactory(town=town_a, title="老旧小区加装电梯", status="accepted", year=year)
    client.force_login(office)
    assert client.get(f"/topics/plan/{year}/").status_code == 404
    response = client.post(
        f"/staff/plans/{year}/", {"action": "add", "topic": topic.pk, "quarter": 2, "platform_level": "town"}
    )
    assert response.status_code == 302
    topic.refresh_from_db()
    assert topic.status == Topic.Status.PLANNED
    assert client.get(f"/topics/plan/{year}/").status_code == 404  # not yet public

    client.force_login(leader)
    bad = client.post(
        f"/staff/plans/{year}/", {"action": "approve", "approved_by": "", "approved_on": "", "document_number": ""}
    )
    assert bad.status_code == 400
    client.post(
        f"/staff/plans/{year}/",
        {
            "action": "approve",
            "approved_by": "县政协主席会议",
            "approved_on": f"{year}-02-20",
            "document_number": f"政协〔{year}〕3号",
        },
    )
    plan = ConsultationPlan.objects.get(year=year)
    assert plan.status == ConsultationPlan.Status.APPROVED
    assert client.post(f"/staff/plans/{year}/publish/").status_code == 403  # leaders approve only

    client.force_login(office)
    client.post(f"/staff/plans/{year}/publish/")
    plan.refresh_from_db()
    assert plan.status == ConsultationPlan.Status.PUBLISHED and plan.published_at
    html = client.get(f"/topics/plan/{year}/").content.decode()
    assert "老旧小区加装电梯" in html and f"政协〔{year}〕3号" in html and "县政协主席会议" in html


def test_only_accepted_topics_of_the_year_can_enter_the_plan(client, office, town_a):
    year = timezone.localdate().year
    submitted = TopicFactory(town=town_a, status="submitted", year=year)
    client.force_login(office)
    response = client.post(
        f"/staff/plans/{year}/", {"action": "add", "topic": submitted.pk, "quarter": 1, "platform_level": "town"}
    )
    assert response.status_code == 400
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
