"""Assignment sheets carry a per-year number (2026-交-017) instead of the database id (第90号) (#15): given once at
the hand-over, in order, from 001 again each year, never twice, and written on the page and the Word sheet alike;
the items handed over before get theirs by a data migration, in the order they were handed over."""

import importlib
import threading
from datetime import datetime, timedelta

import pytest
import time_machine
from django.apps import apps
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal.models import DocumentCounter
from outcomes import services
from outcomes.models import OutcomeItem
from tests.conftest import skip_or_fail
from tests.documents_helpers import opened, text_of
from tests.factories import MeetingFactory, OutcomeFactory, PlatformFactory


@pytest.fixture
def meeting(town_a):
    return MeetingFactory(platform=PlatformFactory(area=town_a), title="村口路灯协商会", status="recorded")


def _hand_over(meeting, unit, office, text="更换村口主干道路灯", **kwargs):
    return services.outcome_hand_over(
        meeting=meeting,
        text=text,
        unit=unit,
        contact_name="王科长",
        deadline=timezone.localdate() + timedelta(days=30),
        by=office,
        **kwargs,
    )


def _number(sequence: int, year: int | None = None) -> str:
    return f"{year or timezone.localdate().year}-交-{sequence:03d}"


def test_each_hand_over_gets_the_next_number_of_the_year(meeting, unit, office):
    first, second = _hand_over(meeting, unit, office), _hand_over(meeting, unit, office, text="加装太阳能路灯")
    assert (first.number, second.number) == (_number(1), _number(2))


def test_the_numbers_start_again_at_001_in_a_new_year(meeting, unit, office):
    year = timezone.localdate().year
    _hand_over(meeting, unit, office)
    with time_machine.travel(datetime(year + 1, 1, 2, 9, tzinfo=timezone.get_default_timezone())):
        assert _hand_over(meeting, unit, office).number == _number(1, year + 1)
        assert _hand_over(meeting, unit, office).number == _number(2, year + 1)


def test_a_refused_hand_over_takes_no_number(meeting, unit, office):
    record_item = meeting.record_items.create(kind="suggestion", text="更换路灯")
    _hand_over(meeting, unit, office, record_item=record_item)
    with pytest.raises(ValidationError):
        _hand_over(meeting, unit, office, record_item=record_item)
    assert _hand_over(meeting, unit, office, text="另一项").number == _number(2)


def test_the_page_and_the_word_sheet_show_the_number_not_the_id(client, office, meeting, unit):
    OutcomeFactory(meeting=meeting, unit=unit)  # an item id ahead of the number
    item = _hand_over(meeting, unit, office)
    shown = _("No. %(number)s") % {"number": _number(1)}
    client.force_login(office)
    page = client.get(reverse("outcomes:staff-sheet", args=[item.pk])).content.decode()
    word = text_of(opened(client.get(reverse("outcomes:assignment-docx", args=[item.pk]))))
    assert shown in page and shown in word
    old = _("No. %(number)s (%(year)s)") % {"number": item.pk, "year": timezone.localdate().year}
    assert old not in page and old not in word


def test_the_migration_numbers_the_items_already_handed_over_in_their_order(meeting, unit):
    year = timezone.localdate().year
    zone = timezone.get_default_timezone()
    items = [OutcomeFactory(meeting=meeting, unit=unit) for _n in range(3)]
    # Handed over out of id order: the first in the year before, then the third, then the second.
    handed_over = [datetime(year - 1, 12, 30, 10, tzinfo=zone), datetime(year, 6, 2, tzinfo=zone)]
    handed_over.append(datetime(year, 6, 1, tzinfo=zone))
    for item, when in zip(items, handed_over, strict=True):
        OutcomeItem.objects.filter(pk=item.pk).update(created_at=when)
    migration = importlib.import_module("outcomes.migrations.0004_number_the_assignment_sheets")
    migration.number_the_items_handed_over(apps, None)
    numbers = [OutcomeItem.objects.get(pk=item.pk).number for item in items]
    assert numbers == [_number(1, year - 1), _number(2), _number(1)]
    assert DocumentCounter.objects.get(kind="交", year=year).last == 2


# -- two at once, on PostgreSQL --------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_hand_overs_at_once_get_two_numbers(office, unit, town_a):
    if connection.vendor != "postgresql":
        skip_or_fail("the numbering race test needs a PostgreSQL DATABASE_URL")
    meeting = MeetingFactory(platform=PlatformFactory(area=town_a), status="recorded")
    _hand_over(meeting, unit, office)  # the year's counter exists: both wait on its lock
    start, numbers = threading.Barrier(4), []

    def hand_over():
        try:
            start.wait(timeout=10)
            numbers.append(_hand_over(meeting, unit, office).number)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=hand_over) for _n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(numbers) == [_number(n) for n in (2, 3, 4, 5)]
