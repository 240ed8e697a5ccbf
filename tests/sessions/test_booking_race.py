"""Two bookings of one platform at one time: however they interleave, only one of them is kept."""

import threading
import time
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from sessions import services
from sessions.models import Meeting
from tests.conftest import skip_or_fail
from tests.factories import MeetingFactory


def _form_time(moment):
    return timezone.localtime(moment).strftime("%Y-%m-%dT%H:%M")


@pytest.mark.parametrize("move", ["onto its start", "its end into it"])
def test_rescheduling_onto_a_booked_time_is_refused_with_the_clash(client, office, platform_a, soon, move):
    start, end = soon
    MeetingFactory(platform=platform_a, title="已有的会", starts_at=start, ends_at=end)
    before = (start - timedelta(hours=3), start - timedelta(hours=1))
    earlier = MeetingFactory(platform=platform_a, starts_at=before[0], ends_at=before[1])
    # Moved onto the booked start, or kept at its start but lengthened past the booked one's start.
    new_start, new_end = (start, end) if move == "onto its start" else (before[0], start + timedelta(hours=1))
    client.force_login(office)
    response = client.post(
        f"/staff/meetings/{earlier.pk}/reschedule/",
        {
            "reschedule-starts_at": _form_time(new_start),
            "reschedule-ends_at": _form_time(new_end),
            "reschedule-reason": "领导调整",
        },
    )
    assert response.status_code == 400
    assert f"{platform_a.name}在 {_form_time(start).replace('T', ' ')} 已安排“已有的会”" in response.content.decode()
    earlier.refresh_from_db()
    assert (earlier.starts_at, earlier.ends_at) == before


# -- two at once, on PostgreSQL --------------------------------------------------------------------


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        skip_or_fail("the booking race tests need a PostgreSQL DATABASE_URL")


def _another_session_waits_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
        )
        return cursor.fetchone()[0] > 0


@pytest.fixture
def held_after_checking(monkeypatch):
    """Hold each booking, right after it found the platform free, until the other booking has found it free too
    or is queued behind a lock: without one lock for both, both see a free platform and both are saved."""
    checked = []
    check = services._check_platform_free

    def check_then_hold(*args, **kwargs):
        check(*args, **kwargs)
        checked.append(threading.get_ident())
        deadline = time.monotonic() + 10
        while len(checked) < 2 and not _another_session_waits_for_a_lock() and time.monotonic() < deadline:
            time.sleep(0.01)

    monkeypatch.setattr(services, "_check_platform_free", check_then_hold)


def _at_once(*bookings) -> list[str]:
    """Run the bookings in threads that start together; each gives "booked" or the code of its refusal."""
    start = threading.Barrier(len(bookings))
    outcomes = [""] * len(bookings)

    def run(index, book):
        try:
            start.wait(timeout=10)
            book()
            outcomes[index] = "booked"
        except ValidationError as error:
            outcomes[index] = error.code
        except Exception as error:  # noqa: BLE001 - reported in the assertion below
            outcomes[index] = repr(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(index, book)) for index, book in enumerate(bookings)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    return outcomes


def _bookings(case, office, platform, start, end):
    later = start + timedelta(days=1)
    if case == "schedule and reschedule":
        other = MeetingFactory(platform=platform, starts_at=later, ends_at=later + (end - start))
        return (
            lambda: services.meeting_schedule(title="新会", platform=platform, starts_at=start, ends_at=end, by=office),
            lambda: services.meeting_reschedule(meeting=other, starts_at=start, ends_at=end, by=office),
        )
    if case == "two reschedules":
        first, second = (
            MeetingFactory(platform=platform, starts_at=at, ends_at=at + timedelta(hours=1))
            for at in (later, later + timedelta(hours=3))
        )
        return (
            lambda: services.meeting_reschedule(meeting=first, starts_at=start, ends_at=end, by=office),
            lambda: services.meeting_reschedule(meeting=second, starts_at=start, ends_at=end, by=office),
        )
    # Announced again without research: the reason is on record, so only the booking can refuse it.
    postponed = MeetingFactory(
        platform=platform,
        starts_at=start,
        ends_at=end,
        status="postponed",
        status_reason="汛期防汛",
        no_research_reason="群众反映急迫，先行协商",
    )
    return (
        lambda: services.meeting_schedule(title="新会", platform=platform, starts_at=start, ends_at=end, by=office),
        lambda: services.meeting_transition(meeting=postponed, to_status="published", by=office),
    )


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("case", ["schedule and reschedule", "two reschedules", "schedule and a postponed one back"])
def test_two_bookings_of_one_platform_at_once_keep_only_one(
    postgres, held_after_checking, office, platform_a, soon, case
):
    start, end = soon
    outcomes = _at_once(*_bookings(case, office, platform_a, start, end))
    assert sorted(outcomes) == ["booked", "platform_booked"]
    kept = Meeting.objects.filter(platform=platform_a, status__in=services.ACTIVE, starts_at__lt=end, ends_at__gt=start)
    assert kept.count() == 1
