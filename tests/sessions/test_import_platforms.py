"""The platform and special-committee imports: platforms by level, kind, place and their "five haves" dates, checked
by the registry's rules; committees with their liaison stations and member studios."""

from datetime import date, timedelta

import pytest

from consult_portal.models import AuditEntry, Committee
from sessions.models import Platform
from tests.factories import PlatformFactory, SectorFactory
from tests.imports_helpers import confirm, filled, preview, results_by_line, upload


@pytest.fixture
def signed_in(client, office):
    client.force_login(office)
    return client


def test_it_adds_platforms_with_their_place_and_five_haves_dates(signed_in, town_a, village_a):
    SectorFactory(name="农业界")
    response = preview(
        signed_in,
        "platforms",
        [
            {
                "名称": "甲镇协商议事室",
                "级别": "镇街级",
                "所在地": "甲镇",
                "地址": "甲镇政府二楼",
                "依托单位": "甲镇人民政府",
                "联系人": "李主任",
                "联系电话": "13800001234",
                "有机构确认日期": "2024-03-01",
                "有牌子确认日期": "2024/3/2",
                "有人员确认日期": "2024年3月3日",
                "有制度确认日期": "2024.3.4",
            },
            {"名称": "甲一村议事点", "级别": "村", "类型": "协商议事点", "所在地": "甲镇/甲一村"},
            {"名称": "农业界委员工作室", "级别": "镇街级", "类型": "委员工作室", "所在地": "T-A", "界别": "农业界"},
        ],
    )
    assert [row.action for row in response.context["results"]] == ["create"] * 3
    confirm(signed_in, "platforms", response.context["token"])
    room = Platform.objects.get(name="甲镇协商议事室")
    assert (room.area, room.level, room.kind, room.host_unit) == (town_a, "town", "room", "甲镇人民政府")
    assert [
        room.organisation_confirmed_on,
        room.sign_confirmed_on,
        room.staff_confirmed_on,
        room.rules_confirmed_on,
    ] == [date(2024, 3, day) for day in (1, 2, 3, 4)]
    assert Platform.objects.get(name="甲一村议事点").area == village_a
    assert Platform.objects.get(name="农业界委员工作室").sector.name == "农业界"
    assert AuditEntry.objects.filter(action="platform_create").count() == 3


def test_it_refuses_a_village_under_the_wrong_town_and_the_registrys_other_rules(signed_in, village_a, town_b):
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    response = preview(
        signed_in,
        "platforms",
        [
            {"名称": "错村议事点", "级别": "村社区级", "所在地": "乙镇/甲一村"},
            {"名称": "错级议事室", "级别": "镇街级", "所在地": "甲镇/甲一村"},
            {"名称": "无界别工作室", "级别": "镇街级", "类型": "委员工作室", "所在地": "甲镇"},
            {"名称": "未来议事室", "级别": "镇街级", "所在地": "甲镇", "有机构确认日期": tomorrow},
            {"名称": "坏日期议事室", "级别": "镇街级", "所在地": "甲镇", "有牌子确认日期": "三月一日"},
            {"名称": "无地议事室", "级别": "镇街级", "所在地": "无此地"},
            {"名称": "甲一村议事点", "级别": "村社区级", "所在地": "甲一村"},
            {"名称": "甲一村议事点", "级别": "村社区级", "所在地": "甲一村"},
        ],
    )
    rows = results_by_line(response)
    assert "甲一村" in rows[2].reasons[0] and "乙镇" in rows[2].reasons[0]
    assert rows[3].reasons[0].startswith("级别：")
    assert rows[4].reasons[0].startswith("界别：")
    assert rows[5].reasons[0].startswith("有机构确认日期：")
    assert "三月一日" in rows[6].reasons[0]
    assert "无此地" in rows[7].reasons[0]
    assert rows[8].action == "create"  # a village's own name, when one village has it
    assert rows[9].action == "error" and "8" in rows[9].reasons[0]
    assert all(rows[line].action == "error" for line in range(2, 8))


def test_it_changes_a_platform_by_its_name_and_a_second_upload_changes_nothing(signed_in, town_a):
    platform = PlatformFactory(name="甲镇协商议事室", area=town_a, level="town", address="旧址")
    sheet = filled(
        signed_in, "platforms", [{"名称": platform.name, "级别": "镇街级", "所在地": "甲镇", "地址": "新址"}]
    )
    response = upload(signed_in, "platforms", sheet)
    [row] = response.context["results"]
    assert row.action == "update" and row.changes == ["地址"]
    confirm(signed_in, "platforms", response.context["token"])
    platform.refresh_from_db()
    assert platform.address == "新址"
    assert AuditEntry.objects.filter(action="platform_update", object_id=str(platform.pk)).exists()
    assert [row.action for row in upload(signed_in, "platforms", sheet).context["results"]] == ["unchanged"]


def test_it_links_committees_to_their_stations_and_studios(signed_in, town_a, town_b, village_a):
    studio = PlatformFactory(name="法律工作室", area=town_a, level="town", kind="studio", sector=SectorFactory())
    PlatformFactory(name="甲镇议事室", area=town_a, level="town")
    response = preview(
        signed_in,
        "committees",
        [
            {"名称": "社会法制委", "联络站": "甲镇、乙镇", "委员工作室": "法律工作室"},
            {"名称": "经济委", "联络站": "丙镇"},
            {"名称": "农业委", "联络站": "甲一村"},
            {"名称": "文史委", "委员工作室": "甲镇议事室；无此室"},
            {"名称": "教科委", "委员工作室": "法律工作室"},
        ],
    )
    rows = results_by_line(response)
    assert rows[2].action == "create"
    assert "丙镇" in rows[3].reasons[0]
    assert "甲一村" in rows[4].reasons[0]
    assert "甲镇议事室" in rows[5].reasons[0] and "无此室" in rows[5].reasons[1]
    assert "法律工作室" in rows[6].reasons[0] and "2" in rows[6].reasons[0]
    confirm(signed_in, "committees", response.context["token"])
    committee = Committee.objects.get(name="社会法制委")
    assert set(committee.stations.all()) == {town_a, town_b}
    studio.refresh_from_db()
    assert studio.committee == committee

    response = preview(signed_in, "committees", [{"名称": "社会法制委", "联络站": "乙镇"}])
    [row] = response.context["results"]
    assert row.action == "update" and row.changes == ["联络站"]
    confirm(signed_in, "committees", response.context["token"])
    assert list(committee.stations.all()) == [town_b]
    studio.refresh_from_db()
    assert studio.committee == committee  # a blank cell keeps the studios
