"""The area import: the county's towns and villages, their hierarchy checked by Area.clean as in the admin, each
refusal on its row with its reason."""

import pytest

from consult_portal.models import Area, AuditEntry, OfficeSettings
from tests.imports_helpers import confirm, filled, results_by_line, upload


def _preview(client, rows):
    response = upload(client, "areas", filled(client, "areas", rows))
    assert response.status_code == 200
    return response


@pytest.fixture
def signed_in(client, office):
    client.force_login(office)
    return client


def test_it_adds_towns_and_villages_under_a_town_of_the_same_sheet_in_any_order(signed_in, county):
    rows = [
        {"代码": "V-B1", "名称": "乙一村", "级别": "社区", "上级": "乙镇"},  # its town comes later, named
        {"代码": "T-B", "名称": "乙镇", "级别": "街道"},
        {"代码": "V-B2", "名称": "乙二村", "级别": "村", "上级": "T-B"},
    ]
    response = _preview(signed_in, rows)
    assert [row.action for row in response.context["results"]] == ["create", "create", "create"]
    confirm(signed_in, "areas", response.context["token"])
    town = Area.objects.get(code="T-B")
    assert (town.level, town.parent) == ("town", county)
    assert {v.label for v in town.children.all()} == {"乙镇 / 乙一村", "乙镇 / 乙二村"}


def test_it_refuses_a_village_under_a_village_the_county_or_no_town(signed_in, village_a):
    response = _preview(
        signed_in,
        [
            {"代码": "V-1", "名称": "子村", "级别": "村", "上级": "甲一村"},  # a village of the portal
            {"代码": "V-2", "名称": "孙村", "级别": "村", "上级": "V-3"},  # a village of the sheet
            {"代码": "V-3", "名称": "新村", "级别": "村", "上级": "甲镇"},
            {"代码": "V-4", "名称": "县直村", "级别": "村", "上级": "C0"},  # the county
            {"代码": "V-5", "名称": "无镇村", "级别": "村"},  # no town at all
            {"代码": "V-6", "名称": "远村", "级别": "村", "上级": "无此镇"},  # a town that does not exist
        ],
    )
    rows = results_by_line(response)
    assert rows[4].action == "create"
    for line in (2, 3, 5, 6):
        assert rows[line].action == "error", line
        assert rows[line].reasons[0].startswith("上级："), rows[line].reasons  # beside the parent, as in the admin
    assert "无此镇" in rows[7].reasons[0]
    confirm(signed_in, "areas", response.context["token"])
    assert set(Area.objects.filter(code__startswith="V-").values_list("code", flat=True)) == {"V-A1", "V-3"}


def test_it_refuses_a_town_under_a_village_and_a_second_county(signed_in, village_a):
    response = _preview(
        signed_in,
        [
            {"代码": "T-9", "名称": "错镇", "级别": "镇", "上级": "V-A1"},
            {"代码": "C9", "名称": "别县", "级别": "县"},
        ],
    )
    rows = results_by_line(response)
    assert rows[2].action == "error" and rows[2].reasons[0].startswith("上级：")
    assert rows[3].action == "error" and "C0" in rows[3].reasons[0]


def test_it_refuses_a_duplicate_code_and_a_duplicate_name_in_a_town(signed_in, village_a):
    response = _preview(
        signed_in,
        [
            {"代码": "V-7", "名称": "七村", "级别": "村", "上级": "甲镇"},
            {"代码": "V-7", "名称": "八村", "级别": "村", "上级": "甲镇"},
            {"代码": "V-9", "名称": "七村", "级别": "村", "上级": "甲镇"},
            {"代码": "V-10", "名称": "甲一村", "级别": "村", "上级": "甲镇"},  # the portal's V-A1 has the name
        ],
    )
    rows = results_by_line(response)
    assert rows[2].action == "create"
    assert rows[3].action == "error" and "V-7" in rows[3].reasons[0] and "2" in rows[3].reasons[0]
    assert rows[4].action == "error" and "七村" in rows[4].reasons[0] and "2" in rows[4].reasons[0]
    assert rows[5].action == "error" and "V-A1" in rows[5].reasons[0]


def test_it_refuses_a_village_whose_town_row_is_refused_naming_that_row(signed_in, county):
    response = _preview(
        signed_in,
        [{"代码": "T-1", "名称": "", "级别": "镇"}, {"代码": "V-1", "名称": "一村", "级别": "村", "上级": "T-1"}],
    )
    rows = results_by_line(response)
    assert rows[2].action == rows[3].action == "error"
    assert "T-1" in rows[3].reasons[0] and "2" in rows[3].reasons[0]


def test_it_refuses_towns_before_there_is_a_county(signed_in, db):
    response = _preview(signed_in, [{"代码": "T-1", "名称": "一镇", "级别": "镇"}])
    [row] = response.context["results"]
    assert row.action == "error" and "县" in row.reasons[0]


def test_it_renames_and_moves_an_area_by_its_code_and_audits_it(signed_in, village_a, town_b):
    response = _preview(signed_in, [{"代码": "V-A1", "名称": "甲一社区", "级别": "社区", "上级": "乙镇"}])
    [row] = response.context["results"]
    assert row.action == "update" and set(row.changes) == {"名称", "上级"}
    confirm(signed_in, "areas", response.context["token"])
    village_a.refresh_from_db()
    assert (village_a.name, village_a.parent) == ("甲一社区", town_b)
    entry = AuditEntry.objects.get(action="area_import")
    assert (entry.before["name"], entry.after["name"]) == ("甲一村", "甲一社区")


def test_a_blank_parent_keeps_a_village_in_its_town(signed_in, village_a):
    response = _preview(signed_in, [{"代码": "V-A1", "名称": "甲一村", "级别": "村"}])
    assert [row.action for row in response.context["results"]] == ["unchanged"]
    assert response.context["token"] == ""


def test_it_refuses_an_unknown_level(signed_in, county):
    response = _preview(signed_in, [{"代码": "X", "名称": "某地", "级别": "省"}])
    [row] = response.context["results"]
    assert row.action == "error" and "省" in row.reasons[0]


def test_it_takes_the_word_the_office_settings_give_the_county(signed_in, db):
    rows = [{"代码": "C1", "名称": "峨眉山市", "级别": "市"}]  # a county-level city
    assert [row.action for row in _preview(signed_in, rows).context["results"]] == ["error"]
    OfficeSettings(county_word="市").save()
    assert [row.action for row in _preview(signed_in, rows).context["results"]] == ["create"]
