""".xlsx downloads: the lists' exports (`audited_export`) streamed as they are written (xlsx_stream: the first bytes
of 100,000 rows within a second, memory flat, the audit entry written with the count once the last row is sent, #17);
the small ones (a dashboard, a ranking) through a write-only workbook in a temporary file; and the .csv writer of the
open data (a few rows). All write a text cell that a spreadsheet would read as a formula (`=HYPERLINK(...)` typed as a
topic's title) as text, and leave out the characters no file can hold, whatever the database holds (#13)."""

import csv
import tempfile
from collections.abc import Iterable

from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from . import audit, xlsx_stream
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
    """A UTF-8 .csv with a BOM (so that Excel reads the Chinese), written a row at a time; and the number of rows.
    For the open data's few rows (a year's figures by town): the page cache keeps it whole."""
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


def xlsx_stream_download(*, filename: str, sheet_title: str, header: list, rows: Iterable[list], done=None):
    """The .xlsx streamed as its rows are read; `done(count, complete)` is called once the last byte is sent (or the
    download is broken off: complete False)."""
    counter = [0]

    def pieces():
        complete = False
        try:
            yield from xlsx_stream.stream(sheet_title=sheet_title, header=header, rows=rows, counter=counter)
            complete = True
        finally:
            if done is not None:
                done(counter[0], complete)

    response = StreamingHttpResponse(pieces(), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


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
    """A list's export, streamed; its audit entry (rows sent, the filters) written when the last row has gone."""
    filters = {k: v for k, v in request.GET.items() if v}

    def done(count: int, complete: bool) -> None:
        after = {"rows": count, "filters": filters}
        if not complete:
            after["broken_off"] = True
        audit.record(actor=request.user, action=action, after=after, request=request)

    return xlsx_stream_download(filename=f"{name}.xlsx", sheet_title=sheet, header=header, rows=rows, done=done)
