from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from consult_portal.overview.committees import duties
from sessions.models import Participant, Research
from tests.factories import AreaFactory, CommitteeFactory, MeetingFactory, MemberFactory, PlatformFactory

YEAR = 2025  # a past year: every month and both half years are due


def _meeting(platform, month, status="held"):
    start = timezone.make_aware(datetime(YEAR, month, 10, 9, 0))
    return MeetingFactory(platform=platform, starts_at=start, ends_at=start + timedelta(hours=2), status=status)


@pytest.fixture
def setting(town_a, town_b, village_a):
    economy = CommitteeFactory(name="经济委员会")
    economy.stations.set([town_a])
    studio = PlatformFactory(name="经济界委员工作室", level="town", kind="studio", area=town_b, committee=economy)
    idle = CommitteeFactory(name="提案委员会")  # linked to nothing, did nothing
    zhang = MemberFactory(name="张委员", committee=economy)
    outsider = MemberFactory(name="外委员")
    at_village = _meeting(PlatformFactory(area=village_a, level="village"), 3)  # a village of the station town
    at_studio = _meeting(studio, 5)
    elsewhere = _meeting(PlatformFactory(area=AreaFactory(level="town")), 6)  # not linked to the committee
    only_planned = _meeting(studio, 9, status="published")
    for meeting in (at_village, at_studio, elsewhere, only_planned):
        Participant.objects.create(meeting=meeting, kind="member", member=zhang, checked_in_at=meeting.starts_at)
    Participant.objects.create(meeting=at_village, kind="member", member=outsider, checked_in_at=at_village.starts_at)
    # research in 11 distinct months (twice in March), one inspection in the first half only
    for month in range(1, 12):
        Research.objects.create(
            meeting=at_village, date=date(YEAR, month, 2), kind="visit", findings="走访"
        ).members.add(zhang)
    Research.objects.create(meeting=at_village, date=date(YEAR, 3, 20), kind="forum", findings="座谈").members.add(
        zhang
    )
    Research.objects.create(meeting=at_village, date=date(YEAR, 4, 1), kind="inspection", findings="视察").members.add(
        zhang
    )
    return {"economy": economy, "idle": idle}


def test_duties_are_checked_against_a_hand_count(setting):
    rows = {row["committee"].name: row for row in duties(year=YEAR)}
    economy, idle = rows["经济委员会"], rows["提案委员会"]
    assert (economy["consultations"], economy["consultations_short"]) == (2, False)
    assert (economy["research_months"], economy["months_due"], economy["research_short"]) == (11, 12, True)
    assert (economy["inspections"], economy["halves_due"], economy["inspection_short"]) == (1, 2, True)
    assert economy["links_ok"] is True
    assert (idle["consultations"], idle["research_months"], idle["inspections"], idle["links_ok"]) == (0, 0, 0, False)


def test_only_the_months_begun_are_due_in_the_current_year(setting):
    rows = duties(year=YEAR, today=date(YEAR, 4, 15))
    economy = next(r for r in rows if r["committee"].name == "经济委员会")
    assert (economy["months_due"], economy["research_short"]) == (4, False)
    assert (economy["halves_due"], economy["inspection_short"]) == (1, False)


def test_the_page_marks_shortfalls(client, leader, setting, django_assert_max_num_queries):
    client.force_login(leader)
    with django_assert_max_num_queries(15):
        html = client.get("/staff/members/committees/", {"year": YEAR}).content.decode()
    economy = html[html.index(f'data-committee="{setting["economy"].pk}"') :]
    economy = economy[: economy.index("</tr>")]
    assert 'data-shortfall="research"' in economy and 'data-shortfall="inspection"' in economy
    assert 'data-shortfall="consultations"' not in economy


@pytest.mark.parametrize("persona", ["member", "unit"])
def test_members_and_units_cannot_read_the_duties(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get("/staff/members/committees/").status_code == 403
