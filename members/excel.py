"""Reading and writing member sheets (.xlsx) with openpyxl."""

import io

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from openpyxl import Workbook, load_workbook

from consult_portal.text import clean_text

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

# (key, header) in sheet order. The headers are what county staff type and read, so they stay Chinese.
COLUMNS = [
    ("name", "姓名"),
    ("level", "级别"),
    ("sector", "界别"),
    ("committee", "专委会"),
    ("phone", "手机"),
    ("town", "镇街"),
    ("village", "村社区"),
]
EXPORT_COLUMNS = [*COLUMNS, ("duty_code", "履职码"), ("assignments", "下沉")]


class SheetError(ValueError):
    pass


def too_many_rows() -> str:
    return ngettext("The sheet has more than %(max)d row.", "The sheet has more than %(max)d rows.", MAX_ROWS) % {
        "max": MAX_ROWS
    }


def template_workbook() -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("委员")
    sheet.append([header for _key, header in COLUMNS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # a phone typed as a number
    return clean_text(value).strip()  # a sheet is typed text too: no control characters (#13)


def read_rows(file) -> list[dict]:
    """The data rows of the first sheet as dicts keyed by column, each with its sheet line number.

    Columns are found by their header, so their order in the sheet does not matter.
    """
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises zip, XML and key errors for files that are not workbooks
        raise SheetError(_("This file is not an Excel workbook (.xlsx).")) from error
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise SheetError(_("The workbook has no sheet."))
        lines = sheet.iter_rows(values_only=True)
        header = [_cell_text(value) for value in next(lines, ())]
        by_header = {text: index for index, text in enumerate(header) if text}
        missing = [title for key, title in COLUMNS if title not in by_header and key in ("name", "level", "sector")]
        if missing:
            raise SheetError(_("The first row must hold the template's headers; missing: %s") % "、".join(missing))
        rows = []
        for number, values in enumerate(lines, start=2):
            cells = {
                key: _cell_text(values[by_header[title]])
                if title in by_header and by_header[title] < len(values)
                else ""
                for key, title in COLUMNS
            }
            if not any(cells.values()):
                if number > 2 * MAX_ROWS:  # rows of nothing but formatting still cost reading
                    raise SheetError(too_many_rows())
                continue
            if len(rows) >= MAX_ROWS:
                raise SheetError(too_many_rows())
            rows.append({"line": number, **cells})
        return rows
    finally:
        workbook.close()
