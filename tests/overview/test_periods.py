"""A span of years (#14.4): the dashboard, /stats/ and the CSV offer "2025–2026" beside each year, every figure
counts in the year the thing happened (a meeting when it started, an item when it was handed over), and a span's
figure is the sum of its years'."""

import csv
import io
from datetime import date

import lxml.html
import pytest

from consult_portal.overview import stats
from consult_portal.periods import Period, parse
from outcomes.models import OutcomeItem
from tests.factories import OutcomeFactory, PlatformFactory, TopicFactory, UnitFactory
from tests.overview.test_dashboard import YEAR, _at, _meeting, build_year

pytestmark = pytest.mark.django_db
LAST = YEAR - 1
SPAN = f"{LAST}-{YEAR}"


@pytest.fixture
def two_years(county, town_a, town_b, village_a):
    """This year's work (test_dashboard.build_year, with one meeting and one topic of last year in town A), and
    more of last year's: two meetings in town A and one at the county, two topics (one of the county), and three
    items handed over last year (typed in today: 补录), one of them implemented."""
    build_year(county, town_a, town_b, village_a)
    room = PlatformFactory(name="甲镇旧议事室", level="town", area=town_a)
    hall = PlatformFactory(name="县议事厅旧址", level="county", area=county)
    m1, _m2 = _meeting(room, when=_at(3, year=LAST)), _meeting(room, when=_at(9, year=LAST))
    _meeting(hall, when=_at(10, year=LAST))
    TopicFactory(town=town_a, source="resident", year=LAST)  # build_year has one more of last year's in town A
    TopicFactory(town=None, source="party", requesting_body="县委办", year=LAST)
    unit = UnitFactory(name="县水务局")
    for status in ("implemented", "in_progress", "answered"):
        item = OutcomeFactory(meeting=m1, unit=unit, status=status, deadline=date(LAST, 12, 1))
        OutcomeItem.objects.filter(pk=item.pk).update(handed_over_on=date(LAST, 4, 1))


def _figures(response) -> dict[str, str]:
    page = lxml.html.fromstring(response.content.decode())
    return {cell.get("data-figure"): cell.text_content().strip() for cell in page.xpath("//*[@data-figure]")}


def test_a_period_reads_a_year_or_a_span():
    assert parse("2025") == Period(2025, 2025) and str(parse("2025")) == "2025"
    assert parse("2021-2026") == parse("2021–2026") == Period(2021, 2026)
    assert str(Period(2021, 2026)) == "2021–2026" and Period(2021, 2026).param == "2021-2026"
    for bad in ("2026-2021", "20x5", "1999", "2021-"):
        with pytest.raises(ValueError):
            parse(bad)


def test_each_figure_counts_in_the_year_it_happened(two_years):
    last, this = stats.compute(year=LAST), stats.compute(year=YEAR)
    assert (last.total.meetings_held, last.county_wide.meetings_held, last.by_town[0].meetings_held) == (4, 1, 3)
    assert (last.total.topics_total, last.county_wide.topics_total) == (3, 1)
    assert (last.total.outcomes, last.total.implemented, last.total.in_progress) == (3, 1, 1)
    assert last.total.overdue == 1  # due last December, still in progress
    assert (this.total.meetings_held, this.total.outcomes) == (4, 6)  # as test_dashboard counts them


def test_a_spans_figures_are_the_sums_of_its_years(two_years):
    span = stats.compute(period=SPAN)
    years = [stats.compute(year=LAST), stats.compute(year=YEAR)]
    for name in stats.SUMMED:
        assert getattr(span.total, name) == sum(getattr(y.total, name) for y in years), name
    assert span.total.topics_total == sum(y.total.topics_total for y in years)
    assert span.total.target == 2 * years[0].total.target  # a town's target for each year of the span
    assert span.total.satisfaction == years[0].total.satisfaction + years[1].total.satisfaction
    for town_span, *town_years in zip(span.by_town, years[0].by_town, years[1].by_town, strict=True):
        assert town_span.meetings_held == sum(t.meetings_held for t in town_years)


def test_the_dashboard_offers_the_span_and_its_lists_count_the_same(client, office, two_years):
    client.force_login(office)
    response = client.get("/staff/dashboard/", {"year": SPAN})
    page = lxml.html.fromstring(response.content.decode())
    assert page.xpath(f"//select[@name='year']/option[@value='{SPAN}']")[0].text_content() == f"{LAST}–{YEAR}"
    assert f"{LAST}–{YEAR}" in page.xpath("//h1")[0].text_content()
    figures = _figures(response)
    assert (figures["meetings_held"], figures["outcomes"], figures["topics_total"]) == ("8", "9", "8")
    link = page.xpath("//td[@data-figure='meetings_held']//a/@href")[0]
    assert f"year={SPAN}" in link
    listed = lxml.html.fromstring(client.get(link).content.decode())
    assert listed.xpath("//*[@data-count]/@data-count") == ["8"]


def test_a_bad_span_is_refused_beside_the_field(client, office, two_years):
    client.force_login(office)
    response = client.get("/staff/dashboard/", {"year": f"{YEAR}-{LAST}"})
    assert response.status_code == 200
    assert response.context["form"].errors["year"]  # the reason beside the year
    assert 'class="invalid-feedback d-block"' in response.content.decode()
    assert _figures(response)["meetings_held"] == "4"  # and this year's figures meanwhile


def test_the_public_statistics_and_the_span_csv(client, two_years):
    figures = _figures(client.get("/stats/", {"year": SPAN}))
    assert (figures["meetings_held"], figures["topics_total"], figures["implemented"]) == ("8", "8", "2")
    response = client.get(f"/stats/{SPAN}.csv")
    assert response.status_code == 200
    assert response["Content-Disposition"].endswith(f'consultation-stats-{SPAN}.csv"')
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][:4] == [SPAN, "全县", "8", "8"]  # the meetings and the target (2 towns × 2 a year × 2 years)
    for year_path in (f"/stats/{LAST}.csv", f"/stats/{YEAR}.csv"):
        assert client.get(year_path).status_code == 200
    assert client.get(f"/stats/{YEAR}-{LAST}.csv").status_code == 404
    assert client.get(f"/stats/{LAST}-{YEAR + 1}.csv").status_code == 404  # not in the future


def test_the_csv_has_numbers_in_its_numeric_columns_and_blanks_for_none(client, two_years):
    rows = list(csv.reader(io.StringIO(client.get(f"/stats/{YEAR}.csv").content.decode("utf-8-sig"))))
    for row in rows[1:]:
        for cell in row[2:]:
            assert cell == "" or cell.replace(".", "", 1).isdigit(), row
    assert not any("—" in cell or "%" in cell for row in rows[1:] for cell in row)


def test_the_public_statistics_refuse_a_bad_period_beside_the_field(client, two_years):
    response = client.get("/stats/", {"year": f"{YEAR}-{LAST}"})
    assert response.status_code == 200
    assert response.context["form"].errors["year"]
    page = lxml.html.fromstring(response.content.decode())
    assert page.xpath("//select[@name='year']/following-sibling::div[contains(@class, 'invalid-feedback')]")
    assert _figures(response)["meetings_held"] == "4"  # this year's figures meanwhile
