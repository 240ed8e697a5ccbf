"""The public statistics: counts for everyone, no personal data, and the open-data CSV."""

import csv
import io

import lxml.html
import pytest

from tests.overview.test_dashboard import YEAR, build_year


@pytest.fixture
def year_data(county, town_a, town_b, village_a):
    return build_year(county, town_a, town_b, village_a)


def _figures(response) -> dict[str, str]:
    page = lxml.html.fromstring(response.content.decode())
    return {node.get("data-figure"): node.text_content().strip() for node in page.xpath("//*[@data-figure]")}


def test_it_shows_the_county_figures_without_a_login(client, year_data):
    response = client.get("/stats/")
    assert response.status_code == 200
    figures = _figures(response)
    assert figures == {
        "meetings_held": "4",
        "topics_total": "5",
        "implemented": "1",
        "problems_solved": "2",  # the implemented item's and the partly implemented one's
        "participation": "—",  # no participation recorded
        "satisfaction": "50.0%",
        "party": "1",
        "resident": "3",
        "member": "1",
    }


def test_it_shows_each_town_and_the_county_level(client, year_data):
    page = lxml.html.fromstring(client.get("/stats/", {"year": YEAR}).content.decode())
    rows = [[cell.text_content().strip() for cell in row] for row in page.xpath("//table//tbody/tr")]
    # meetings, target, topics by source and total, suggestions, consensus, items, implemented, problems solved,
    # residents invited / attending, participation rate, departments, member-times, satisfaction
    assert rows[0] == ["甲镇", "2", "2", "1", "2", "1", "4", "3", "1", "3", "1", "2", "0", "0", "—", "0", "0", "57.1%"]
    assert rows[1] == ["乙镇", "1", "2", "0", "1", "0", "1", "1", "1", "2", "0", "0", "0", "0", "—", "0", "0", "0.0%"]
    assert rows[2][1:3] == ["1", "0"]  # the county-level platform's meeting, no town target


def test_it_shows_no_personal_data(client, year_data):
    content = client.get("/stats/").content.decode()
    for personal in ("李四", "王大爷", "13800000000", "甲委员一", "县交通运输局"):
        assert personal not in content


def test_every_input_has_a_label(client, year_data):
    page = lxml.html.fromstring(client.get("/stats/").content.decode())
    main = page.get_element_by_id("main")
    for field in main.xpath(".//select|.//input[not(@type='hidden')]"):
        assert main.xpath(f".//label[@for='{field.get('id')}']"), field.get("name")


def test_the_csv_is_open_data_that_excel_reads(client, year_data):
    response = client.get(f"/stats/{YEAR}.csv")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response.content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel then reads UTF-8
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + 1 + 2 + 1  # header, county, two towns, county level
    header, county, town_a, town_b = rows[0], rows[1], rows[2], rows[3]
    assert len(header) == 19
    # Numbers in the numeric columns: rates as percentages, empty where there is no base (no "—", no "%").
    # meetings, target, topics by source and total, suggestions, consensus, items, implemented, problems solved,
    # residents invited / attending, participation rate, departments, member-times, satisfaction
    assert county[0] == str(YEAR)
    assert county[2:] == ["4", "4", "1", "3", "1", "5", "5", "2", "6", "1", "2", "0", "0", "", "0", "0", "50.0"]
    assert town_a[1:] == ["甲镇", "2", "2", "1", "2", "1", "4", "3", "1", "3", "1", "2", "0", "0", "", "0", "0", "57.1"]
    assert town_b[1:] == ["乙镇", "1", "2", "0", "1", "0", "1", "1", "1", "2", "0", "0", "0", "0", "", "0", "0", "0.0"]
    assert header[:3] == ["年度", "镇/街道", "已开展协商次数"]
    # needs .pending_i18n/dashboard.json
    assert county[1] == "全县"


def test_the_page_links_to_the_csv_of_its_year(client, year_data):
    page = lxml.html.fromstring(client.get("/stats/", {"year": YEAR}).content.decode())
    assert page.xpath(f"//a[@href='/stats/{YEAR}.csv']")


@pytest.mark.parametrize("year", [1999, YEAR + 1])
def test_a_year_out_of_range_is_not_found(client, db, year):
    assert client.get(f"/stats/{year}.csv").status_code == 404


def test_the_home_page_links_to_the_statistics(client, db):
    assert b'href="/stats/"' in client.get("/").content


def test_the_query_count_does_not_grow_with_the_data(client, county, town_a, town_b, village_a):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consult_portal.models import Area
    from tests.factories import AreaFactory

    build_year(county, town_a, town_b, village_a)
    client.get("/stats/")
    with CaptureQueriesContext(connection) as small:
        client.get("/stats/")
        client.get(f"/stats/{YEAR}.csv")
    for n in range(3):
        town = AreaFactory(name=f"新镇{n}", code=f"T-N{n}", level=Area.Level.TOWN, parent=county)
        village = AreaFactory(name=f"新镇{n}一村", code=f"V-N{n}", level=Area.Level.VILLAGE, parent=town)
        build_year(county, town, AreaFactory(name=f"新镇{n}乙", code=f"T-M{n}", parent=county), village)
    with CaptureQueriesContext(connection) as large:
        client.get("/stats/")
        client.get(f"/stats/{YEAR}.csv")
    assert len(large) == len(small), "\n".join(q["sql"] for q in large.captured_queries)
