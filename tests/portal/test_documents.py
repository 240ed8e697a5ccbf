"""The shared base of the Word documents (consult_portal/documents.py): an A4 page with the official margins and
Chinese fonts, the heading, the date in Chinese, the download's filename. The documents themselves are tested beside
their apps: tests/sessions/test_documents.py (notice, record), tests/outcomes/test_documents.py (assignment sheets),
and who may download them in tests/portal/test_exports_scope.py."""

import io
import zipfile
from datetime import UTC, date, datetime
from urllib.parse import quote

import docx

from consult_portal import documents
from tests.documents_helpers import DOCX

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


# ------------------------------------------------------------------------------------------ documents.py itself


def test_it_sets_up_an_a4_page_with_the_official_margins_and_chinese_fonts(db):
    document = documents.new_document(title="测试文件")
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    margins = [section.top_margin, section.bottom_margin, section.left_margin, section.right_margin]
    assert [round(m.mm) for m in margins] == [37, 35, 28, 26]
    normal = document.styles["Normal"].element.rPr.rFonts
    assert normal.get(f"{W}eastAsia") == "仿宋"
    assert normal.get(f"{W}eastAsiaTheme") is None  # a theme font would win over the named one
    assert document.styles["Heading 1"].element.rPr.rFonts.get(f"{W}eastAsia") == "黑体"
    assert document.styles["Document Title"].element.rPr.rFonts.get(f"{W}eastAsia") == "方正小标宋简体"
    # The font table describes them (GB2312, English name), so a computer without one substitutes a like font.
    package = zipfile.ZipFile(io.BytesIO(documents.docx_response(document, "x.docx").content))
    fonts = package.read("word/fontTable.xml").decode()
    assert '<w:font w:name="仿宋"><w:altName w:val="FangSong"/>' in fonts
    assert '<w:font w:name="方正小标宋简体">' in fonts


def test_it_heads_the_document_with_the_office_and_the_title_and_signs_it_with_the_date(db, settings):
    settings.PORTAL_OFFICE_NAME = "示范县政协办公室"
    document = documents.new_document(title="年度协商工作统计", addressee="县政协主席会议")
    documents.heading(document, "一、协商情况")
    documents.paragraph(document, "全年共开展协商18次。")
    documents.table(document, [["协商次数", "18"]], header=["指标", "数值"])
    documents.sign_off(document, date=date(2026, 12, 1))
    reopened = docx.Document(io.BytesIO(documents.docx_response(document, "统计.docx").content))
    assert [p.text for p in reopened.paragraphs] == [
        "示范县政协办公室",
        "年度协商工作统计",
        "县政协主席会议：",
        "一、协商情况",
        "全年共开展协商18次。",
        "",  # after the table
        "示范县政协办公室",
        "2026年12月1日",
    ]
    assert [[c.text for c in row.cells] for row in reopened.tables[0].rows] == [["指标", "数值"], ["协商次数", "18"]]
    assert reopened.core_properties.title == "年度协商工作统计"


def test_it_writes_the_date_in_chinese_in_the_portals_time_zone():
    # 16:30 UTC on 30 November is already 1 December in Asia/Shanghai.
    assert documents.chinese_date(datetime(2026, 11, 30, 16, 30, tzinfo=UTC)) == "2026年12月1日"
    assert documents.chinese_date(date(2026, 1, 5)) == "2026年1月5日"
    assert documents.chinese_datetime(datetime(2026, 12, 1, 1, 30, tzinfo=UTC)) == "2026年12月1日（星期二）9:30"


def test_it_sends_a_chinese_filename_in_rfc_5987_form(db):
    response = documents.docx_response(documents.new_document(title="通知"), "会议通知.docx")
    assert response["Content-Type"] == DOCX
    disposition = response["Content-Disposition"]
    assert disposition.startswith('attachment; filename="document.docx"; ')
    assert disposition.endswith(f"filename*=UTF-8''{quote('会议通知.docx')}")
