"""Every table with a total adds up to it (#14): the dashboard's town table and its .xlsx, the coverage page and its
.xlsx, /stats/ and its CSV, and the assessment's county and total rows: the towns and the county's own row make
the whole county, for the demo county's two years."""

import csv
import io
from io import StringIO

import lxml.html
import pytest
from django.core.management import call_command
from openpyxl import load_workbook

from consult_portal.models import User
from topics.models import Topic

pytestmark = pytest.mark.django_db


@pytest.fixture
def demo_client(client, db):
    call_command("seed_demo", allow_production=True, stdout=StringIO())
    client.force_login(User.objects.get(username="office"))
    return client


def _numbers(cells) -> list:
    """The cells as numbers (a count, or a rate's "—" / "87.5%" as None: rates do not add up)."""
    found = []
    for cell in cells:
        text = cell.strip() if isinstance(cell, str) else cell
        found.append(int(text) if isinstance(text, int) or (isinstance(text, str) and text.isdigit()) else None)
    return found


def _adds_up(rows: list[list], total: list, what: str) -> None:
    for column, value in enumerate(total):
        if value is None:
            continue
        parts = [row[column] for row in rows]
        if any(part is None for part in parts):
            continue
        assert sum(parts) == value, (what, column, parts, value)


def _years():
    return sorted({t.year for t in Topic.objects.all()})


def _the_dashboards_town_table_and_its_export_add_up(demo_client):
    for year in _years():
        page = lxml.html.fromstring(demo_client.get("/staff/dashboard/", {"year": year}).content.decode())
        rows = {
            row.get("data-town"): _numbers(cell.text_content() for cell in row.xpath("./td"))
            for row in page.xpath("//table[contains(@class, 'by-town')]//tr[@data-town]")
        }
        total = rows.pop("total")
        assert "county" in rows  # the county's own row
        _adds_up(list(rows.values()), total, f"dashboard {year}")
        # The section figures are the total row's.
        figures = {c.get("data-figure"): c.text_content().strip() for c in page.xpath("//*[@data-figure]")}
        assert int(figures["meetings_held"]) == total[0] and int(figures["implemented"]) == total[3]

        response = demo_client.get("/staff/dashboard/export.xlsx", {"year": year})
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
        lines = list(sheet.iter_rows(values_only=True))
        start = next(i for i, line in enumerate(lines) if line and line[0] == "镇/街道") + 1
        table = [list(line[1:]) for line in lines[start:] if line and line[0]]
        *parts, whole = table
        _adds_up([_numbers(p) for p in parts], _numbers(whole), f"dashboard.xlsx {year}")


def _the_coverage_and_its_export_add_up(demo_client):
    for year in _years():
        context = demo_client.get("/staff/coverage/", {"year": year}).context
        towns = [row for row in context["figures"]["rows"] if row.level == "town"]
        county = context["figures"]["county"]
        assert context["figures"]["total_meetings"] == sum(r.meeting_count for r in towns) + county["meeting_count"]
        assert context["figures"]["total_platforms"] == sum(r.platform_count for r in towns) + county["platform_count"]
        assert county["platform_count"] > 0  # the demo county has its own platforms
        response = demo_client.get("/staff/documents/coverage.xlsx", {"year": year})
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
        lines = list(sheet.iter_rows(values_only=True))[1:]
        town_lines = [line for line in lines if line[0] in {t.name for t in towns}]
        county_line, total_line = lines[-2], lines[-1]
        for column in (2, 5):  # platforms, consultations held
            assert sum(line[column] for line in town_lines) + county_line[column] == total_line[column], column
        assert total_line[5] == context["figures"]["total_meetings"]


def _the_public_statistics_and_the_csv_add_up(demo_client):
    for year in _years():
        page = lxml.html.fromstring(demo_client.get("/stats/", {"year": year}).content.decode())
        rows = [
            _numbers(cell.text_content() for cell in row.xpath("./td"))
            for row in page.xpath("//table[contains(@class, 'public-stats')]/tbody/tr")
        ]
        figures = {c.get("data-figure"): c.text_content().strip() for c in page.xpath("//*[@data-figure]")}
        assert sum(row[0] for row in rows) == int(figures["meetings_held"])
        assert sum(row[5] for row in rows) == int(figures["topics_total"])
        for path in (f"/stats/{year}.csv", f"/stats/{min(_years())}-{max(_years())}.csv"):
            lines = list(csv.reader(io.StringIO(demo_client.get(path).content.decode("utf-8-sig"))))
            header, whole, *parts = lines
            for column, label in enumerate(header):
                if column < 2 or "%" in label:
                    continue  # the year, the name, and the rates
                assert sum(int(p[column]) for p in parts) == int(whole[column]), (path, label)


def _the_assessments_stations_and_county_row_make_the_whole_county(demo_client):
    for year in _years():
        response = demo_client.get("/staff/assessment/", {"year": year})
        context = response.context
        page = lxml.html.fromstring(response.content.decode())
        county = page.xpath("//tfoot/tr[@data-town='county']")[0]
        whole = page.xpath("//tfoot/tr[@data-town='total']")[0]
        for attribute, field in (("data-held", "held"), ("data-handed", "handed"), ("data-implemented", "implemented")):
            stations = sum(getattr(score, field) for score in context["scores"])
            assert stations + int(county.get(attribute)) == int(whole.get(attribute)), (year, attribute)


def test_every_table_of_the_demo_countys_two_years_adds_up_to_its_total(demo_client):
    """One demo county (it takes seconds to build) for every table."""
    assert len(_years()) == 2
    _the_dashboards_town_table_and_its_export_add_up(demo_client)
    _the_coverage_and_its_export_add_up(demo_client)
    _the_public_statistics_and_the_csv_add_up(demo_client)
    _the_assessments_stations_and_county_row_make_the_whole_county(demo_client)
