import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse, reverse_lazy
from openpyxl import Workbook, load_workbook

from consult_portal.models import AuditEntry
from members.imports import MemberImporter
from members.models import Assignment, Member
from tests.factories import CommitteeFactory, MemberFactory, SectorFactory

HEADER = [column.header for column in MemberImporter.columns]
UPLOAD = reverse_lazy("import-upload", args=["members"])
CONFIRM = reverse_lazy("import-confirm", args=["members"])
TEMPLATE = reverse_lazy("import-template", args=["members"])


def xlsx(rows, header=HEADER, name="members.xlsx"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue())


@pytest.fixture
def reference(town_a, village_a, town_b):
    return {"sector": SectorFactory(name="经济界"), "committee": CommitteeFactory(name="提案委")}


@pytest.fixture
def mixed_sheet(reference):
    MemberFactory(name="旧委员", sector=reference["sector"], phone="13900000009")
    return xlsx(
        [
            ["王一", "市级", "经济界", "提案委", "13800000001", "甲镇", "甲一村"],
            ["李二", "county", "经济界", None, 13800000002, "甲镇", None],
            [None, "市级", "经济界", None, "13800000003", None, None],  # missing name
            ["赵四", "区县级", "不存在界", None, "13800000004", None, None],  # unknown sector
            ["钱五", "区县级", "经济界", None, "13800000001", None, None],  # duplicate phone in the sheet
            ["孙六", "省级", "经济界", "无此委", "12345", "乙镇", "甲一村"],  # several errors at once
        ]
    )


def preview(client, sheet):
    return client.post(UPLOAD, {"file": sheet})


def test_it_previews_good_and_bad_rows_without_writing(client, office, mixed_sheet):
    client.force_login(office)
    response = preview(client, mixed_sheet)
    assert response.status_code == 200
    results = response.context["results"]
    assert [r.action for r in results] == ["create", "create", "error", "error", "error", "error"]
    assert [len(r.reasons) for r in results] == [0, 0, 1, 1, 1, 4]
    assert "不存在界" in results[3].reasons[0]
    assert "13800000001" in results[4].reasons[0]
    assert response.context["counts"] == {"create": 2, "update": 0, "unchanged": 0, "error": 4}
    assert Member.objects.count() == 1
    assert not Assignment.objects.exists()
    assert not AuditEntry.objects.filter(action="member_import").exists()


def test_it_creates_exactly_the_good_rows_on_confirm_once(client, office, mixed_sheet, town_a, village_a):
    client.force_login(office)
    token = preview(client, mixed_sheet).context["token"]
    response = client.post(CONFIRM, {"token": token})
    assert response.status_code == 302
    assert set(Member.objects.values_list("name", "phone", "level")) == {
        ("旧委员", "13900000009", "county"),
        ("王一", "13800000001", "city"),
        ("李二", "13800000002", "county"),
    }
    wang = Member.objects.get(name="王一")
    assert wang.committee.name == "提案委"
    assert {(a.member.name, a.area, a.role) for a in Assignment.objects.all()} == {
        ("王一", village_a, "contact"),
        ("李二", town_a, "contact"),
    }
    assert AuditEntry.objects.filter(action="member_import").count() == 2

    client.post(CONFIRM, {"token": token})
    assert Member.objects.count() == 3
    assert Assignment.objects.count() == 2
    assert AuditEntry.objects.filter(action="member_import").count() == 2


def test_it_ignores_a_forged_token(client, office, mixed_sheet):
    client.force_login(office)
    preview(client, mixed_sheet)
    response = client.post(CONFIRM, {"token": "forged"})
    assert response.status_code == 302
    assert Member.objects.count() == 1


def test_it_updates_an_existing_member(client, office, reference, town_a):
    by_phone = MemberFactory(name="周七", sector=reference["sector"], phone="13800000007", level="county")
    by_name = MemberFactory(name="吴八", sector=reference["sector"], phone="", level="county")
    Assignment.objects.create(member=by_phone, area=town_a, starts_on="2026-01-01")
    client.force_login(office)
    sheet = xlsx(
        [
            ["周七改", "市级", "经济界", "提案委", "13800000007", "甲镇", None],
            ["吴八", "区县级", "经济界", None, "13800000008", None, None],
        ]
    )
    response = preview(client, sheet)
    results = response.context["results"]
    assert [r.action for r in results] == ["update", "update"]
    assert set(results[0].changes) == {"姓名", "级别", "专委会"}
    assert results[1].changes == ["手机"]
    client.post(CONFIRM, {"token": response.context["token"]})
    by_phone.refresh_from_db()
    by_name.refresh_from_db()
    assert (by_phone.name, by_phone.level, by_phone.committee.name) == ("周七改", "city", "提案委")
    assert by_name.phone == "13800000008"
    assert Member.objects.count() == 2
    assert Assignment.objects.count() == 1  # the existing assignment to 甲镇 is kept, not duplicated


def test_it_refuses_a_phone_of_another_member(client, office, reference):
    MemberFactory(name="郑九", sector=reference["sector"], phone="13800000009")
    MemberFactory(name="冯十", sector=reference["sector"], phone="13800000010")
    client.force_login(office)
    response = preview(client, xlsx([["冯十", "市级", "经济界", None, "13800000009", None, None]]))
    [result] = response.context["results"]
    assert result.action == "error"
    assert "13800000009" in result.reasons[0]
    assert response.context["token"] == ""


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("members.xlsx", "姓名,级别,界别\n王一,市级,经济界\n".encode()),
        ("members.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
        ("members.csv", "姓名,级别,界别\n".encode()),
    ],
)
def test_it_refuses_a_file_that_is_not_a_workbook(client, office, name, content):
    client.force_login(office)
    response = client.post(UPLOAD, {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert response.context["form"].has_error("file")
    assert "results" not in response.context


def test_it_refuses_a_sheet_without_the_headers(client, office, reference):
    client.force_login(office)
    response = preview(client, xlsx([["王一", "市级", "经济界"]], header=["a", "b", "c"]))
    assert response.context["form"].has_error("file", code="sheet")


def test_it_downloads_a_template_with_the_header(client, office):
    client.force_login(office)
    response = client.get(TEMPLATE)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [cell.value for cell in sheet[1]] == [
        "姓名",
        "级别",
        "界别",
        "专委会",
        "手机",
        "镇街",
        "村社区",
        "下沉地点",
        "专长",
        "任期开始",
        "任期结束",
    ]


@pytest.mark.parametrize("url_name", ["import-upload", "import-template", "import-confirm"])
@pytest.mark.parametrize("persona", ["leader", "liaison_a", "member", "unit"])
def test_it_forbids_other_roles(client, personas, persona, url_name):
    client.force_login(personas[persona])
    method = client.post if url_name == "import-confirm" else client.get
    assert method(reverse(url_name, args=["members"])).status_code == 403


@pytest.mark.parametrize("url_name", ["import-upload", "import-template", "import-confirm"])
def test_it_sends_anonymous_visitors_to_log_in(client, db, url_name):
    method = client.post if url_name == "import-confirm" else client.get
    response = method(reverse(url_name, args=["members"]))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_it_shows_the_upload_form(client, office):
    client.force_login(office)
    assert client.get(UPLOAD).status_code == 200


def test_it_refuses_a_sheet_with_too_many_rows(client, office, reference, monkeypatch):
    monkeypatch.setattr("consult_portal.imports.MAX_ROWS", 2)
    client.force_login(office)
    rows = [[f"委员{n}", "市级", "经济界", None, None, None, None] for n in range(3)]
    response = preview(client, xlsx(rows))
    assert response.context["form"].has_error("file", code="sheet")
    assert Member.objects.count() == 0


def test_it_refuses_a_file_over_5_mb(client, office, monkeypatch):
    monkeypatch.setattr("consult_portal.imports.MAX_UPLOAD_BYTES", 10)
    client.force_login(office)
    response = preview(client, xlsx([["王一", "市级", "经济界"]]))
    assert response.context["form"].has_error("file", code="size")


def test_it_reads_a_phone_typed_with_spaces_or_plus86_as_its_11_digits(client, office, reference):
    MemberFactory(name="周七", sector=reference["sector"], phone="13800000007", level="county")
    client.force_login(office)
    sheet = xlsx(
        [
            ["周七", "市级", "经济界", None, "+86 138 0000 0007", None, None],  # found by the phone
            ["王一", "市级", "经济界", None, "138 0000-0001", None, None],
            ["钱五", "区县级", "经济界", None, "13800000001", None, None],  # the same phone twice in the sheet
        ]
    )
    response = preview(client, sheet)
    results = response.context["results"]
    assert [r.action for r in results] == ["update", "create", "error"]
    assert results[0].changes == ["级别"]
    client.post(CONFIRM, {"token": response.context["token"]})
    assert set(Member.objects.values_list("name", "phone", "level")) == {
        ("周七", "13800000007", "city"),
        ("王一", "13800000001", "city"),
    }


def _member_sheet(client, rows):
    from tests.imports_helpers import filled

    return filled(client, "members", rows)


def test_it_imports_expertise_term_and_several_places_of_sinking(client, office, reference, town_a, village_a, town_b):
    client.force_login(office)
    row = {"姓名": "王一", "级别": "区级", "界别": "经济界", "手机": "13800000001"}
    sheet = _member_sheet(
        client,
        [
            {**row, "下沉地点": "甲镇/甲一村；乙镇", "专长": "法律、农业", "任期开始": 2021, "任期结束": "2026年"},
            {**row, "姓名": "李二", "手机": "13800000002", "下沉地点": "乙镇/甲一村"},  # the village is 甲镇's
            {**row, "姓名": "陈三", "手机": "13800000003", "任期开始": "2027", "任期结束": "2026"},
        ],
    )
    response = preview(client, sheet)
    results = response.context["results"]
    assert [r.action for r in results] == ["create", "error", "error"]
    assert "甲一村" in results[1].reasons[0] and "乙镇" in results[1].reasons[0]
    assert len(results[2].reasons) == 1
    client.post(CONFIRM, {"token": response.context["token"]})
    wang = Member.objects.get(name="王一")
    assert (wang.level, wang.expertise) == ("county", "法律,农业")
    assert (wang.term_start.isoformat(), wang.term_end.isoformat()) == ("2021-01-01", "2026-12-31")
    assert {a.area for a in wang.assignments.all()} == {village_a, town_b}

    sheet.seek(0)
    again = preview(client, sheet).context["results"]
    assert again[0].action == "unchanged"
    more = _member_sheet(client, [{**row, "下沉地点": "甲镇"}])
    [result] = preview(client, more).context["results"]
    assert result.action == "update" and result.changes == ["下沉地点"]  # a new place; blank term and expertise kept
