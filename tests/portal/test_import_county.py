"""A county from an empty install to its whole structure, through the README's first-run command, the imports page
and the import templates only (no shell, no admin): 9 towns, 92 villages, 40 platforms, 17 units, 16 logins and
185 members in 7 uploads, every row checked in a preview first; then the same files again change nothing."""

import io

import pytest
from django.core.management import call_command
from django.test import Client

from consult_portal.models import Area, AuditEntry, ImportBatch, ResponsibleUnit, Role, Sector, User
from members.models import Assignment, Member
from sessions.models import Platform
from tests.imports_helpers import filled, preview_and_confirm, upload

PASSWORD = "Shawan-Office-2026"
TOWNS = ["嘉农镇", "沙湾镇", "踏水镇", "牛石镇", "太平镇", "福禄镇", "葫芦镇", "轸溪乡", "铜茨镇"]
VILLAGES_PER_TOWN = [11, 11, 10, 10, 10, 10, 10, 10, 10]  # 92
SECTORS = ["中共", "民革", "民盟", "民建", "无党派", "经济界", "农业界", "教育界", "医药卫生界", "社会福利界"]
DEPARTMENTS = ["区住建局", "区交通局", "区农业农村局", "区水务局", "区教育局", "区卫健局", "区民政局", "区自然资源局"]


def _villages():
    """(town, code, name) for each village; two towns have a 岚坝村, told apart by their town."""
    for t, (town, count) in enumerate(zip(TOWNS, VILLAGES_PER_TOWN, strict=True), start=1):
        for v in range(1, count + 1):
            name = "岚坝村" if v == 1 and t in (1, 2) else f"{town[:2]}{v}村"
            yield town, f"T{t:02d}-V{v:02d}", name


def _areas():
    rows = [{"代码": "C", "名称": "沙湾区", "级别": "区"}]
    rows += [{"代码": f"T{t:02d}", "名称": town, "级别": "镇"} for t, town in enumerate(TOWNS, start=1)]
    # Villages name their town by its code or its name.
    rows += [
        {"代码": code, "名称": name, "级别": "村", "上级": code[:3] if n % 2 else town}
        for n, (town, code, name) in enumerate(_villages())
    ]
    return rows


def _units():
    rows = [{"名称": name, "联系人": "李科长", "联系电话": "0833-5123456"} for name in DEPARTMENTS]
    rows += [{"名称": f"{town}人民政府", "类型": "镇(街道)政府", "所属镇街": town} for town in TOWNS]
    return rows  # 17


def _platforms():
    villages = list(_villages())
    rows = [{"名称": "沙湾区协商议事中心", "级别": "区县级", "所在地": "沙湾区", "地址": "沙湾区政府大院"}]
    rows += [
        {
            "名称": f"{town}协商议事室",
            "级别": "镇街级",
            "所在地": town,
            "依托单位": f"{town}人民政府",
            "有机构确认日期": "2024-03-01",
            "有牌子确认日期": "2024/3/15",
            "有人员确认日期": "2024年4月1日",
            "有制度确认日期": "2024-04-01",
        }
        for town in TOWNS
    ]
    rows += [
        {"名称": f"{town}{name}议事点", "级别": "村社区级", "类型": "协商议事点", "所在地": f"{town}/{name}"}
        for town, _code, name in villages[::3][:25]
    ]
    rows += [
        {
            "名称": f"{SECTORS[n]}委员工作室",
            "级别": "镇街级",
            "类型": "委员工作室",
            "所在地": TOWNS[n],
            "界别": SECTORS[n],
        }
        for n in range(5)
    ]
    return rows  # 1 + 9 + 25 + 5 = 40


def _committees():
    return [
        {"名称": "提案委", "联络站": f"{TOWNS[0]}、{TOWNS[1]}", "委员工作室": f"{SECTORS[0]}委员工作室"},
        {"名称": "经济委", "联络站": TOWNS[2], "委员工作室": f"{SECTORS[1]}委员工作室；{SECTORS[2]}委员工作室"},
        {"名称": "农业农村委", "联络站": f"{TOWNS[3]}、{TOWNS[4]}"},
        {"名称": "社会法制委", "联络站": TOWNS[5], "委员工作室": f"{SECTORS[3]}委员工作室"},
    ]


def _members():
    villages = list(_villages())
    committees = ["提案委", "经济委", "农业农村委", "社会法制委", ""]
    rows = []
    for n in range(185):
        town, _code, village = villages[n % len(villages)]
        other = TOWNS[(n + 3) % len(TOWNS)]
        rows.append(
            {
                "姓名": f"委员{n:03d}",
                "级别": "市级" if n % 10 == 0 else "区级",
                "界别": SECTORS[n % len(SECTORS)],
                "专委会": committees[n % len(committees)],
                "手机": f"139{n:08d}",
                "下沉地点": f"{town}/{village}；{other}" if n % 3 == 0 else f"{town}/{village}",
                "专长": "法律、农业" if n % 2 else "教育",
                "任期开始": 2021,
                "任期结束": 2026,
            }
        )
    return rows


def _logins():
    rows = [
        {"用户名": "wangwu", "姓名": "王五", "角色": "办公室", "邮箱": "wangwu@example.invalid"},
        {"用户名": "leader", "姓名": "赵主席", "角色": "领导"},
    ]
    rows += [
        {"用户名": f"lls{t:02d}", "姓名": f"{town}联络员", "角色": "联络站", "镇街": town}
        for t, town in enumerate(TOWNS, 1)
    ]
    rows += [
        {"用户名": f"unit{n}", "姓名": f"{DEPARTMENTS[n]}联系人", "角色": "承办单位", "承办单位": DEPARTMENTS[n]}
        for n in range(3)
    ]
    rows += [{"用户名": "member001", "姓名": "委员001", "角色": "委员", "手机": "13900000001"}]
    return rows  # 1 + 1 + 9 + 3 + 1 = 15 new, with the first office login 16


@pytest.mark.django_db
def test_a_county_enters_its_structure_from_the_templates_in_seven_uploads_and_again_changes_nothing():
    assert not Area.objects.exists() and not User.objects.exists()
    call_command(
        "create_office_user", "zhangsan", "--password-stdin", stdin=io.StringIO(f"{PASSWORD}\n"), stdout=io.StringIO()
    )
    client = Client()
    assert client.post("/accounts/login/", {"username": "zhangsan", "password": PASSWORD}).status_code == 302
    page = client.get("/staff/imports/").content.decode()
    order = ["areas", "sectors", "units", "platforms", "committees", "members", "logins"]
    positions = [page.index(f'id="import-{kind}"') for kind in order]
    assert positions == sorted(positions)  # the page lists them in the order a county enters them

    sheets = {
        "areas": filled(client, "areas", _areas()),
        "sectors": filled(client, "sectors", [{"名称": name} for name in SECTORS]),
        "units": filled(client, "units", _units()),
        "platforms": filled(client, "platforms", _platforms()),
        "committees": filled(client, "committees", _committees()),
        "members": filled(client, "members", _members()),
        "logins": filled(client, "logins", _logins()),
    }
    handout = None
    for kind in order:
        response = preview_and_confirm(client, kind, sheets[kind])
        if kind == "logins":
            assert response.status_code == 200
            handout = response.context["importer"].handout
        else:
            assert response.status_code == 302
    assert ImportBatch.objects.count() == len(order) <= 10

    assert Area.objects.filter(level=Area.Level.COUNTY).count() == 1
    assert Area.objects.filter(level=Area.Level.TOWN, parent__code="C").count() == 9
    assert Area.objects.filter(level=Area.Level.VILLAGE, parent__level=Area.Level.TOWN).count() == 92
    assert {a.label for a in Area.objects.filter(name="岚坝村")} == {"嘉农镇 / 岚坝村", "沙湾镇 / 岚坝村"}
    assert Platform.objects.count() == 40
    assert Platform.objects.filter(level="town", organisation_confirmed_on="2024-03-01", sign_confirmed_on="2024-03-15")
    assert Platform.objects.get(name="中共委员工作室").committee.name == "提案委"
    assert ResponsibleUnit.objects.count() == 17
    assert ResponsibleUnit.objects.filter(kind="town", town__name="踏水镇").count() == 1
    assert Sector.objects.count() == 10
    assert User.objects.count() == 16
    assert Member.objects.count() == 185
    assert Member.objects.filter(term_start="2021-01-01", term_end="2026-12-31").count() == 185
    assert Assignment.objects.count() == 185 + len(range(0, 185, 3))
    assert Member.objects.get(phone="13900000001").user.username == "member001"

    # Each new login signs in with its printed password and must choose its own first.
    assert [row[0] for row in handout] == [row["用户名"] for row in _logins()]
    liaison = User.objects.get(username="lls03")
    assert liaison.has_role(Role.LIAISON) and liaison.town.name == "踏水镇" and liaison.must_change_password
    password = next(row[3] for row in handout if row[0] == "lls03")
    other = Client()
    assert other.post("/accounts/login/", {"username": "lls03", "password": password}).status_code == 302
    assert other.get("/staff/").url.startswith("/accounts/password_change/")

    # The staff pages read back what was entered.
    assert "踏水镇协商议事室" in client.get("/staff/platforms/").content.decode()
    assert "委员184" in client.get("/staff/members/", {"q": "委员184"}).content.decode()

    # The same seven files again: every row unchanged, nothing to confirm, nothing written.
    entries, batches = AuditEntry.objects.count(), ImportBatch.objects.count()
    for kind in order:
        response = upload(client, kind, sheets[kind])
        counts = response.context["counts"]
        assert counts["unchanged"] == len(response.context["results"]) and response.context["token"] == "", kind
    assert (AuditEntry.objects.count(), ImportBatch.objects.count()) == (entries, batches)
