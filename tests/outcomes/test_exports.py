"""The .xlsx exports of the outcome items and of satisfaction by unit and by town: the same rows as the page with the
same filters and the same town scope. What every export keeps (a constant number of queries, an audit entry, who may
download it, the link from its page) is tested over all of them in tests/portal/test_exports_scope.py."""

from datetime import datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from outcomes.models import SatisfactionResponse
from tests.documents_helpers import YEAR, export, held, make_outcomes, page_of, published_item, rows_of
from tests.factories import OutcomeFactory, PlatformFactory, UnitFactory


def percent(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


# ------------------------------------------------------------------------------------------ outcome items


@pytest.fixture
def outcomes(town_a, town_b, village_a, unit):
    today = timezone.localdate()
    (late,) = make_outcomes(
        town_a, village_a, text="更换村口路灯", unit=unit, contact_phone="0571-1234567", deadline=today - timedelta(1)
    )
    make_outcomes(town_a, text="整治集市停车", unit=UnitFactory(name="甲镇人民政府"), status="in_progress")
    make_outcomes(town_b, text="清理乙镇河道", unit=unit)
    return late


def test_it_exports_the_outcome_list_as_the_page_lists_it(client, office, outcomes):
    client.force_login(office)
    header, *rows = rows_of(client.get(reverse("outcomes:items-xlsx")))
    page = page_of(client, "outcomes:staff-list")["page"]
    assert [r[0] for r in rows] == [i.pk for i in page.object_list]
    row = next(r for r in rows if r[0] == outcomes.pk)
    assert row[1] == "更换村口路灯"
    assert row[4:8] == ["县住房城乡建设局", "王科长", "0571-1234567", "甲镇"]
    assert row[9] == datetime.combine(outcomes.deadline, datetime.min.time())
    assert row[11] == "是"  # overdue
    assert len(header) == len(row)


@pytest.mark.parametrize("params", [{"status": "open"}, {"status": "in_progress"}, {"overdue": "on"}, {"q": "路灯"}])
def test_it_filters_the_outcomes_like_the_page(client, office, outcomes, params):
    client.force_login(office)
    _header, *rows = rows_of(client.get(reverse("outcomes:items-xlsx"), params))
    page = page_of(client, "outcomes:staff-list", params)["page"]
    assert [r[0] for r in rows] == [i.pk for i in page.object_list]
    assert rows


def test_it_filters_the_outcomes_by_unit_and_town(client, office, outcomes, unit, town_b):
    client.force_login(office)
    _header, *rows = rows_of(client.get(reverse("outcomes:items-xlsx"), {"unit": unit.pk, "town": town_b.pk}))
    assert [r[1] for r in rows] == ["清理乙镇河道"]


def test_it_exports_only_the_liaisons_own_town_of_outcomes(client, liaison_a, outcomes):
    client.force_login(liaison_a)
    _header, *rows = rows_of(client.get(reverse("outcomes:items-xlsx")))
    assert sorted(r[1] for r in rows) == ["整治集市停车", "更换村口路灯"]


# ------------------------------------------------------------------------------------------ satisfaction


@pytest.fixture
def ratings(town_a, town_b, unit):
    roads = UnitFactory(name="县交通运输局")
    published_item(town_a, unit, ratings=(5, 4, 3, 1))  # 3 of 4
    published_item(town_b, roads, ratings=(2, 1, 5, 5, 5), tally={"sample_size": 5, "satisfied": 5})  # 8 of 10
    published_item(town_a, roads, ratings=(1,), county_wide=True)  # 0 of 1
    unpublished = OutcomeFactory(meeting=held(PlatformFactory(area=town_a)), unit=unit)
    SatisfactionResponse.objects.create(verified=True, item=unpublished, rating=1, browser_token="x")  # counts nowhere


def satisfaction_rows(pairs, *extra) -> list[list]:
    return [[o.name, s.total, s.percent] for o, s in pairs] + [[name, s.total, s.percent] for name, s in extra]


@pytest.mark.parametrize("params", [{}, {"year": YEAR}, {"year": YEAR - 1}])
def test_it_exports_satisfaction_by_unit_as_the_page_shows_it(client, office, ratings, params):
    client.force_login(office)
    rows = export(client, "outcomes:satisfaction-units-xlsx", params)
    context = page_of(client, "outcomes:staff-satisfaction", params)
    expected = satisfaction_rows(context["unit_rows"], ("总体", context["overall"]))
    assert [[r[0], r[1], percent(r[3])] for r in rows] == expected


def test_it_counts_satisfaction_by_unit_and_town_by_hand(client, office, ratings):
    client.force_login(office)
    assert export(client, "outcomes:satisfaction-units-xlsx") == [
        ["县交通运输局", 11, 8, 72.7],
        ["县住房城乡建设局", 4, 3, 75.0],
        ["总体", 15, 11, 73.3],
    ]
    assert export(client, "outcomes:satisfaction-towns-xlsx") == [
        ["甲镇", 4, 3, 75.0],
        ["乙镇", 10, 8, 80.0],
        ["全县性事项", 1, 0, 0.0],
        ["总体", 15, 11, 73.3],
    ]


def test_it_exports_satisfaction_by_town_as_the_page_shows_it(client, office, ratings):
    client.force_login(office)
    rows = export(client, "outcomes:satisfaction-towns-xlsx")
    context = page_of(client, "outcomes:staff-satisfaction")
    expected = satisfaction_rows(
        context["town_rows"], ("全县性事项", context["county_wide"]), ("总体", context["overall"])
    )
    assert [[r[0], r[1], percent(r[3])] for r in rows] == expected


def test_it_exports_only_the_liaisons_own_town_of_satisfaction(client, liaison_a, ratings):
    client.force_login(liaison_a)
    assert export(client, "outcomes:satisfaction-units-xlsx") == [
        ["县住房城乡建设局", 4, 3, 75.0],
        ["总体", 4, 3, 75.0],
    ]
    assert export(client, "outcomes:satisfaction-towns-xlsx") == [["甲镇", 4, 3, 75.0], ["总体", 4, 3, 75.0]]


def test_it_exports_no_rate_where_nobody_answered(client, office):
    client.force_login(office)
    assert export(client, "outcomes:satisfaction-units-xlsx") == [["总体", 0, 0, None]]
