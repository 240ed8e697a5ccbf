"""The imports page and what every import does alike (consult_portal.imports): its template, refusing a file that is
not a workbook and a sheet without its columns, writing nothing before confirm, confirming once."""

import io
import zipfile

import pytest
from django.contrib.messages import get_messages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from consult_portal import imports
from consult_portal.models import Area, AuditEntry, ImportBatch
from tests.imports_helpers import confirm, filled, results_by_line, upload

KINDS = ["areas", "sectors", "units", "platforms", "committees", "members", "logins"]


def _workbook_bytes(header, rows=()) -> bytes:
    workbook = Workbook()
    workbook.active.append(header)
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _zip_that_is_no_workbook() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not a workbook")
    return buffer.getvalue()


def _nothing_written():
    assert not ImportBatch.objects.exists()
    assert not AuditEntry.objects.exclude(action__in=["login", "access_refused"]).exists()


def test_it_lists_every_import_with_its_template_for_office_staff(client, office):
    client.force_login(office)
    page = client.get(reverse("imports")).content.decode()
    for kind in KINDS:
        assert reverse("import-template", args=[kind]) in page
        assert reverse("import-upload", args=[kind]) in page
    assert reverse("imports") in client.get(reverse("members:list")).content.decode()  # in the staff menu


@pytest.mark.parametrize("persona", ["liaison_a", "leader", "member", "unit"])
def test_it_refuses_the_imports_to_everyone_but_office_staff(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get(reverse("imports")).status_code == 403
    assert client.get(reverse("import-upload", args=["areas"])).status_code == 403
    assert reverse("imports") not in client.get(reverse("account-home"), follow=True).content.decode()


def test_it_answers_404_for_an_import_that_does_not_exist(client, office):
    client.force_login(office)
    assert client.get(reverse("import-upload", args=["nothing"])).status_code == 404
    assert client.get(reverse("import-template", args=["nothing"])).status_code == 404


@pytest.mark.parametrize("kind", KINDS)
def test_each_template_has_the_columns_and_a_sheet_saying_how_to_fill_them(client, office, kind):
    client.force_login(office)
    response = client.get(reverse("import-template", args=[kind]))
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    workbook = load_workbook(io.BytesIO(response.content))
    importer = imports.get(kind)
    data, notes = workbook.worksheets
    assert [cell.value for cell in data[1]] == [column.header for column in importer.columns]
    assert [cell.font.b for cell in data[1]] == [column.required for column in importer.columns]
    assert [row[0] for row in notes.iter_rows(min_row=2, max_row=len(importer.columns) + 1, values_only=True)] == [
        column.header for column in importer.columns
    ]


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("sheet.xlsx", "名称,级别\n甲镇,镇\n".encode()),  # a .csv renamed
        ("sheet.xlsx", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n"),
        ("sheet.xlsx", _zip_that_is_no_workbook()),
        ("sheet.csv", "名称,级别\n".encode()),
    ],
    ids=["csv-named-xlsx", "pdf", "zip", "csv"],
)
def test_every_import_refuses_a_file_that_is_not_a_workbook(client, office, kind, name, content):
    client.force_login(office)
    response = client.post(reverse("import-upload", args=[kind]), {"file": SimpleUploadedFile(name, content)})
    assert response.status_code == 200
    assert response.context["form"].has_error("file", code="sheet")
    assert ".xlsx" in response.context["form"].errors["file"][0]  # 该文件不是 Excel 工作簿（.xlsx）。
    assert "results" not in response.context
    _nothing_written()


def test_it_reads_a_workbook_by_its_content_whatever_its_name(client, office):
    client.force_login(office)
    sheet = SimpleUploadedFile("界别.xls", _workbook_bytes(["名称"], [["经济界"]]))
    response = upload(client, "sectors", sheet)
    assert [row.action for row in response.context["results"]] == ["create"]


@pytest.mark.parametrize("kind", KINDS)
def test_every_import_refuses_a_sheet_with_missing_columns_and_names_them(client, office, kind):
    client.force_login(office)
    importer = imports.get(kind)
    required = [column.header for column in importer.columns if column.required]
    kept = [column.header for column in importer.columns if not column.required]
    sheet = SimpleUploadedFile("sheet.xlsx", _workbook_bytes(kept or ["备注"], [["x"] * max(len(kept), 1)]))
    response = upload(client, kind, sheet)
    [error] = response.context["form"].errors["file"]
    assert all(header in error for header in required)
    _nothing_written()


def test_it_refuses_an_empty_sheet(client, office):
    client.force_login(office)
    response = upload(client, "areas", SimpleUploadedFile("areas.xlsx", _workbook_bytes(["代码", "名称", "级别"])))
    assert response.context["form"].has_error("file", code="empty")


@pytest.fixture
def areas_sheet(client, office, county):
    client.force_login(office)
    return filled(
        client,
        "areas",
        [
            {"代码": "T-A", "名称": "甲镇", "级别": "镇"},
            {"代码": "V-A1", "名称": "甲一村", "级别": "村", "上级": "T-A"},
            {"代码": "V-X", "名称": "无名村", "级别": "村", "上级": "无此镇"},
        ],
    )


def test_it_writes_nothing_before_confirm_then_the_good_rows_once(client, office, areas_sheet):
    response = upload(client, "areas", areas_sheet)
    assert response.context["counts"] == {"create": 2, "update": 0, "unchanged": 0, "error": 1}
    assert Area.objects.count() == 1  # the county only
    _nothing_written()
    token = response.context["token"]
    assert confirm(client, "areas", token).status_code == 302
    assert set(Area.objects.values_list("code", flat=True)) == {"C0", "T-A", "V-A1"}
    assert AuditEntry.objects.filter(action="area_import").count() == 2
    batch = ImportBatch.objects.get()
    assert (batch.kind, batch.file_name, batch.confirmed_by, batch.counts["create"]) == (
        "areas",
        "areas.xlsx",
        office,
        2,
    )
    assert AuditEntry.objects.get(action="import_confirm").object_id == str(batch.pk)
    page = client.get(reverse("imports")).content.decode()
    assert "areas.xlsx" in page

    again = confirm(client, "areas", token)  # a double click
    assert [str(m) for m in get_messages(again.wsgi_request)] == [str(imports.ALREADY_CONFIRMED)]
    assert Area.objects.count() == 3 and ImportBatch.objects.count() == 1


def test_it_writes_nothing_when_the_portal_changed_since_the_preview(client, office, areas_sheet):
    token = upload(client, "areas", areas_sheet).context["token"]
    Area.objects.create(
        code="V-A1",
        name="别处村",
        level="village",
        parent=Area.objects.create(code="T-Z", name="丙镇", level="town", parent=Area.objects.get(code="C0")),
    )
    response = confirm(client, "areas", token)
    assert [str(m) for m in get_messages(response.wsgi_request)] == [str(imports.CHANGED)]
    assert not Area.objects.filter(code="T-A").exists()
    _nothing_written()


def test_a_new_upload_replaces_the_pending_preview(client, office, areas_sheet):
    first = upload(client, "areas", areas_sheet).context["token"]
    upload(client, "areas", areas_sheet)
    confirm(client, "areas", first)
    assert not Area.objects.filter(code="T-A").exists()


def test_the_preview_names_each_refused_row_and_its_reason(client, office, areas_sheet):
    response = upload(client, "areas", areas_sheet)
    row = results_by_line(response)[4]
    assert row.action == "error" and "无此镇" in row.reasons[0]
    html = response.content.decode()
    assert 'data-line="4"' in html and "无此镇" in html
