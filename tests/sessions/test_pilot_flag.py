"""Pilot villages, towns and platforms (试点, #14): a column of the areas and platforms imports (是/否, optional),
a box on the staff platform form, a badge on the platform list, its page and the coverage page, a filter of the list."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from lxml import html as lxml_html

from consult_portal.models import Area, AuditEntry
from sessions.models import Platform
from tests.documents_helpers import rows_of
from tests.factories import AreaFactory, PlatformFactory
from tests.imports_helpers import confirm, preview, results_by_line


@pytest.fixture
def signed_in(client, office):
    client.force_login(office)
    return client


def _badged(page: str) -> list[str]:
    """The names the page marks as pilots: the text before each pilot badge, in its cell."""
    tree = lxml_html.fromstring(page)
    names = []
    for badge in tree.xpath("//*[@data-pilot]"):
        assert badge.text_content().strip() == "试点"
        cell = badge.getparent()
        names.append((cell.xpath("./a")[0].text_content() if cell.xpath("./a") else cell.text or "").strip())
    return names


def test_the_areas_import_marks_pilot_villages_and_keeps_them_on_a_blank_cell(signed_in, town_a):
    rows = [
        {"代码": "V-P1", "名称": "试点村", "级别": "村", "上级": "甲镇", "是否试点": "是"},
        {"代码": "V-P2", "名称": "普通村", "级别": "村", "上级": "甲镇", "是否试点": "否"},
        {"代码": "V-P3", "名称": "未填村", "级别": "村", "上级": "甲镇"},
    ]
    response = preview(signed_in, "areas", rows)
    assert [row.action for row in response.context["results"]] == ["create", "create", "create"]
    confirm(signed_in, "areas", response.context["token"])
    assert dict(Area.objects.filter(code__startswith="V-P").values_list("code", "is_pilot")) == {
        "V-P1": True,
        "V-P2": False,
        "V-P3": False,
    }
    again = preview(signed_in, "areas", [{**rows[0], "是否试点": ""}, {**rows[1], "是否试点": "是"}])
    by_line = results_by_line(again)
    assert by_line[2].action == "unchanged"  # blank: the pilot stays a pilot
    assert (by_line[3].action, by_line[3].changes) == ("update", ["是否试点"])
    confirm(signed_in, "areas", again.context["token"])
    assert Area.objects.get(code="V-P2").is_pilot
    assert AuditEntry.objects.filter(action="area_import", after__is_pilot=True).count() == 2


def test_a_pilot_cell_that_is_neither_yes_nor_no_refuses_the_row(signed_in, town_a):
    row = {"代码": "V-X", "名称": "某村", "级别": "村", "上级": "甲镇", "是否试点": "也许"}
    response = preview(signed_in, "areas", [row])
    (row,) = response.context["results"]
    assert row.action == "error"
    assert row.reasons == ["是否试点：请填写“是”或“否”，而不是“也许”。"]
    assert "是否试点：请填写“是”或“否”，而不是“也许”。" in response.content.decode()


def test_the_platforms_import_marks_pilot_platforms(signed_in, village_a):
    rows = [
        {"名称": "甲一村试点议事室", "级别": "村", "所在地": "甲镇/甲一村", "是否试点": "是"},
        {"名称": "甲镇议事室", "级别": "镇", "所在地": "甲镇"},
    ]
    response = preview(signed_in, "platforms", rows)
    assert [row.action for row in response.context["results"]] == ["create", "create"]
    confirm(signed_in, "platforms", response.context["token"])
    assert dict(Platform.objects.values_list("name", "is_pilot")) == {"甲一村试点议事室": True, "甲镇议事室": False}


def test_staff_mark_a_platform_as_pilot_and_the_list_shows_and_filters_it(signed_in, village_a, town_a):
    platform = PlatformFactory(name="甲一村议事室", level="village", area=village_a)
    PlatformFactory(name="甲镇议事室", level="town", area=town_a)
    form = lxml_html.fromstring(signed_in.get(f"/staff/platforms/{platform.pk}/edit/").content.decode())
    (box,) = form.xpath('//input[@name="is_pilot"]')
    assert box.get("type") == "checkbox"
    assert form.xpath(f'//label[@for="{box.get("id")}"]')[0].text_content().strip() == "试点"
    data = {"name": "甲一村议事室", "level": "village", "kind": "room", "area": village_a.pk, "is_pilot": "on"}
    response = signed_in.post(f"/staff/platforms/{platform.pk}/edit/", data)
    assert response.status_code == 302
    platform.refresh_from_db()
    assert platform.is_pilot
    assert AuditEntry.objects.get(action="platform_update").after["is_pilot"] is True
    assert _badged(signed_in.get("/staff/platforms/").content.decode()) == ["甲一村议事室"]
    assert _badged(signed_in.get(f"/staff/platforms/{platform.pk}/").content.decode()) == ["甲一村议事室"]
    only = lxml_html.fromstring(signed_in.get("/staff/platforms/", {"pilot": "on"}).content.decode())
    assert [row.xpath("./td/a")[0].text_content() for row in only.xpath("//tr[@data-platform]")] == ["甲一村议事室"]


def test_the_coverage_page_marks_pilot_towns_and_villages(signed_in, town_a, village_a):
    village_a.is_pilot = True
    village_a.save()
    AreaFactory(name="甲二村", code="V-A2", level="village", parent=town_a)
    page = signed_in.get("/staff/coverage/").content.decode()
    tree = lxml_html.fromstring(page)
    pilot_rows = [row.get("data-area") for row in tree.xpath("//tr[.//*[@data-pilot]]")]
    assert pilot_rows == ["V-A1"]


def test_the_platform_list_keeps_its_query_count_with_pilots(signed_in, town_a):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert signed_in.get("/staff/platforms/", {"pilot": "on"}).status_code == 200
        return len(queries)

    PlatformFactory(name="试点一", level="town", area=town_a, is_pilot=True)
    few = count()
    for n in range(5):
        PlatformFactory(name=f"试点{n + 2}", level="town", area=town_a, is_pilot=True)
    assert count() == few


def test_the_platforms_export_marks_the_pilots(signed_in, town_a):
    PlatformFactory(name="试点议事室", level="town", area=town_a, is_pilot=True)
    PlatformFactory(name="普通议事室", level="town", area=town_a)
    header, *rows = rows_of(signed_in.get("/staff/documents/platforms.xlsx"))
    column = header.index("试点")
    assert {row[0]: row[column] for row in rows} == {"试点议事室": "试点", "普通议事室": None}
    only = rows_of(signed_in.get("/staff/documents/platforms.xlsx", {"pilot": "on"}))
    assert [row[0] for row in only[1:]] == ["试点议事室"]
