"""A current sinking assignment is one running today: begun, and not ended."""

from datetime import date, datetime, timedelta

import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from members.models import Assignment
from tests.factories import MemberFactory

TODAY = date(2026, 6, 15)
NEXT_MONTH = date(2026, 7, 1)


def _travel(day: date):
    return time_machine.travel(timezone.make_aware(datetime(day.year, day.month, day.day, 10, 0)), tick=False)


@pytest.fixture
def sunk(town_a, village_a):
    """王 sunk into town A a month ago; 李 into its village from next month."""
    with _travel(TODAY):
        wang, li = MemberFactory(name="王委员"), MemberFactory(name="李委员")
        Assignment.objects.create(member=wang, area=town_a, starts_on=TODAY - timedelta(days=30))
        Assignment.objects.create(member=li, area=village_a, starts_on=NEXT_MONTH)
        yield {"wang": wang, "li": li}


def _registry(client, **params) -> set[str]:
    return {m.name for m in client.get("/staff/members/", params).context["page"].object_list}


def test_an_assignment_starting_next_month_is_not_current_yet(client, office, liaison_a, sunk, town_a, village_a):
    li = sunk["li"]
    client.force_login(office)
    assert _registry(client, town=town_a.pk) == {"王委员"}
    coverage = client.get(reverse("members:coverage")).context
    assert [m.name for row in coverage["figures"]["rows"] if row["area"] == village_a for m in row["members"]] == []
    assert "李委员" in {m.name for m in coverage["figures"]["unassigned"]}
    assert "甲一村" not in client.get(reverse("members:code", args=[li.duty_code])).content.decode()
    client.force_login(liaison_a)
    assert _registry(client) == {"王委员"}
    assert client.get(reverse("members:detail", args=[li.pk])).status_code == 404
    assert client.get(reverse("members:code-print", args=[li.pk])).status_code == 404


def test_it_becomes_current_on_its_first_day(client, liaison_a, sunk, village_a):
    with _travel(NEXT_MONTH):
        client.force_login(liaison_a)
        assert _registry(client) == {"王委员", "李委员"}
        assert client.get(reverse("members:detail", args=[sunk["li"].pk])).status_code == 200
        assert "甲一村" in client.get(reverse("members:code", args=[sunk["li"].duty_code])).content.decode()
