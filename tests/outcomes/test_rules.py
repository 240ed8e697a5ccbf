"""Overdue named once: an item the unit still has (assigned or in progress) whose handling deadline has passed.
Due today is not overdue yet; an answer awaiting the office's acceptance is not overdue. Every page agrees."""

import io
from datetime import date, datetime, timedelta

import lxml.html
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from outcomes import reminders
from outcomes.models import OutcomeItem
from tests.factories import MeetingFactory, OutcomeFactory, PlatformFactory

YEAR = 2026
TODAY = date(YEAR, 6, 15)
OVERDUE = {"昨天到期", "十天前到期"}


@pytest.fixture
def items(town_a, unit):
    """Six items of town A handed over this year, two of them overdue today."""
    with time_machine.travel(timezone.make_aware(datetime(YEAR, 6, 15, 10, 0)), tick=False):
        meeting = MeetingFactory(platform=PlatformFactory(area=town_a), status="held", starts_at=timezone.now())
        for text, status, days in (
            ("昨天到期", "in_progress", -1),
            ("十天前到期", "assigned", -10),
            ("今天到期", "in_progress", 0),
            ("明天到期", "assigned", 1),
            ("已答复待确认", "answered", -7),
            ("已落实", "implemented", -30),
        ):
            OutcomeFactory(
                meeting=meeting, unit=unit, text=text, status=status, deadline=TODAY + timedelta(days=days),
                answer_status="implemented" if status == "answered" else "",
            )  # fmt: skip
        yield


def _figures(response) -> dict[str, str]:
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content.decode())
    return {node.get("data-figure"): node.text_content().strip() for node in page.xpath("//*[@data-figure]")}


def _listed(response) -> set[str]:
    assert response.status_code == 200
    return {item.text for item in response.context["page"].object_list}


def _badged(response) -> set[str]:
    """The items the page marks overdue."""
    page = lxml.html.fromstring(response.content.decode())
    marked = {int(node.get("data-overdue")) for node in page.xpath("//*[@data-overdue]")}
    return set(OutcomeItem.objects.filter(pk__in=marked).values_list("text", flat=True))


def _exported(response) -> list[list]:
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()][1:]


def test_the_rule_on_the_queryset_and_on_a_loaded_row(items):
    assert set(OutcomeItem.objects.overdue(TODAY).values_list("text", flat=True)) == OVERDUE
    assert {i.text for i in OutcomeItem.objects.all() if i.is_overdue(TODAY)} == OVERDUE
    assert OutcomeItem.objects.open().count() == 4


def test_every_page_counts_the_same_overdue_items(client, office, unit_user, items, town_a):
    client.force_login(office)
    home = _figures(client.get("/staff/"))
    dashboard = _figures(client.get("/staff/dashboard/", {"year": YEAR, "town": town_a.pk}))
    exported = _exported(client.get(reverse("outcomes:items-xlsx")))
    assert (int(home["outcomes_overdue"]), int(dashboard["overdue"])) == (2, 2)
    assert _listed(client.get(reverse("outcomes:staff-list"), {"overdue": "on"})) == OVERDUE
    assert _badged(client.get(reverse("outcomes:staff-list"))) == OVERDUE
    assert {row[1] for row in exported if row[11] == "是"} == OVERDUE
    assert {row[1] for row in _exported(client.get(reverse("outcomes:items-xlsx"), {"overdue": "on"}))} == OVERDUE
    client.force_login(unit_user)
    assert _listed(client.get(reverse("outcomes:unit-list"), {"overdue": "1"})) == OVERDUE
    assert _badged(client.get(reverse("outcomes:unit-list"))) == OVERDUE
    reminders.escalate_overdue(TODAY)
    assert set(OutcomeItem.objects.filter(escalated_on=TODAY).values_list("text", flat=True)) == OVERDUE


def test_being_handled_on_the_home_page_is_the_open_list(client, office, items):
    client.force_login(office)
    home = _figures(client.get("/staff/"))
    listed = _listed(client.get(reverse("outcomes:staff-list"), {"status": "open"}))
    assert int(home["outcomes_open"]) == len(listed) == 4
