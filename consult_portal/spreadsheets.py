""".xlsx downloads: rows streamed into a write-only workbook in a temporary file, so a large export
never holds the whole sheet in memory."""

import tempfile
from collections.abc import Iterable

from django.http import FileResponse
from django.utils import timezone
from openpyxl import Workbook

from . import audit

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def xlsx_download(*, filename: str, sheet_title: str, header: list, rows: Iterable[list]) -> tuple[FileResponse, int]:
    """The download response and the number of data rows written (for the audit entry)."""
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(sheet_title)
    sheet.append(header)
    count = 0
    for row in rows:
        sheet.append(row)
        count += 1
    file = tempfile.TemporaryFile()  # noqa: SIM115 - FileResponse closes it once sent
    workbook.save(file)
    file.seek(0)
    return FileResponse(file, as_attachment=True, filename=filename, content_type=XLSX_CONTENT_TYPE), count


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
