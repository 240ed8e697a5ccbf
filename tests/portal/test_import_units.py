"""The sector and responsible-unit imports: matched by name, a town government under a town that exists."""

import pytest

from consult_portal.models import AuditEntry, ResponsibleUnit, Sector
from tests.imports_helpers import confirm, preview, results_by_line


@pytest.fixture
def signed_in(client, office):
    client.force_login(office)
    return client


def test_it_adds_the_sectors_it_does_not_have_and_refuses_a_repeated_one(signed_in, db):
    Sector.objects.create(name="经济界")
    response = preview(signed_in, "sectors", [{"名称": "经济界"}, {"名称": "农业界"}, {"名称": "农业界"}])
    assert [row.action for row in response.context["results"]] == ["unchanged", "create", "error"]
    confirm(signed_in, "sectors", response.context["token"])
    assert set(Sector.objects.values_list("name", flat=True)) == {"经济界", "农业界"}
    assert AuditEntry.objects.filter(action="sector_import").count() == 1


def test_it_adds_departments_and_town_governments(signed_in, town_a):
    response = preview(
        signed_in,
        "units",
        [
            {"名称": "区交通局", "联系人": "李科长", "联系电话": "0833-5123456", "邮箱": "jt@example.invalid"},
            {"名称": "甲镇人民政府", "类型": "镇(街道)政府", "所属镇街": "甲镇"},
        ],
    )
    assert [row.action for row in response.context["results"]] == ["create", "create"]
    confirm(signed_in, "units", response.context["token"])
    assert ResponsibleUnit.objects.get(name="区交通局").kind == "department"
    assert ResponsibleUnit.objects.get(name="甲镇人民政府").town == town_a
    assert AuditEntry.objects.filter(action="unit_import").count() == 2


def test_it_refuses_a_unit_of_a_town_that_does_not_exist_and_other_mistakes(signed_in, town_a, village_a):
    response = preview(
        signed_in,
        "units",
        [
            {"名称": "丙镇人民政府", "类型": "镇(街道)政府", "所属镇街": "丙镇"},
            {"名称": "甲一村委会", "类型": "镇(街道)政府", "所属镇街": "甲一村"},
            {"名称": "无镇政府", "类型": "镇(街道)政府"},
            {"名称": "区水务局", "类型": "水利"},
            {"名称": "区教育局", "联系电话": "12345678901234567890123"},
            {"名称": "区教育局", "邮箱": "not-an-email"},
            {"名称": "区民政局", "所属镇街": "甲镇"},
        ],
    )
    rows = results_by_line(response)
    assert all(row.action == "error" for row in rows.values())
    assert "丙镇" in rows[2].reasons[0]
    assert "甲一村" in rows[3].reasons[0]
    assert "所属镇街" in rows[4].reasons[0]
    assert "水利" in rows[5].reasons[0]
    assert rows[6].reasons[0].startswith("联系电话：")
    assert "区教育局" in rows[7].reasons[0] and "6" in rows[7].reasons[0]  # the name is on row 6 already
    assert "所属镇街" in rows[8].reasons[0]
    assert response.context["token"] == ""


def test_it_changes_a_unit_named_in_the_sheet_and_keeps_what_a_blank_cell_leaves(signed_in, unit):
    unit.contact_phone = "0833-1111111"
    unit.save()
    response = preview(signed_in, "units", [{"名称": unit.name, "联系人": "王主任"}])
    [row] = response.context["results"]
    assert row.action == "update" and row.changes == ["联系人"]
    confirm(signed_in, "units", response.context["token"])
    unit.refresh_from_db()
    assert (unit.contact_name, unit.contact_phone) == ("王主任", "0833-1111111")
