"""The demo county holds what the seed articles count (#14): problems solved 1–3, participation at the recorded
meetings within the rules, a 媒体监督 meeting, pilot villages and platforms, committees' research and inspections;
and the pages show them."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.utils import timezone
from lxml import html as lxml_html

from consult_portal.models import Area, User
from outcomes.models import OutcomeItem
from outcomes.selectors import SOLVED_STATUSES, problems_solved_total
from sessions import rules
from sessions.models import Meeting, Platform, Research
from sessions.selectors import meetings_by_form, participation_totals

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(db):
    call_command("seed_demo", allow_production=True, stdout=StringIO())


def test_the_demo_holds_the_figures_of_the_seeds(demo):
    # problems solved: 1 to 3 an item
    counts = set(OutcomeItem.objects.values_list("problems_solved", flat=True))
    assert counts == {1, 2, 3}
    solved = OutcomeItem.objects.filter(status__in=SOLVED_STATUSES)
    assert problems_solved_total() > solved.count() > 0
    # participation at every recorded meeting, within the rules the record form checks
    recorded = Meeting.objects.filter(status=Meeting.Status.RECORDED)
    assert recorded.exists()
    for meeting in recorded:
        assert meeting.participation_recorded
        rules.check_participation(
            residents_invited=meeting.residents_invited,
            residents_attended=meeting.residents_attended,
            departments_count=meeting.departments_count,
            member_times=meeting.member_times,
            walk_in_count=meeting.walk_in_count,
            attendance_count=meeting.attendance_count,
        )
    totals = participation_totals()
    assert totals.invited > totals.attended > 0 and totals.member_times > 0 and totals.departments > 0
    assert 0.4 < totals.rate < 1.2
    # a 媒体监督 meeting
    assert {form: n for form, _label, n in meetings_by_form()}["media"] >= 1


def test_the_pages_show_the_demo_pilots_and_the_committees_research(demo, client):
    assert Area.objects.filter(level=Area.Level.VILLAGE, is_pilot=True).count() == 4
    assert Platform.objects.filter(is_pilot=True).exists()
    client.force_login(User.objects.get(username="office"))
    coverage = lxml_html.fromstring(client.get("/staff/coverage/").content.decode())
    assert len(coverage.xpath("//tr[.//*[@data-pilot]]")) == 5  # four villages and one town
    pilots = lxml_html.fromstring(client.get("/staff/platforms/", {"pilot": "on"}).content.decode())
    assert len(pilots.xpath("//tr[@data-platform]")) == Platform.objects.filter(is_pilot=True).count()
    own = Research.objects.filter(committee__isnull=False)
    assert own.filter(kind="inspection").exists() and own.exclude(kind="inspection").exists()
    year = timezone.localdate().year - 1
    page = lxml_html.fromstring(client.get("/staff/members/committees/", {"year": year}).content.decode())
    rows = page.xpath("//tr[@data-committee]")
    assert rows and all(int(row.get("data-research-months")) > 0 for row in rows)
    inspected = [int(row.get("data-inspections")) for row in rows]
    assert 2 in inspected and min(inspected) < 2  # most inspect each half year, some fall short
