"""The .xlsx exports of the topic list and of the annual plan: the same rows as the page with the same filters and the
same town scope, residents' phones masked. What every export keeps (a constant number of queries, an audit entry,
who may download it, the link from its page) is tested over all of them in tests/portal/test_exports_scope.py."""

import pytest
from django.urls import reverse
from django.utils import timezone

from consult_portal.models import AuditEntry
from tests.documents_helpers import YEAR, export, make_topics, page_of, rows_of
from tests.factories import TopicFactory
from topics.models import ConsultationPlan, PlanEntry

# ------------------------------------------------------------------------------------------ topics


@pytest.fixture
def topics(town_a, town_b, village_a):
    now = timezone.now()
    resident = TopicFactory(
        town=town_a,
        village=village_a,
        title="村口路灯改造",
        status="accepted",
        submitter_name="赵大爷",
        submitter_phone="13812345678",
        consent_at=now,
    )
    make_topics(town_a, title="集市停车难", status="submitted", category="hard_case")
    make_topics(town_b, title="乙镇河道清淤", status="accepted")
    return resident


def test_it_exports_the_topic_list_as_the_page_lists_it(client, office, topics):
    client.force_login(office)
    header, *rows = rows_of(client.get(reverse("topics:topics-xlsx")))
    page = page_of(client, "topics:staff-list")["page"]
    assert [r[1] for r in rows] == [t.title for t in page.object_list]
    row = next(r for r in rows if r[1] == "村口路灯改造")
    assert row[0] == topics.tracking_code
    assert row[4] == "甲镇 · 甲一村"
    assert row[6] == topics.year
    assert row[7] == timezone.localtime(topics.created_at).replace(tzinfo=None, microsecond=row[7].microsecond)
    assert row[8:] == ["赵大爷", "138****5678"]
    assert len(header) == len(row)


def test_it_masks_residents_phone_numbers(client, office, topics):
    client.force_login(office)
    rows = rows_of(client.get(reverse("topics:topics-xlsx")))
    cells = [str(value) for row in rows for value in row]
    assert not any("13812345678" in cell for cell in cells)
    assert "138****5678" in cells


@pytest.mark.parametrize(
    "params", [{"status": "accepted"}, {"category": "hard_case"}, {"q": "路灯"}, {"sort": "title"}, {"status": "bogus"}]
)
def test_it_filters_the_topics_like_the_page(client, office, topics, params):
    client.force_login(office)
    _header, *rows = rows_of(client.get(reverse("topics:topics-xlsx"), params))
    page = page_of(client, "topics:staff-list", params)["page"]
    assert [r[1] for r in rows] == [t.title for t in page.object_list]


def test_it_exports_only_the_liaisons_own_town_of_topics(client, liaison_a, topics, town_b):
    client.force_login(liaison_a)
    _header, *rows = rows_of(client.get(reverse("topics:topics-xlsx"), {"town": town_b.pk}))
    assert sorted(r[1] for r in rows) == ["村口路灯改造", "集市停车难"]


# ------------------------------------------------------------------------------------------ the annual plan


@pytest.fixture
def plan(town_a, town_b, village_a):
    plan = ConsultationPlan.objects.create(year=YEAR)
    for quarter, town, village, title in [
        (2, town_a, village_a, "村口路灯改造"),
        (1, town_b, None, "乙镇河道清淤"),
        (3, town_a, None, "集市停车难"),
    ]:
        topic = TopicFactory(town=town, village=village, title=title, status="planned", year=YEAR)
        PlanEntry.objects.create(plan=plan, topic=topic, quarter=quarter, platform_level="town")
    return plan


def test_it_exports_the_plan_as_the_page_lists_it(client, office, plan):
    client.force_login(office)
    rows = export(client, "topics:plan-xlsx", args=[YEAR])
    entries = page_of(client, "topics:plan-manage", args=[YEAR])["entries"]
    assert [r[:3] for r in rows] == [[f"Q{e.quarter}", e.topic.tracking_code, e.topic.title] for e in entries]
    assert [r[2] for r in rows] == ["乙镇河道清淤", "村口路灯改造", "集市停车难"]
    assert rows[1][3] == "甲镇 · 甲一村"
    assert rows[1][4] == entries[1].get_platform_level_display()


def test_it_exports_an_empty_plan_for_a_year_without_one(client, office, plan):
    client.force_login(office)
    assert export(client, "topics:plan-xlsx", args=[YEAR + 1]) == []
    assert AuditEntry.objects.get(action="plan_export").after == {"rows": 0, "year": YEAR + 1, "status": None}


def test_it_exports_only_the_liaisons_own_town_of_the_plan(client, liaison_a, plan):
    client.force_login(liaison_a)
    rows = export(client, "topics:plan-xlsx", args=[YEAR])
    assert [r[2] for r in rows] == ["村口路灯改造", "集市停车难"]
    assert [r[2] for r in rows] == [
        e.topic.title for e in page_of(client, "topics:plan-manage", args=[YEAR])["entries"]
    ]
