"""One definition per figure (#16.3): every figure of the demo county's pages, for its two years, computed here from
the raw rows in Python, and compared with the staff home, the dashboard (and the count of the list each figure
links to), the coverage page, /stats/ and its CSV, and the assessment: they all agree."""

import csv
import io
from collections import Counter
from io import StringIO

import lxml.html
import pytest
from django.core.management import call_command
from django.utils import timezone

from consult_portal.models import Area, User
from members.models import Assignment, Member
from outcomes.models import SATISFIED_RATINGS, OutcomeItem, SatisfactionResponse, SurveyTally
from sessions.models import Meeting, Participant, RecordItem, Research
from topics.models import Topic

pytestmark = pytest.mark.django_db
HELD = set(Meeting.HELD_STATUSES)
VERIFIED = {"verified": True}  # the rate counts verified online answers and the staff's tallies (#16.1)


@pytest.fixture
def demo(db):
    call_command("seed_demo", allow_production=True, stdout=StringIO())
    return User.objects.get(username="office")


def _town(area: Area):
    if area.level == Area.Level.TOWN:
        return area.pk
    if area.level == Area.Level.VILLAGE:
        return area.parent_id
    return None


def _year(moment) -> int:
    return timezone.localtime(moment).year


def _confirmed(participant: Participant) -> bool:
    return participant.counts_as_checked_in


def raw(year: int) -> dict:
    """The figures of `year`, for the county and per town (None: the county's own level), from the rows."""
    today = timezone.localdate()
    meetings = [
        m for m in Meeting.objects.select_related("platform__area") if m.status in HELD and _year(m.starts_at) == year
    ]
    meeting_town = {m.pk: _town(m.platform.area) for m in meetings}
    items = [i for i in OutcomeItem.objects.all() if i.handed_over_on.year == year]
    topics = [t for t in Topic.objects.all() if t.year == year]
    record = [r for r in RecordItem.objects.all() if r.meeting_id in meeting_town]
    published = {i.pk for i in items if i.published_at is not None}
    sat = total = 0
    for response in SatisfactionResponse.objects.filter(item__in=published, **VERIFIED):
        total += 1
        sat += response.rating in SATISFIED_RATINGS
    for tally in SurveyTally.objects.filter(item__in=published):
        total += tally.sample_size
        sat += tally.very_satisfied + tally.satisfied + tally.basically_satisfied
    attended = {
        p.member_id
        for p in Participant.objects.filter(kind="member").select_related("meeting")
        if _year(p.meeting.starts_at) == year and _confirmed(p)
    }
    researched = {
        m.pk for r in Research.objects.prefetch_related("members") if r.date.year == year for m in r.members.all()
    }
    active = {m.pk for m in Member.objects.filter(is_active=True)}
    return {
        "meetings_held": len(meetings),
        "meetings_by_town": Counter(meeting_town.values()),
        "topics_total": len(topics),
        "topics_by_town": Counter(t.town_id for t in topics),
        "suggestions": sum(r.kind == "suggestion" for r in record),
        "consensus": sum(r.kind == "consensus" for r in record),
        "outcomes": len(items),
        "outcomes_by_town": Counter(i.town_id for i in items),
        "implemented": sum(i.status == "implemented" for i in items),
        "implemented_by_town": Counter(i.town_id for i in items if i.status == "implemented"),
        "in_progress": sum(i.status in OutcomeItem.OPEN for i in items),
        "overdue": sum(i.status in OutcomeItem.OPEN and i.deadline < today for i in items),
        "problems_solved": sum(i.problems_solved for i in items if i.status in ("implemented", "partly")),
        "satisfaction": (sat, total),
        "resident_participants": Participant.objects.filter(kind="resident", meeting__in=meeting_town).count(),
        "members_active": len(active),
        "members_took_part": len(active & (attended | researched)),
    }


def _figures(response) -> dict[str, str]:
    page = lxml.html.fromstring(response.content.decode())
    return {cell.get("data-figure"): cell.text_content().strip() for cell in page.xpath("//*[@data-figure]")}


def _links(response) -> dict[str, str]:
    page = lxml.html.fromstring(response.content.decode())
    return {cell.get("data-figure"): cell.xpath(".//a/@href")[0] for cell in page.xpath("//td[@data-figure][.//a]")}


def _listed(client, url: str) -> int:
    response = client.get(url)
    assert response.status_code == 200, url
    return int(lxml.html.fromstring(response.content.decode()).xpath("//*[@data-count]/@data-count")[0])


def _percent(sat_total) -> str:
    sat, total = sat_total
    return f"{sat / total * 100:.1f}%" if total else "—"


# The dashboard's figures that count rows: the list each links to holds exactly those rows.
COUNTED = (
    "meetings_held",
    "suggestions",
    "consensus",
    "topics_total",
    "topics_party",
    "topics_resident",
    "topics_member",
    *(f"status_{s}" for s in Topic.Status.values),
    "outcomes",
    "implemented",
    "partly",
    "not_feasible",
    "answered",
    "in_progress",
    "overdue",
    "resident_topics",
    "resident_participants",
    "members_took_part",
    "members_active",
)


# The dashboard's sums over the held meetings, and the attribute of the meetings list's sums that adds them up.
SUMMED_ON_THE_LIST = (
    ("walk_ins", "data-walk-ins"),
    ("residents_invited", "data-invited"),
    ("residents_attended", "data-attended"),
    ("departments", "data-departments"),
    ("member_times", "data-member-times"),
)


def test_every_page_counts_the_demo_countys_two_years_alike(client, demo):
    client.force_login(demo)
    years = sorted({t.year for t in Topic.objects.all()})
    assert len(years) == 2  # the demo county has a year behind it and the year under way
    towns = list(Area.objects.filter(level=Area.Level.TOWN).order_by("code"))
    for year in years:
        expected = raw(year)
        assert expected["meetings_held"] and expected["outcomes"], year  # something to compare
        dashboard = client.get("/staff/dashboard/", {"year": year})
        figures = _figures(dashboard)
        for key in ("meetings_held", "suggestions", "consensus", "topics_total", "outcomes", "implemented"):
            assert figures[key] == str(expected[key]), (year, key)
        for key in ("in_progress", "overdue", "problems_solved", "resident_participants"):
            assert figures[key] == str(expected[key]), (year, key)
        assert figures["members_active"] == str(expected["members_active"]), year
        assert figures["members_took_part"] == str(expected["members_took_part"]), year
        assert figures["satisfaction_rate"] == _percent(expected["satisfaction"]), year

        # Each figure's list holds exactly what it counts; the sums add up the meetings listed.
        links = _links(dashboard)
        for key in COUNTED:
            assert _listed(client, links[key]) == int(figures[key]), (year, key, links[key])
        listed = lxml.html.fromstring(client.get(links["walk_ins"]).content.decode())
        sums = listed.xpath("//dl[contains(@class, 'meeting-sums')]")[0]
        for key, attribute in SUMMED_ON_THE_LIST:
            assert sums.get(attribute) == figures[key], (year, key)

        # The dashboard's town table, the coverage page and the assessment count each town alike.
        page = lxml.html.fromstring(dashboard.content.decode())
        table = {
            row.get("data-town"): [cell.text_content().strip() for cell in row.xpath("./td")]
            for row in page.xpath("//table[contains(@class, 'by-town')]//tr[@data-town]")
        }
        coverage = client.get("/staff/coverage/", {"year": year}).context
        by_area = {row.pk: row for row in coverage["rows"] if row.level == Area.Level.TOWN}
        scores = {s.town.pk: s for s in client.get("/staff/assessment/", {"year": year}).context["scores"]}
        for town in towns:
            held = expected["meetings_by_town"].get(town.pk, 0)
            assert int(table[str(town.pk)][0]) == by_area[town.pk].meeting_count == scores[town.pk].held == held
            assert scores[town.pk].handed == expected["outcomes_by_town"].get(town.pk, 0)
            assert scores[town.pk].implemented == int(table[str(town.pk)][3])
            assert scores[town.pk].implemented == expected["implemented_by_town"].get(town.pk, 0)
        county_held = expected["meetings_by_town"].get(None, 0)
        assert int(table["county"][0]) == coverage["county"]["meeting_count"] == county_held
        assert coverage["total_meetings"] == expected["meetings_held"]
        # The headline and the coverage page: the same towns below target.
        headline = page.xpath("//p[contains(@class, 'headline')]")[0]
        assert int(headline.get("data-towns-met")) == len(towns) - coverage["towns_below_target"]

        # /stats/ and its CSV.
        public = _figures(client.get("/stats/", {"year": year}))
        assert public["meetings_held"] == str(expected["meetings_held"])
        assert public["topics_total"] == str(expected["topics_total"])
        assert public["implemented"] == str(expected["implemented"])
        assert public["satisfaction"] == _percent(expected["satisfaction"])
        rows = list(csv.reader(io.StringIO(client.get(f"/stats/{year}.csv").content.decode("utf-8-sig"))))
        header, total = rows[0], dict(zip(rows[0], rows[1], strict=True))
        assert total["已开展协商次数"] == str(expected["meetings_held"])
        assert int(total[header[7]]) == expected["topics_total"]
        sat, answers = expected["satisfaction"]
        assert total[header[-1]] == (f"{sat / answers * 100:.1f}" if answers else "")

        # The staff home shows this year's figures, the dashboard's.
        if year == timezone.localdate().year:
            home = _figures(client.get("/staff/"))
            assert home["meetings_held"] == figures["meetings_held"]
            assert home["topics_this_year"] == figures["topics_total"]
            assert home["outcomes_open"] == figures["in_progress"]
            assert home["outcomes_overdue"] == figures["overdue"]
            assert home["outcomes_implemented"] == figures["implemented"]
            assert home["problems_solved"] == figures["problems_solved"]
            assert home["members_active"] == figures["members_active"]
            assert home["members_took_part"] == figures["members_took_part"]
    # And a town's dashboard, against its row and its lists (the same demo county: it takes seconds to build).
    _a_towns_figures_agree_with_its_lists_and_its_row(client)


def _a_towns_figures_agree_with_its_lists_and_its_row(client):
    year = timezone.localdate().year
    town = Area.objects.filter(level=Area.Level.TOWN, assignments__isnull=False).order_by("code").first()
    assert Assignment.objects.filter(area__parent=town).exists() or Assignment.objects.filter(area=town).exists()
    expected = raw(year)
    response = client.get("/staff/dashboard/", {"year": year, "town": town.pk})
    figures = _figures(response)
    assert figures["meetings_held"] == str(expected["meetings_by_town"].get(town.pk, 0))
    assert figures["topics_total"] == str(expected["topics_by_town"].get(town.pk, 0))
    assert figures["outcomes"] == str(expected["outcomes_by_town"].get(town.pk, 0))
    links = _links(response)
    for key in COUNTED:
        assert _listed(client, links[key]) == int(figures[key]), (key, links[key])
