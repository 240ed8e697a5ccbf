"""The lists behind the dashboard's meeting figures (#16.3): the suggestions and consensus of held meetings and
their participants, filtered by kind, period and town, scoped to a liaison's town, at a constant query count."""

from datetime import datetime

import lxml.html
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from sessions.models import Participant, RecordItem
from tests.factories import MeetingFactory, PlatformFactory

pytestmark = pytest.mark.django_db
YEAR = timezone.localdate().year


def _at(year: int, month: int = 3):
    return timezone.make_aware(datetime(year, month, 10, 10))


def _meeting(platform, *, year=YEAR, status="recorded"):
    meeting = MeetingFactory(platform=platform, status=status, starts_at=_at(year))
    RecordItem.objects.create(meeting=meeting, kind="suggestion", text="修路")
    RecordItem.objects.create(meeting=meeting, kind="consensus", text="先修村口")
    Participant.objects.create(meeting=meeting, kind="resident", name="王大爷", phone="13800000000")
    return meeting


@pytest.fixture
def meetings(town_a, town_b):
    room_a, room_b = PlatformFactory(level="town", area=town_a), PlatformFactory(level="town", area=town_b)
    _meeting(room_a)
    _meeting(room_a, year=YEAR - 1)
    _meeting(room_a, status="planned")  # not held: its record does not count
    _meeting(room_b)
    return room_a, room_b


def _count(response) -> int:
    assert response.status_code == 200
    return int(lxml.html.fromstring(response.content.decode()).xpath("//*[@data-count]/@data-count")[0])


def test_the_record_items_list_counts_the_held_meetings_items_of_the_period(client, office, meetings, town_a):
    client.force_login(office)
    url = reverse("sessions:record-items")
    assert _count(client.get(url, {"year": YEAR})) == 4
    assert _count(client.get(url, {"year": YEAR, "kind": "suggestion"})) == 2
    assert _count(client.get(url, {"year": f"{YEAR - 1}-{YEAR}", "kind": "suggestion"})) == 3
    assert _count(client.get(url, {"year": YEAR, "town": town_a.pk})) == 2
    response = client.get(url, {"year": "不是年份"})
    assert response.context["form"].errors["year"]  # refused beside the field, the input kept
    assert 'value="不是年份"' in response.content.decode()


def test_the_participants_list_counts_the_residents_of_held_meetings(client, office, meetings):
    client.force_login(office)
    url = reverse("sessions:participants")
    assert _count(client.get(url, {"year": YEAR, "kind": "resident"})) == 2
    content = client.get(url, {"year": YEAR, "kind": "resident"}).content.decode()
    assert "王大爷" not in content and "13800000000" not in content  # counts, not people


def test_a_liaison_sees_their_own_towns_rows_only(client, liaison_a, meetings):
    client.force_login(liaison_a)
    assert _count(client.get(reverse("sessions:record-items"), {"year": YEAR})) == 2
    assert _count(client.get(reverse("sessions:participants"), {"year": YEAR})) == 1


@pytest.mark.parametrize("name", ["sessions:record-items", "sessions:participants"])
def test_the_query_count_does_not_grow_with_the_rows(client, office, meetings, django_assert_num_queries, name):
    client.force_login(office)
    client.get(reverse(name))  # warm the session
    with CaptureQueriesContext(connection) as small:
        client.get(reverse(name), {"year": YEAR})
    for _n in range(5):
        _meeting(meetings[0])
        _meeting(meetings[1])
    with django_assert_num_queries(len(small.captured_queries)):
        assert _count(client.get(reverse(name), {"year": YEAR})) > 10
    assert len(small.captured_queries) <= 10


def test_the_held_meetings_list_adds_up_walk_ins_and_participation(client, office, town_a):
    room = PlatformFactory(level="town", area=town_a)
    MeetingFactory(platform=room, status="recorded", starts_at=_at(YEAR), walk_in_count=3, residents_invited=10,
                   residents_attended=8, departments_count=2, member_times=4)  # fmt: skip
    MeetingFactory(platform=room, status="held", starts_at=_at(YEAR, 5), walk_in_count=2, residents_invited=5,
                   residents_attended=6)  # fmt: skip
    MeetingFactory(platform=room, status="planned", starts_at=_at(YEAR, 6), walk_in_count=9)  # not held
    client.force_login(office)
    page = lxml.html.fromstring(client.get(reverse("sessions:staff-meetings"), {"year": YEAR, "held": "on"}).content)
    sums = page.xpath("//dl[contains(@class, 'meeting-sums')]")[0]
    assert [sums.get(f"data-{k}") for k in ("walk-ins", "invited", "attended", "departments", "member-times")] == [
        "5", "15", "14", "2", "4"
    ]  # fmt: skip
    assert page.xpath("//*[@data-count]/@data-count") == ["2"]
