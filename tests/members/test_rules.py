"""委员下沉 named once: "sunk into a town in a period" is an assignment into the town or one of its villages that
has begun by the period's last day and not ended before its first. Every page counts the same members with it."""

from datetime import date, datetime, timedelta

import lxml.html
import pytest
import time_machine
from django.urls import reverse
from django.utils import timezone

from members.models import Assignment
from members.selectors import running, sunk_members, year_days
from sessions.models import Participant
from tests.factories import MeetingFactory, MemberFactory, PlatformFactory

YEAR = 2026
TODAY = date(YEAR, 6, 15)


@pytest.fixture
def sunk(town_a, village_a, town_b):
    """Town A in YEAR (today mid-June): 王 all along, 李 (its village) from next month, 孙 until the end of March,
    who took part in February; 赵's assignment ended before the year; 周 is town B's."""
    with time_machine.travel(timezone.make_aware(datetime(YEAR, 6, 15, 10, 0)), tick=False):
        people = {n: MemberFactory(name=n) for n in ("王委员", "李委员", "孙委员", "赵委员", "周委员")}
        for name, area, starts_on, ends_on in (
            ("王委员", town_a, date(YEAR - 1, 1, 1), None),
            ("李委员", village_a, date(YEAR, 7, 1), None),
            ("孙委员", town_a, date(YEAR - 1, 6, 1), date(YEAR, 3, 31)),
            ("赵委员", town_a, date(YEAR - 2, 1, 1), date(YEAR - 1, 12, 31)),
            ("周委员", town_b, date(YEAR, 1, 1), None),
        ):
            Assignment.objects.create(member=people[name], area=area, starts_on=starts_on, ends_on=ends_on)
        when = timezone.make_aware(datetime(YEAR, 2, 10, 9, 0))
        meeting = MeetingFactory(
            platform=PlatformFactory(area=town_a), status="held", starts_at=when, ends_at=when + timedelta(hours=2)
        )
        Participant.objects.create(meeting=meeting, kind="member", member=people["孙委员"], checked_in_at=when)
        yield people


def _figures(response) -> dict[str, str]:
    assert response.status_code == 200
    page = lxml.html.fromstring(response.content.decode())
    return {node.get("data-figure"): node.text_content().strip() for node in page.xpath("//*[@data-figure]")}


def _names(town, start, end=None) -> set[str]:
    sunk = Assignment.objects.filter(member_id__in=sunk_members(town, start, end))
    return set(sunk.values_list("member__name", flat=True))


def test_running_means_begun_by_the_end_and_not_ended_before_the_start(sunk, town_a):
    assert _names(town_a, *year_days(YEAR)) == {"王委员", "李委员", "孙委员"}
    assert _names(town_a, TODAY) == {"王委员"}
    assert _names(town_a, date(YEAR, 3, 31)) == {"王委员", "孙委员"}  # its last day still counts
    assert _names(town_a, date(YEAR, 7, 1)) == {"王委员", "李委员"}  # and the first
    assert Assignment.objects.filter(running(*year_days(YEAR - 1))).count() == 3


def test_the_years_pages_count_the_same_members_sunk_into_the_town(client, office, liaison_a, sunk, town_a):
    client.force_login(office)
    figures = _figures(client.get("/staff/dashboard/", {"year": YEAR, "town": town_a.pk}))
    station = next(s for s in client.get("/staff/assessment/", {"year": YEAR}).context["scores"] if s.town == town_a)
    client.force_login(liaison_a)
    ranked = {m.name for m in client.get("/staff/members/performance/", {"year": YEAR}).context["page"].object_list}
    assert (int(figures["members_active"]), station.sunk, len(ranked)) == (3, 3, 3)
    assert ranked == {"王委员", "李委员", "孙委员"}
    # Those who took part: the dashboard's participation is the assessment's members criterion.
    assert (int(figures["members_took_part"]), station.active) == (1, 1)


def test_todays_pages_count_the_members_sunk_into_the_town_now(client, liaison_a, sunk, town_a):
    client.force_login(liaison_a)
    listed = {m.name for m in client.get("/staff/members/").context["page"].object_list}
    coverage = client.get(reverse("members:coverage")).context
    covered = {m.name for row in coverage["figures"]["rows"] for m in row["members"]}
    assert (listed, covered) == ({"王委员"}, {"王委员"})
    # The back-office home shows the year's figures, the dashboard's: those sunk into the town during the year,
    # and its link lists exactly them.
    home = _figures(client.get("/staff/"))
    year_list = {m.name for m in client.get("/staff/members/", {"active_in": YEAR}).context["page"].object_list}
    assert (int(home["members_active"]), year_list) == (3, {"王委员", "李委员", "孙委员"})
