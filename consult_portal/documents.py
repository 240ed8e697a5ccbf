"""Word (.docx) documents in the layout of Chinese official papers (GB/T 9704): A4, the official margins,
仿宋 body text, 黑体 / 楷体 headings, a 小标宋 title under the office's name, and the date in Chinese.

    document = new_document(title="关于……的协商会议纪要")
    heading(document, "一、会议议题")
    paragraph(document, "……")
    table(document, [["承办单位", "县住建局"]])
    return docx_response(document, "会议纪要.docx")

Word and LibreOffice have no font fallback lists: each run names one East Asian font (w:eastAsia, which the
theme fonts would otherwise override), and the font table describes it (GB2312 charset, PANOSE family,
English alternate name) so that a computer without it substitutes a font of the same kind.

Every helper below leaves out of its text the characters that no document can hold (`consult_portal.text`): lxml
refuses them, and one stored title holding one would otherwise make every document it appears in fail (#13).
"""

import datetime
import io
import re
from functools import wraps
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse
from django.utils import dateformat, timezone, translation
from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_BREAK, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table
from docx.text.paragraph import Paragraph
from lxml import etree

from . import office as office_settings
from .text import clean_text

DOCX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"

LATIN_FONT = "Times New Roman"
BODY_FONT = "仿宋"  # 3号仿宋: the body of an official paper
HEADING_FONT = "黑体"  # first-level headings 一、
SUBHEADING_FONT = "楷体"  # second-level headings （一）
TITLE_FONT = "方正小标宋简体"  # the title and the issuing office; substituted by a Song face where missing
TABLE_FONT = "宋体"

# name: (English name, PANOSE, family, pitch): what Word and LibreOffice need to pick a substitute.
FONT_TABLE = {
    "仿宋": ("FangSong", "02010609060101010101", "modern", "fixed"),
    "黑体": ("SimHei", "02010609060101010101", "modern", "fixed"),
    "楷体": ("KaiTi", "02010609060101010101", "modern", "fixed"),
    "宋体": ("SimSun", "02010600030101010101", "auto", "variable"),
    "方正小标宋简体": ("FZXiaoBiaoSong-B05S", "02010600030101010101", "auto", "variable"),
}

BODY_SIZE = Pt(16)  # 三号
TITLE_SIZE = Pt(22)  # 二号
OFFICE_SIZE = Pt(26)  # 一号
TABLE_SIZE = Pt(14)  # 四号
LINE = Pt(28)  # 22 lines of text on a page
OFFICIAL_RED = RGBColor(0xE6, 0x00, 0x12)

# GB/T 9704-2012: top 37 mm, bottom 35 mm, left (binding side) 28 mm, right 26 mm.
MARGINS = {"top_margin": Mm(37), "bottom_margin": Mm(35), "left_margin": Mm(28), "right_margin": Mm(26)}

OFFICE_STYLE = "Issuing Office"
TITLE_STYLE = "Document Title"
DATE_STYLE = "Document Date"
TABLE_STYLE = "Table Text"

WEEKDAYS = "一二三四五六日"


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


def _set_fonts(rpr, east_asia: str, latin: str = LATIN_FONT) -> None:
    """Name the fonts of a run or style properties outright: theme fonts would win over them."""
    fonts = rpr.get_or_add_rFonts()
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(theme), None)
    fonts.set(qn("w:ascii"), latin)
    fonts.set(qn("w:hAnsi"), latin)
    fonts.set(qn("w:cs"), latin)
    fonts.set(qn("w:eastAsia"), east_asia)
    fonts.set(qn("w:hint"), "eastAsia")


def _style(document, name: str, *, east_asia: str, size, bold=False, base="Normal", color=None):
    styles = document.styles
    try:
        style = styles[name]
    except KeyError:
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles[base]
    style.font.size = size
    style.font.bold = bold
    style.font.italic = False
    style.font.color.rgb = color or RGBColor(0, 0, 0)
    _set_fonts(style.element.get_or_add_rPr(), east_asia)
    return style


def _setup_styles(document) -> None:
    styles = document.styles
    # The defaults: Chinese (Simplified) text, so line breaking and punctuation follow Chinese rules.
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    _set_fonts(rpr, BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "zh-CN")
    lang.set(qn("w:eastAsia"), "zh-CN")

    normal = _style(document, "Normal", east_asia=BODY_FONT, size=BODY_SIZE)
    fmt = normal.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = LINE
    fmt.space_before = fmt.space_after = Pt(0)
    fmt.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY

    for name, font in (("Heading 1", HEADING_FONT), ("Heading 2", SUBHEADING_FONT)):
        style = _style(document, name, east_asia=font, size=BODY_SIZE)
        style.font.color.theme_color = None
        style.font.color.rgb = RGBColor(0, 0, 0)
        fmt = style.paragraph_format
        fmt.space_before = fmt.space_after = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        fmt.line_spacing = LINE
        fmt.first_line_indent = Pt(32)

    office = _style(document, OFFICE_STYLE, east_asia=TITLE_FONT, size=OFFICE_SIZE, color=OFFICIAL_RED)
    office.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    office.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    office.paragraph_format.space_after = Pt(6)
    # The red line under the issuing office (版头分隔线).
    office.element.get_or_add_pPr().append(
        parse_xml(f'<w:pBdr {nsdecls("w")}><w:bottom w:val="single" w:sz="18" w:space="4" w:color="E60012"/></w:pBdr>')
    )

    title = _style(document, TITLE_STYLE, east_asia=TITLE_FONT, size=TITLE_SIZE)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    title.paragraph_format.line_spacing = Pt(35)
    title.paragraph_format.space_before = Pt(28)
    title.paragraph_format.keep_with_next = True

    date = _style(document, DATE_STYLE, east_asia=SUBHEADING_FONT, size=BODY_SIZE)
    date.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    date.paragraph_format.space_after = Pt(14)

    cell = _style(document, TABLE_STYLE, east_asia=TABLE_FONT, size=TABLE_SIZE)
    cell.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    cell.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    cell.paragraph_format.first_line_indent = Pt(0)


def _describe_fonts(document) -> None:
    """Add the Chinese fonts to the font table, so an application without them picks a font of the same kind."""
    part = next((p for p in document.part.package.iter_parts() if p.partname == "/word/fontTable.xml"), None)
    if part is None:
        return
    element = getattr(part, "element", None)  # a parsed part in later python-docx versions, raw bytes in 1.2
    root = element if element is not None else parse_xml(part.blob)
    known = {font.get(qn("w:name")) for font in root.findall(qn("w:font"))}
    for name, (alt, panose, family, pitch) in FONT_TABLE.items():
        if name in known:
            continue
        root.append(
            parse_xml(
                f'<w:font {nsdecls("w")} w:name="{name}"><w:altName w:val="{alt}"/>'
                f'<w:panose1 w:val="{panose}"/><w:charset w:val="86"/><w:family w:val="{family}"/>'
                f'<w:pitch w:val="{pitch}"/></w:font>'
            )
        )
    if element is None:
        part._blob = etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def _page_numbers(section) -> None:
    """— 1 — centred at the foot of each page."""
    footer = section.footer.paragraphs[0]
    footer.alignment = WD_ALIGN_PARAGRAPH.CENTER
    footer.paragraph_format.first_line_indent = Pt(0)
    footer.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    footer.add_run("— ")
    field = OxmlElement("w:fldSimple")
    field.set(qn("w:instr"), "PAGE")
    run = OxmlElement("w:r")
    text = OxmlElement("w:t")
    text.text = "1"
    run.append(text)
    field.append(run)
    footer._p.append(field)
    footer.add_run(" —")
    for run in footer.runs:
        run.font.size = Pt(14)
        _set_fonts(run._r.get_or_add_rPr(), TABLE_FONT)


def new_document(*, title: str, date: datetime.date | datetime.datetime | None = None) -> DocumentObject:
    """An A4 document headed by the office's name (in red, over the red line), the title and the date."""
    document = Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width, section.page_height = Mm(210), Mm(297)
    for name, value in MARGINS.items():
        setattr(section, name, value)
    section.footer_distance = Mm(25)
    _setup_styles(document)
    _describe_fonts(document)
    _page_numbers(section)

    masthead(document, title=title, date=date)

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


def masthead(document, *, title: str, date: datetime.date | datetime.datetime | None = None) -> None:
    """The office's name over the red line, the title and the date: the head of a document, or of a further
    paper in the same file (after `page_break`)."""
    document.add_paragraph(clean_text(masthead_line()), style=OFFICE_STYLE)
    document.add_paragraph(clean_text(title), style=TITLE_STYLE)
    document.add_paragraph(f"（{chinese_date(date)}）", style=DATE_STYLE)


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
        _set_fonts(run._r.get_or_add_rPr(), HEADING_FONT)
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
    """A simple bordered table of text; the header row, if any, in 黑体 and repeated on each page.

    A cell's text may hold line breaks. `widths` in millimetres, one per column.
    """
    columns = len(header) if header else max((len(row) for row in rows), default=1)
    grid = document.add_table(rows=0, cols=columns)
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    tbl_pr = grid._tbl.tblPr
    for old in tbl_pr.findall(qn("w:tblBorders")):
        tbl_pr.remove(old)
    _border(tbl_pr, "w:tblBorders")
    all_rows = ([header] if header else []) + [list(row) for row in rows]
    for index, values in enumerate(all_rows):
        cells = grid.add_row().cells
        is_header = header is not None and index == 0
        if is_header:
            tr_pr = grid.rows[index]._tr.get_or_add_trPr()
            tr_pr.append(OxmlElement("w:tblHeader"))
        for cell, value in zip(cells, values, strict=False):
            cell.text = ""
            para = cell.paragraphs[0]
            para.style = document.styles[TABLE_STYLE]
            lines = "" if value is None else clean_text(str(value))
            for i, line in enumerate(lines.split("\n")):
                if i:
                    para.add_run().add_break()
                run = para.add_run(line)
                if is_header:
                    _set_fonts(run._r.get_or_add_rPr(), HEADING_FONT)
    if widths:
        for row in grid.rows:
            for cell, width in zip(row.cells, widths, strict=False):
                cell.width = Mm(width)
    document.add_paragraph()  # Word merges adjacent tables; a paragraph after keeps them apart
    return grid


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

    def __call__(self, text: str):
        self.count += 1
        number = NUMERALS[self.count - 1] if self.count <= len(NUMERALS) else str(self.count)
        return heading(self.document, f"{number}、{text}")
