""".xlsx downloads: rows streamed into a write-only workbook in a temporary file, so a large export
never holds the whole sheet in memory; and the .csv writer of open data. Both write a text cell that a spreadsheet
would read as a formula (`=HYPERLINK(...)` typed as a topic's title) as text, and leave out the characters no
file can hold, whatever the database holds (#13)."""

import csv
import tempfile
from collections.abc import Iterable

from django.http import FileResponse, HttpResponse
from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from . import audit
from .text import clean_text, looks_like_formula

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_download(*, filename: str, sheet_title: str, header: list, rows: Iterable[list]) -> tuple[FileResponse, int]:
    """The download response and the number of data rows written (for the audit entry)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.append([_xlsx_cell(sheet, value) for value in header])
    count = 0
    for row in rows:
        sheet.append([_xlsx_cell(sheet, value) for value in row])
        count += 1
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    workbook.save(file)
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE), count


def _xlsx_cell(sheet, value):
    """Numbers and dates as they are; text that looks like a formula as a text cell marked as such (Excel's own
    leading apostrophe, `quotePrefix`): openpyxl would store `=…` as a formula, and Excel keeps the cell text when
    it is edited."""
    if not isinstance(value, str):
        return value
    value = clean_text(value)  # openpyxl refuses control characters (IllegalCharacterError)
    if not looks_like_formula(value):
        return value
    cell = WriteOnlyCell(sheet, value=value)
    cell.data_type = "s"
    cell.quotePrefix = True
    return cell


def csv_cell(value):
    """A text cell that looks like a formula behind a single quote, which spreadsheets show and do not evaluate;
    numbers (negative ones too) as they are."""
    if not isinstance(value, str):
        return value
    value = clean_text(value)
    return f"'{value}" if looks_like_formula(value) else value


def csv_download(*, filename: str, header: list, rows: Iterable[list]) -> tuple[HttpResponse, int]:
    """A UTF-8 .csv with a BOM (so that Excel reads the Chinese), written a row at a time; and the number of rows."""
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response.write("\ufeff")
    writer = csv.writer(response)
    writer.writerow([csv_cell(value) for value in header])
    count = 0
    for row in rows:
        writer.writerow([csv_cell(value) for value in row])
        count += 1
    return response, count


CHUNK = 1000


def local_time(value):
    """openpyxl writes no time zones: the portal's local time, naive."""
    if value is None:
        return None
    return timezone.localtime(value, timezone.get_default_timezone()).replace(tzinfo=None)


def choice_labels(choices) -> dict:
    return {value: str(label) for value, label in choices}


def place_label(town: str | None, village: str | None) -> str:
    return f"{town} · {village}" if village else (town or "")


def audited_export(request, *, name: str, sheet: str, header: list, rows, action: str):
    response, count = xlsx_download(filename=f"{name}.xlsx", sheet_title=sheet, header=header, rows=rows)
    audit.record(
        actor=request.user,
        action=action,
        after={"rows": count, "filters": {k: v for k, v in request.GET.items() if v}},
        request=request,
    )
    return response
