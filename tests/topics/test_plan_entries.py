"""Adding a topic to the annual plan is one step: only a draft plan takes topics, and a refused entry
writes nothing, not even the plan (#12)."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal.models import AuditEntry
from tests.factories import TopicFactory
from topics import services
from topics.models import ConsultationPlan, PlanEntry, TopicEvent

APPROVAL = {"approved_by": "县政协主席会议", "approved_on": "2026-02-20"}


@pytest.fixture
def year():
    return timezone.localdate().year


@pytest.fixture
def accepted(town_a, year):
    return TopicFactory(town=town_a, title="老旧小区加装电梯", status="accepted", year=year)


def _assert_nothing_written(topic):
    topic.refresh_from_db()
    assert topic.status == "accepted"
    assert not PlanEntry.objects.exists()
    assert not TopicEvent.objects.filter(topic=topic).exclude(action="submit").exists()
    assert not AuditEntry.objects.exclude(action="login").exists()


@pytest.mark.parametrize("status", [ConsultationPlan.Status.APPROVED, ConsultationPlan.Status.PUBLISHED])
def test_the_service_refuses_a_topic_for_a_plan_that_is_no_longer_a_draft(office, accepted, year, status):
    published_at = timezone.now() if status == ConsultationPlan.Status.PUBLISHED else None
    plan = ConsultationPlan.objects.create(year=year, status=status, published_at=published_at, **APPROVAL)
    with pytest.raises(ValidationError) as refused:
        services.plan_add_topic(plan=plan, topic=accepted, quarter=2, platform_level="town", by=office)
    assert refused.value.messages == [_("Only a draft plan takes topics.")]
    _assert_nothing_written(accepted)


def test_the_plan_page_says_why_an_approved_plan_takes_no_topic(client, office, accepted, year):
    ConsultationPlan.objects.create(year=year, status=ConsultationPlan.Status.APPROVED, **APPROVAL)
    client.force_login(office)
    response = client.post(
        f"/staff/plans/{year}/", {"action": "add", "topic": accepted.pk, "quarter": 2, "platform_level": "town"}
    )
    assert response.status_code == 400
    assert _("Only a draft plan takes topics.") in response.content.decode()
    _assert_nothing_written(accepted)


def test_a_refused_first_entry_creates_no_plan(office, town_a, year):
    declined = TopicFactory(town=town_a, status="declined", public_reason="不属于协商范围", year=year)
    with pytest.raises(ValidationError):
        services.plan_add_topic(topic=declined, quarter=1, platform_level="town", by=office)
    assert not ConsultationPlan.objects.exists()
    assert not PlanEntry.objects.exists()
    assert not AuditEntry.objects.exists()


def test_the_first_entry_of_a_year_creates_its_draft_plan_in_the_same_step(office, accepted, year):
    entry = services.plan_add_topic(topic=accepted, quarter=3, platform_level="village", by=office)
    plan = ConsultationPlan.objects.get(year=year)
    assert (entry.plan, plan.status, entry.quarter, entry.topic.status) == (plan, "draft", 3, "planned")
    actions = list(AuditEntry.objects.order_by("id").values_list("action", flat=True))
    assert actions == ["plan_create", "plan_entry_add", "topic_plan"]


def test_a_draft_plan_takes_an_accepted_topic_through_the_page(client, office, accepted, year):
    ConsultationPlan.objects.create(year=year)
    client.force_login(office)
    response = client.post(
        f"/staff/plans/{year}/", {"action": "add", "topic": accepted.pk, "quarter": 2, "platform_level": "town"}
    )
    assert response.status_code == 302
    assert PlanEntry.objects.get().topic == accepted
