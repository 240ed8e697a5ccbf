"""An .xlsx written as it is sent (issue #17): the workbook's zip is deflated into the response a few hundred rows at a
time, so that the first bytes of a 100,000-row export leave within a second and memory stays flat.

openpyxl's write-only workbook still assembles the whole file before the first byte can go (its zip is written at
`save()`); Python's zipfile writes to a stream that cannot seek (each member followed by its sizes), and a worksheet
is XML one row after the other, so this module writes the few fixed parts of a workbook and the sheet's rows itself:
inline strings, numbers, booleans, dates and times as Excel serial numbers with a date format, and text that looks
like a formula as a text cell with Excel's leading-apostrophe mark (`quotePrefix`), as spreadsheets.py's cells are.
"""

import datetime
import zipfile
from collections.abc import Iterable, Iterator
from decimal import Decimal
from xml.sax.saxutils import escape

from .text import clean_text, looks_like_formula

ROWS_PER_CHUNK = 200
EPOCH = datetime.datetime(1899, 12, 30)
# cellXfs: 0 plain, 1 text shown as typed (quotePrefix), 2 date (numFmt 14), 3 date and time (numFmt 22).
TEXT_AS_TYPED, DATE, DATE_TIME = 1, 2, 3

CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>"
)
ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>'
)
STYLES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    '<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>'
    "</fills>"
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4">'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0" quotePrefix="1"/>'
    '<xf numFmtId="14" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="22" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
SHEET_START = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = "</sheetData></worksheet>"


def _workbook(sheet_title: str) -> str:
    # A sheet's name: at most 31 characters, none of []:*?/\ (Excel refuses the file otherwise).
    title = "".join(c for c in clean_text(str(sheet_title)) if c not in "[]:*?/\\")[:31] or "Sheet1"
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
        'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
        f'<sheets><sheet name="{escape(title, {chr(34): "&quot;"})}" sheetId="1" r:id="rId1"/></sheets></workbook>'
    )


def column_letter(index: int) -> str:
    """0 → A, 25 → Z, 26 → AA."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def _serial(value) -> float:
    if isinstance(value, datetime.datetime):
        value = value.replace(tzinfo=None)  # callers give local time (spreadsheets.local_time)
        delta = value - EPOCH
    else:
        delta = datetime.datetime(value.year, value.month, value.day) - EPOCH
    return delta.days + delta.seconds / 86400 + delta.microseconds / 86400e6


def cell(ref: str, value) -> str:
    """One <c> element, or "" for an empty cell."""
    if value is None or value == "":
        return ""
    if isinstance(value, bool):
        return f'<c r="{ref}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        return f'<c r="{ref}"><v>{value}</v></c>'
    if isinstance(value, datetime.datetime):
        return f'<c r="{ref}" s="{DATE_TIME}"><v>{_serial(value)}</v></c>'
    if isinstance(value, datetime.date):
        return f'<c r="{ref}" s="{DATE}"><v>{_serial(value)}</v></c>'
    text = clean_text(str(value))  # no control characters: no file may hold them
    style = f' s="{TEXT_AS_TYPED}"' if looks_like_formula(text) else ""
    return f'<c r="{ref}" t="inlineStr"{style}><is><t xml:space="preserve">{escape(text)}</t></is></c>'


def row(number: int, values: list) -> str:
    cells = "".join(cell(f"{column_letter(i)}{number}", value) for i, value in enumerate(values))
    return f'<row r="{number}">{cells}</row>'


class _Sink:
    """What zipfile writes, handed on in pieces; it cannot seek, so zipfile writes each member's sizes after it."""

    def __init__(self):
        self.parts = []

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def stream(*, sheet_title: str, header: list, rows: Iterable[list], counter: list | None = None) -> Iterator[bytes]:
    """The .xlsx's bytes, in pieces; `counter` (a one-item list) holds the number of data rows written so far."""
    counter = counter if counter is not None else [0]
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED)
    for name, text in (
        ("[Content_Types].xml", CONTENT_TYPES),
        ("_rels/.rels", ROOT_RELS),
        ("xl/workbook.xml", _workbook(sheet_title)),
        ("xl/_rels/workbook.xml.rels", WORKBOOK_RELS),
        ("xl/styles.xml", STYLES),
    ):
        archive.writestr(name, text)
    with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
        sheet.write((SHEET_START + row(1, header)).encode())
        yield sink.take()
        pending = []
        for number, values in enumerate(rows, start=2):
            pending.append(row(number, values))
            counter[0] += 1
            if len(pending) >= ROWS_PER_CHUNK:
                sheet.write("".join(pending).encode())
                pending = []
                chunk = sink.take()
                if chunk:
                    yield chunk
        sheet.write(("".join(pending) + SHEET_END).encode())
    archive.close()
    yield sink.take()
