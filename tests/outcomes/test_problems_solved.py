"""Problems solved (#14): an outcome item may solve several of residents' problems (default 1, at least 1), given at
the hand-over, corrected on the item's page, shown to staff and on the public result, exported, and summed by
`problems_solved_total` over the items implemented fully or in part."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from lxml import html as lxml_html

from consult_portal.models import AuditEntry
from outcomes import services_problems
from outcomes.models import OutcomeItem
from outcomes.selectors import problems_solved_total
from sessions.models import RecordItem
from tests.documents_helpers import rows_of
from tests.factories import MeetingFactory, OutcomeFactory, PlatformFactory

TODAY = timezone.localdate


@pytest.fixture
def suggestion(village_a):
    start = timezone.now() - timedelta(days=2)
    meeting = MeetingFactory(
        platform=PlatformFactory(level="village", area=village_a),
        status="recorded",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    return RecordItem.objects.create(meeting=meeting, kind="suggestion", text="更换村口和集市两处路灯")


def _hand_over(client, suggestion, unit, **extra):
    data = {
        "record_item": suggestion.pk,
        "text": "更换村口和集市两处路灯",
        "unit": unit.pk,
        "deadline": (TODAY() + timedelta(days=20)).isoformat(),
    }
    return client.post("/staff/outcomes/new/", data | extra)


def _input(page: str, name: str):
    (field,) = lxml_html.fromstring(page).xpath(f'//input[@name="{name}"]')
    return field


def test_the_hand_over_form_offers_one_problem_and_takes_more(client, office, suggestion, unit):
    client.force_login(office)
    page = client.get(f"/staff/outcomes/new/?record_item={suggestion.pk}").content.decode()
    assert _input(page, "problems_solved").get("value") == "1"
    assert "解决问题" in page
    assert _hand_over(client, suggestion, unit, problems_solved="3").status_code == 302
    item = OutcomeItem.objects.get(record_item=suggestion)
    assert item.problems_solved == 3
    assert AuditEntry.objects.get(action="outcome_hand_over").after["problems_solved"] == 3


def test_left_empty_the_item_solves_one_problem(client, office, suggestion, unit):
    client.force_login(office)
    assert _hand_over(client, suggestion, unit, problems_solved="").status_code == 302
    assert OutcomeItem.objects.get().problems_solved == 1


@pytest.mark.parametrize("typed", ["0", "-2"])
def test_fewer_than_one_problem_is_refused_beside_the_field_and_the_input_stays(
    client, office, suggestion, unit, typed
):
    client.force_login(office)
    response = _hand_over(client, suggestion, unit, problems_solved=typed, text="我写的事项")
    assert response.status_code == 400
    page = response.content.decode()
    field = _input(page, "problems_solved")
    assert "is-invalid" in field.get("class") and field.get("value") == typed
    feedback = lxml_html.fromstring(page).xpath('//*[@id="error_1_id_problems_solved"]')
    assert "一项成果至少解决一个问题" in feedback[0].text_content()
    assert "我写的事项" in page
    assert not OutcomeItem.objects.exists()


def test_staff_correct_the_number_on_the_item_page_and_it_is_audited(client, office, items_a):
    item = items_a[0]
    client.force_login(office)
    page = client.get(f"/staff/outcomes/{item.pk}/").content.decode()
    facts = lxml_html.fromstring(page).xpath("//dd[@data-problems-solved]")
    assert [dd.text_content().strip() for dd in facts] == ["1"]
    response = client.post(f"/staff/outcomes/{item.pk}/problems/", {"problems-problems_solved": "2"}, follow=True)
    assert "现记为解决 2 个问题" in response.content.decode()
    item.refresh_from_db()
    assert item.problems_solved == 2
    entry = AuditEntry.objects.get(action="outcome_problems_solved")
    assert (entry.before, entry.after) == ({"problems_solved": 1}, {"problems_solved": 2})
    refused = client.post(f"/staff/outcomes/{item.pk}/problems/", {"problems-problems_solved": "0"})
    assert refused.status_code == 400
    assert "一项成果至少解决一个问题" in refused.content.decode()
    item.refresh_from_db()
    assert item.problems_solved == 2


def test_readers_cannot_change_the_number(client, leader, items_a):
    client.force_login(leader)
    response = client.post(f"/staff/outcomes/{items_a[0].pk}/problems/", {"problems-problems_solved": "5"})
    assert response.status_code == 403


def test_the_service_refuses_fewer_than_one(office, items_a):
    with pytest.raises(ValidationError) as refused:
        services_problems.outcome_set_problems_solved(item=items_a[0], problems_solved=0, by=office)
    assert "problems_solved" in refused.value.error_dict


def test_the_public_result_says_how_many_problems_were_solved(client, town_a):
    meeting = MeetingFactory(platform=PlatformFactory(area=town_a), status="held")
    item = OutcomeFactory(
        meeting=meeting, status="implemented", answer="已更换路灯。", problems_solved=3, published_at=timezone.now()
    )
    tree = lxml_html.fromstring(client.get(f"/outcomes/{item.pk}/").content.decode())
    (row,) = tree.xpath("//dd[@data-problems-solved]/..")
    assert row.xpath("dt")[0].text_content().strip() == "解决问题"
    assert row.xpath("dd")[0].text_content().strip() == "3"


def test_the_items_export_has_the_problems_solved(client, office, items_a):
    OutcomeItem.objects.filter(pk=items_a[0].pk).update(problems_solved=4)
    client.force_login(office)
    header, *rows = rows_of(client.get(reverse("outcomes:items-xlsx")))
    column = header.index("解决问题")
    assert {row[0]: row[column] for row in rows}[items_a[0].pk] == 4


def test_the_total_counts_the_implemented_items_only(db, town_a):
    meeting = MeetingFactory(platform=PlatformFactory(area=town_a), status="held")
    OutcomeFactory(meeting=meeting, status="implemented", answer="已办", problems_solved=3)
    OutcomeFactory(meeting=meeting, status="partly", answer="部分", problems_solved=2)
    OutcomeFactory(meeting=meeting, status="not_feasible", answer="暂缓", reason="资金", problems_solved=5)
    OutcomeFactory(meeting=meeting, status="in_progress", problems_solved=7)
    assert problems_solved_total() == 5
    assert problems_solved_total(OutcomeItem.objects.filter(status="partly")) == 2
    assert problems_solved_total(OutcomeItem.objects.none()) == 0
