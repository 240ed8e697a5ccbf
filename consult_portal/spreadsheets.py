""".xlsx downloads: rows streamed into a write-only workbook in a temporary file, so a large export
never holds the whole sheet in memory."""

import tempfile
from collections.abc import Iterable

from django.http import FileResponse
from openpyxl import Workbook

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
