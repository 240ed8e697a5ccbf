"""The styles, fonts and page numbers of the portal's Word documents (`consult_portal.documents`): GB/T 9704-2012's
sizes and margins, and the font table that lets a computer without a font substitute one of its kind."""

from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor
from lxml import etree

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

OFFICE_STYLE = "Issuing Office"  # 发文机关标志, the masthead
NUMBER_STYLE = "Document Number"  # 发文字号
TITLE_STYLE = "Document Title"
ADDRESSEE_STYLE = "Addressee"  # 主送机关
SIGNATURE_STYLE = "Signature"  # 发文机关署名
DATE_STYLE = "Document Date"  # 成文日期
TABLE_STYLE = "Table Text"
INDENT = Pt(32)  # two characters of the body
TEXT_WIDTH = Mm(210) - MARGINS["left_margin"] - MARGINS["right_margin"]


def set_fonts(rpr, east_asia: str, latin: str = LATIN_FONT) -> None:
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
    set_fonts(style.element.get_or_add_rPr(), east_asia)
    return style


def setup_styles(document) -> None:
    styles = document.styles
    # The defaults: Chinese (Simplified) text, so line breaking and punctuation follow Chinese rules; Latin text (a
    # name, an address) in English, so that it breaks between words, not inside one as Chinese may.
    defaults = styles.element.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, BODY_FONT)
    lang = rpr.find(qn("w:lang"))
    if lang is None:
        lang = OxmlElement("w:lang")
        rpr.append(lang)
    lang.set(qn("w:val"), "en-US")
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
    office.paragraph_format.first_line_indent = Pt(0)
    office.paragraph_format.keep_with_next = True

    number = _style(document, NUMBER_STYLE, east_asia=BODY_FONT, size=BODY_SIZE)
    number.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    number.paragraph_format.space_before = Pt(8)
    number.paragraph_format.keep_with_next = True

    title = _style(document, TITLE_STYLE, east_asia=TITLE_FONT, size=TITLE_SIZE)
    title.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title.paragraph_format.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    title.paragraph_format.line_spacing = Pt(35)
    title.paragraph_format.space_before = Pt(18)
    title.paragraph_format.space_after = Pt(10)
    title.paragraph_format.keep_with_next = True

    addressee = _style(document, ADDRESSEE_STYLE, east_asia=BODY_FONT, size=BODY_SIZE)
    addressee.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    addressee.paragraph_format.first_line_indent = Pt(0)
    addressee.paragraph_format.keep_with_next = True

    signature = _style(document, SIGNATURE_STYLE, east_asia=BODY_FONT, size=BODY_SIZE)
    signature.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    signature.paragraph_format.space_before = LINE  # one empty line under the body
    signature.paragraph_format.keep_with_next = True

    date = _style(document, DATE_STYLE, east_asia=BODY_FONT, size=BODY_SIZE)
    date.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.RIGHT

    cell = _style(document, TABLE_STYLE, east_asia=TABLE_FONT, size=TABLE_SIZE)
    cell.paragraph_format.line_spacing_rule = WD_LINE_SPACING.SINGLE
    cell.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.LEFT
    cell.paragraph_format.first_line_indent = Pt(0)


def describe_fonts(document) -> None:
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


def page_numbers(document, section) -> None:
    """— 1 — in 4号宋体 at the foot of each page: odd pages on the right, even pages on the left, one character
    from the edge of the text (GB/T 9704 7.5)."""
    document.settings.odd_and_even_pages_header_footer = True
    for footer, align in (
        (section.footer, WD_ALIGN_PARAGRAPH.RIGHT),
        (section.even_page_footer, WD_ALIGN_PARAGRAPH.LEFT),
    ):
        footer.is_linked_to_previous = False
        para = footer.paragraphs[0]
        para.alignment = align
        fmt = para.paragraph_format
        fmt.first_line_indent = Pt(0)
        fmt.line_spacing_rule = WD_LINE_SPACING.SINGLE
        if align == WD_ALIGN_PARAGRAPH.RIGHT:
            fmt.right_indent = Pt(14)
        else:
            fmt.left_indent = Pt(14)
        para.add_run("— ")
        field = OxmlElement("w:fldSimple")
        field.set(qn("w:instr"), "PAGE")
        run = OxmlElement("w:r")
        text = OxmlElement("w:t")
        text.text = "1"
        run.append(text)
        field.append(run)
        para._p.append(field)
        para.add_run(" —")
        for run in para._p.iter(qn("w:r")):
            rpr = run.get_or_add_rPr()
            size = OxmlElement("w:sz")
            size.set(qn("w:val"), "28")  # 14 pt
            rpr.append(size)
            set_fonts(rpr, TABLE_FONT)
