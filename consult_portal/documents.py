"""Word (.docx) documents in the layout of Chinese official papers (GB/T 9704-2012), in its order:

    版头  the masthead (the office's `masthead` setting, red, 小标宋), the document number if any, the red line;
    主体  the title (2号小标宋), the addressee (主送, flush left, ending in "："), the body (3号仿宋, 28 pt lines),
          the sign-off (落款: the office's name, right, two characters in) with the date under it;
    页码  "— 1 —" in 4号宋体 at the foot, odd pages on the right and even pages on the left, one character in.

    document = new_document(title="关于……的协商会议纪要", number="2026-通-005", addressee="县住建局：")
    heading(document, "一、会议议题")
    paragraph(document, "……")
    table(document, [["承办单位", "县住建局"]])
    sign_off(document, date=meeting.starts_at)
    return docx_response(document, "会议纪要.docx")

A4 with the official margins (版心 156 × 225 mm). Tables never split a row across pages (w:cantSplit), repeat their
header row, and have fixed column widths fitted to their content (the grid, which LibreOffice follows, and each
cell, which Word follows): a label column as narrow as its longest label, the text column the rest.

Fonts. Word and LibreOffice have no font fallback lists: each run names one East Asian font (w:eastAsia, which the
theme fonts would otherwise override) by the Chinese name Windows and WPS offices know (仿宋, 黑体, 楷体, 宋体 and the
title's 方正小标宋简体), and the font table describes it: its English name as w:altName (FangSong, SimHei, KaiTi,
SimSun, FZXiaoBiaoSong-B05S, under which a Windows without the Chinese name, or an English one, finds it), the
GB2312 charset and the PANOSE and family of its kind, so that a computer without it substitutes a font of the same
kind: on Windows 宋体 for a missing 方正小标宋简体, on Linux (LibreOffice through fontconfig) Noto Serif CJK SC or
Noto Sans CJK SC (fonts-noto-cjk). Every CJK face is square, so the page breaks wherever the document is opened.

Every helper below leaves out of its text the characters that no document can hold (`consult_portal.text`): lxml
refuses them, and one stored title holding one would otherwise make every document it appears in fail (#13).
"""

import datetime
import io
import re
import unicodedata
from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse
from django.utils import dateformat, timezone, translation
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Emu, Mm, Pt
from docx.table import Table
from docx.text.paragraph import Paragraph

from . import office as office_settings
from .document_styles import (
    ADDRESSEE_STYLE,
    DATE_STYLE,
    HEADING_FONT,
    MARGINS,
    NUMBER_STYLE,
    OFFICE_STYLE,
    SIGNATURE_STYLE,
    TABLE_SIZE,
    TABLE_STYLE,
    TEXT_WIDTH,
    TITLE_STYLE,
    describe_fonts,
    page_numbers,
    set_fonts,
    setup_styles,
)
from .text import clean_text

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

WEEKDAYS = "一二三四五六日"
# What follows w:pBdr in a paragraph's properties (ECMA-376 CT_PPrBase): Word refuses them out of order.
PPR_AFTER_BORDER = (
    "w:shd", "w:tabs", "w:suppressAutoHyphens", "w:kinsoku", "w:wordWrap", "w:overflowPunct", "w:topLinePunct",
    "w:autoSpaceDE", "w:autoSpaceDN", "w:bidi", "w:adjustRightInd", "w:snapToGrid", "w:spacing", "w:ind",
    "w:contextualSpacing", "w:mirrorIndents", "w:suppressOverlap", "w:jc", "w:textDirection", "w:textAlignment",
    "w:textboxTightWrap", "w:outlineLvl", "w:divId", "w:cnfStyle", "w:rPr", "w:sectPr", "w:pPrChange",
)  # fmt: skip


def office_name() -> str:
    return office_settings.current().office_name


def masthead_line() -> str:
    """The red line heading a document: the office's masthead setting, else its name."""
    return office_settings.current().masthead


def chinese_date(value: datetime.date | datetime.datetime | None = None) -> str:
    """2026年12月1日, in the portal's time zone (Asia/Shanghai), whatever the reader's language."""
    return dateformat.format(_local_date(value), "Y年n月j日")


def chinese_datetime(value: datetime.datetime) -> str:
    """2026年12月1日（星期二）9:30."""
    local = timezone.localtime(value, timezone.get_default_timezone())
    return f"{chinese_date(local)}（星期{WEEKDAYS[local.weekday()]}）{dateformat.format(local, 'G:i')}"


def _local_date(value) -> datetime.date:
    if value is None:
        return timezone.localdate(timezone=timezone.get_default_timezone())
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value, timezone.get_default_timezone())
        return value.date()
    return value


def new_document(*, title: str, number: str = "", addressee: str = "") -> DocumentObject:
    """An A4 document headed by the masthead (`masthead`): the office, the number, the red line, the title and the
    addressee. The caller writes the body and then `sign_off`."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for name, value in MARGINS.items():
        setattr(section, name, value)
    section.footer_distance = Mm(24)  # the page number 7 mm under the text
    setup_styles(document)
    describe_fonts(document)
    page_numbers(document, section)

    masthead(document, title=title, number=number, addressee=addressee)

    office = clean_text(office_name())
    properties = document.core_properties
    properties.title = clean_text(title)
    properties.author = office
    properties.last_modified_by = office
    properties.language = "zh-CN"
    properties.created = properties.modified = timezone.now().replace(tzinfo=None, microsecond=0)
    properties.revision = 1
    properties.comments = ""
    return document


def masthead(document, *, title: str, number: str = "", addressee: str = "") -> None:
    """The masthead over the red line, with the document number between them if there is one, then the title and
    the addressee (主送, "：" added): the head of a document, or of a further paper in the same file (after
    `page_break`)."""
    last = document.add_paragraph(clean_text(masthead_line()), style=OFFICE_STYLE)
    if number:
        last = document.add_paragraph(clean_text(number), style=NUMBER_STYLE)
    # The red line under the masthead (版头分隔线), 4 mm under its last line.
    last.paragraph_format.space_after = Pt(6)
    last._p.get_or_add_pPr().insert_element_before(
        parse_xml(f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="18" w:space="8" w:color="E60012"/></w:pBdr>'),
        *PPR_AFTER_BORDER,
    )
    document.add_paragraph(clean_text(title), style=TITLE_STYLE)
    if addressee:
        text = clean_text(addressee).rstrip("：:")
        document.add_paragraph(f"{text}：", style=ADDRESSEE_STYLE)


def _text_width(text: str) -> float:
    """The width of `text` in ems: a Chinese character one, a Latin letter or digit half."""
    return sum(1.0 if unicodedata.east_asian_width(char) in "WF" else 0.5 for char in text)


def sign_off(document, date: datetime.date | datetime.datetime | None = None) -> None:
    """落款: the office's name, two characters in from the right, and under it the date, its first character two
    characters right of the name's (GB/T 9704 7.3.5.3); where the date is the longer, it keeps two characters from
    the right and the name moves left."""
    name = clean_text(office_name())
    when = chinese_date(date)
    name_width, date_width = _text_width(name), _text_width(when)
    name_indent = max(2.0, 4.0 + date_width - name_width)
    date_indent = name_indent + name_width - 2.0 - date_width
    signature = document.add_paragraph(name, style=SIGNATURE_STYLE)
    signature.paragraph_format.right_indent = Pt(16 * name_indent)
    dated = document.add_paragraph(when, style=DATE_STYLE)
    dated.paragraph_format.right_indent = Pt(16 * date_indent)


def page_break(document) -> None:
    document.add_paragraph().add_run().add_break(WD_BREAK.PAGE)


def heading(document, text: str, level: int = 1) -> Paragraph:
    """一、… in 黑体 (level 1) or （一）… in 楷体 (level 2); the caller writes the numbering."""
    return document.add_paragraph(clean_text(text), style="Heading 1" if level == 1 else "Heading 2")


def paragraph(document, text: str = "", *, label: str = "", indent: bool = True, align=None) -> Paragraph:
    """A body paragraph, its first line indented two characters; `label` goes first in 黑体, followed by "："."""
    para = document.add_paragraph()
    if indent:
        para.paragraph_format.first_line_indent = Pt(32)
    if align is not None:
        para.alignment = align
    if label:
        run = para.add_run(f"{clean_text(label)}：")
        set_fonts(run._r.get_or_add_rPr(), HEADING_FONT)
    if text:
        para.add_run(clean_text(text))
    return para


def paragraphs(document, text: str, **kwargs) -> list[Paragraph]:
    """One body paragraph per non-empty line of `text`."""
    return [paragraph(document, line.strip(), **kwargs) for line in (text or "").splitlines() if line.strip()]


def _border(element, tag: str, size: int = 4) -> None:
    borders = OxmlElement(tag)
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        edge = OxmlElement(f"w:{side}")
        edge.set(qn("w:val"), "single")
        edge.set(qn("w:sz"), str(size))
        edge.set(qn("w:space"), "0")
        edge.set(qn("w:color"), "000000")
        borders.append(edge)
    element.append(borders)


def table(document, rows: list[list], *, header: list | None = None, widths: list | None = None) -> Table:
    """A bordered table of text; the header row, if any, in 黑体 and repeated on each page; no row split across
    pages. A cell's text may hold line breaks. `widths` in millimetres, one per column, else fitted to the content
    (`fitted_widths`).
    """
    columns = len(header) if header else max((len(row) for row in rows), default=1)
    all_rows = ([header] if header else []) + [list(row) for row in rows]
    texts = [["" if value is None else clean_text(str(value)) for value in values] for values in all_rows]
    widths = [Mm(w) for w in widths] if widths else fitted_widths(texts, columns)
    grid = document.add_table(rows=0, cols=columns)
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    tbl_pr = grid._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblBorders")):
        tbl_pr.remove(old)
    _border(tbl_pr, "w:tblBorders")
    _fixed_layout(grid, widths)
    for index, values in enumerate(texts):
        row = grid.add_row()
        tr_pr = row._tr.get_or_add_trPr()
        tr_pr.append(OxmlElement("w:cantSplit"))  # a row stays on one page
        is_header = header is not None and index == 0
        if is_header:
            tr_pr.append(OxmlElement("w:tblHeader"))
        for cell, value, width in zip(row.cells, values, widths, strict=False):
            cell.width = width
            cell.text = ""
            para = cell.paragraphs[0]
            para.style = document.styles[TABLE_STYLE]
            for i, line in enumerate(value.split("\n")):
                if i:
                    para.add_run().add_break()
                run = para.add_run(line)
                if is_header:
                    set_fonts(run._r.get_or_add_rPr(), HEADING_FONT)
    document.add_paragraph()  # Word merges adjacent tables; a paragraph after keeps them apart
    return grid


CELL_PADDING = Mm(4.5)  # Word's cell margins (1.9 mm each side) and a little air


def fitted_widths(texts: list[list[str]], columns: int) -> list:
    """Column widths (EMU) filling the text width: each column as wide as its longest line where all fit, the room
    left going to the widest column of a two-column table (the text beside a label, the label beside a figure) or
    to every column in proportion. Where they do not fit, the columns narrower than an even share keep their width
    and the others share the rest."""
    em = TABLE_SIZE
    natural = [CELL_PADDING + em] * columns
    for values in texts:
        for i, value in enumerate(values[:columns]):
            width = CELL_PADDING + int(em * max((_text_width(line) for line in value.split("\n")), default=0))
            natural[i] = max(natural[i], width)
    total = sum(natural)
    if total <= TEXT_WIDTH:
        room = TEXT_WIDTH - total
        if columns != 2:
            return [int(w + room * w / total) for w in natural]
        widest = natural.index(max(natural))
        return [w + room if i == widest else w for i, w in enumerate(natural)]
    kept = {}
    while True:
        rest = [i for i in range(columns) if i not in kept]
        share = (TEXT_WIDTH - sum(kept.values())) / max(len(rest), 1)
        narrow = [i for i in rest if natural[i] <= share]
        if not narrow:
            break
        kept.update((i, natural[i]) for i in narrow)
    rest = [i for i in range(columns) if i not in kept]
    room, wanted = TEXT_WIDTH - sum(kept.values()), sum(natural[i] for i in rest)
    return [kept[i] if i in kept else int(room * natural[i] / wanted) for i in range(columns)]


def _fixed_layout(grid: Table, widths: list) -> None:
    """The widths where both applications read them: the grid (LibreOffice), the table's width and a fixed layout
    (Word would otherwise fit the columns to the text again)."""
    tbl_pr = grid._tbl.tblPr
    for tag in ("w:tblW", "w:tblLayout"):
        for old in tbl_pr.findall(qn(tag)):
            tbl_pr.remove(old)
    table_width = OxmlElement("w:tblW")
    table_width.set(qn("w:w"), str(sum(Emu(w).twips for w in widths)))  # twentieths of a point
    table_width.set(qn("w:type"), "dxa")
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    tbl_pr.append(table_width)
    tbl_pr.append(layout)
    # In the order of the schema (ECMA-376 CT_TblPr), which Word holds to: the appended ones go in their place.
    for child in sorted(tbl_pr, key=lambda child: TBL_PR_ORDER.index(child.tag) if child.tag in TBL_PR_ORDER else 99):
        tbl_pr.append(child)
    for column, width in zip(grid._tbl.tblGrid.findall(qn("w:gridCol")), widths, strict=False):
        column.set(qn("w:w"), str(Emu(width).twips))


TBL_PR_ORDER = [
    qn(f"w:{tag}")
    for tag in (
        "tblStyle", "tblpPr", "tblOverlap", "bidiVisual", "tblStyleRowBandSize", "tblStyleColBandSize", "tblW", "jc",
        "tblCellSpacing", "tblInd", "tblBorders", "shd", "tblLayout", "tblCellMar", "tblLook", "tblCaption",
        "tblDescription", "tblPrChange",
    )
]  # fmt: skip


def docx_response(document, filename: str) -> HttpResponse:
    """The document as a download; the Chinese filename in RFC 5987 `filename*`, with an ASCII fallback."""
    buffer = io.BytesIO()
    document.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=DOCX_CONTENT_TYPE)
    fallback = "".join(c for c in filename if c.isascii() and (c.isalnum() or c in "-_."))
    if fallback != filename:  # a Chinese (or otherwise unusual) name: old clients get a plain one
        fallback = "document.docx"
    response["Content-Disposition"] = f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename)}"
    return response


NUMERALS = "一二三四五六七八九十"


def in_chinese(view):
    """Papers sent by the office are in Chinese, the portal's language, whatever the reader has chosen."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return view(request, *args, **kwargs)

    return wrapper


def docx_filename(title: str, suffix: str = ".docx") -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "", clean_text(title))[:80] + suffix


class Sections:
    """一、二、三…: the numbering of the headings that a document actually has."""

    def __init__(self, document):
        self.document = document
        self.count = 0

    def _next(self) -> str:
        self.count += 1
        return NUMERALS[self.count - 1] if self.count <= len(NUMERALS) else str(self.count)

    def __call__(self, text: str):
        return heading(self.document, f"{self._next()}、{text}")

    def item(self, label: str, text: str) -> Paragraph:
        """ "一、时间：……" in one paragraph, the number and the label in 黑体: a short item of a notice."""
        para = paragraph(self.document, text, label=f"{self._next()}、{clean_text(label)}")
        return para
