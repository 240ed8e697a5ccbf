"""Plans across years (#15): an accepted topic goes into the plan of any year not yet approved, its own or a later
one; a plan's add list shows every accepted topic in no plan, whatever its year; a topic carried over keeps its
history, with a line saying so."""

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consult_portal.models import AuditEntry
from tests.factories import TopicFactory
from topics import services
from topics.models import ConsultationPlan, PlanEntry

APPROVAL = {"approved_by": "县政协主席会议", "approved_on": "2026-02-20"}


@pytest.fixture
def year():
    return timezone.localdate().year


@pytest.fixture
def last_years(office, town_a, year):
    """Last year's approved plan, and one of its accepted topics that did not get into it."""
    plan = ConsultationPlan.objects.create(year=year - 1, status=ConsultationPlan.Status.APPROVED, **APPROVAL)
    topic = TopicFactory(town=town_a, title="老街排水改造", year=year - 1)
    services.topic_change_status(topic=topic, to_status="accepted", by=office, action="accept", public_note="已采纳")
    topic.refresh_from_db()
    return plan, topic


def _options(html: str) -> str:
    return html[html.index('name="topic"') : html.index("</select>", html.index('name="topic"'))]


def test_the_next_plan_lists_every_accepted_topic_in_no_plan_of_its_year_or_earlier(
    client, office, town_a, year, last_years
):
    _plan, carried = last_years
    this_years = TopicFactory(town=town_a, title="村口路灯改造", status="accepted", year=year)
    later = TopicFactory(town=town_a, title="明年的议题", status="accepted", year=year + 1)
    submitted = TopicFactory(town=town_a, title="尚未采纳", status="submitted", year=year - 1)
    client.force_login(office)
    options = _options(client.get(f"/staff/plans/{year}/").content.decode())
    assert f'value="{carried.pk}"' in options and f'value="{this_years.pk}"' in options
    assert f"老街排水改造 · {town_a.name} · {year - 1}" in options
    assert f'value="{later.pk}"' not in options and f'value="{submitted.pk}"' not in options


def test_a_topic_carried_over_enters_the_later_plan_and_keeps_its_history(client, office, year, last_years):
    _plan, topic = last_years
    client.force_login(office)
    response = client.post(
        f"/staff/plans/{year}/", {"action": "add", "topic": topic.pk, "quarter": 1, "platform_level": "town"}
    )
    assert response.status_code == 302
    entry = PlanEntry.objects.get(topic=topic)
    assert entry.plan.year == year and entry.plan.status == "draft"
    topic.refresh_from_db()
    assert (topic.status, topic.year) == ("planned", year - 1)
    history = list(topic.events.order_by("at", "id").values_list("action", "to_status"))
    assert history == [("accept", "accepted"), ("carry_over", "accepted"), ("plan", "planned")]
    carried = topic.events.get(action="carry_over")
    assert str(year - 1) in carried.public_note and str(year) in carried.public_note and carried.actor == office
    assert AuditEntry.objects.get(action="plan_entry_add").after["carried_over_from"] == year - 1
    html = client.get(f"/topics/track/{topic.tracking_code}/").content.decode()
    assert carried.public_note in html and "已采纳" in html


def test_the_service_takes_an_earlier_topic_into_a_draft_plan_and_refuses_a_later_one(office, town_a, year, last_years):
    _plan, earlier = last_years
    plan = ConsultationPlan.objects.create(year=year)
    entry = services.plan_add_topic(plan=plan, topic=earlier, quarter=2, platform_level="town", by=office)
    assert entry.plan == plan
    later = TopicFactory(town=town_a, status="accepted", year=year + 1)
    with pytest.raises(ValidationError) as refused:
        services.plan_add_topic(plan=plan, topic=later, quarter=2, platform_level="town", by=office)
    assert refused.value.code == "plan_too_early"
    later.refresh_from_db()
    assert later.status == "accepted" and not PlanEntry.objects.filter(topic=later).exists()


def test_a_topic_of_the_plans_own_year_records_no_carry_over(office, town_a, year):
    topic = TopicFactory(town=town_a, status="accepted", year=year)
    services.plan_add_topic(topic=topic, year=year, quarter=2, platform_level="town", by=office)
    assert not topic.events.filter(action="carry_over").exists()
    assert "carried_over_from" not in AuditEntry.objects.get(action="plan_entry_add").after
