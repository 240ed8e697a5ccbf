"""Every Word document the portal serves is laid out as GB/T 9704 asks: the masthead of the office's settings (and the
document number where there is one) over the red line, the title, the addressee (主送), the body, the sign-off
(落款: the office's name) with the date under it; page numbers "— 1 —" in the footer; table rows that stay on one
page, header rows repeated, and fixed column widths fitted to their content (a narrow label column). The ordinary
notice fits one A4 page once LibreOffice lays it out (skipped where LibreOffice is not installed, as in CI)."""

import io
import re
import shutil
import subprocess
from datetime import date

import docx
import pytest
from django.urls import reverse
from docx.oxml.ns import qn

from consult_portal import document_styles as styles
from consult_portal import office
from consult_portal.models import OfficeSettings
from sessions.models import Participant
from tests.documents_helpers import opened
from tests.factories import MemberFactory, OutcomeFactory

MASTHEAD = "沙湾区政协“有事来协商”工作文件"
OFFICE = "沙湾区政协办公室"
DATE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
TEXT_WIDTH = styles.TEXT_WIDTH


@pytest.fixture
def settings_saved(db):
    OfficeSettings.objects.create(pk=1, office_name=OFFICE, masthead=MASTHEAD, county_name="沙湾区")
    office.forget()
    yield
    office.forget()


@pytest.fixture
def documents(client, office, settings_saved, meeting_a, items_a):
    """Every .docx the portal serves, by name, reopened."""
    for n, item in enumerate(items_a, start=1):
        type(item).objects.filter(pk=item.pk).update(number=f"2026-交-{n:03d}")
    client.force_login(office)
    urls = {
        "notice": reverse("sessions:notice-docx", args=[meeting_a.pk]),
        "record": reverse("sessions:record-docx", args=[meeting_a.pk]),
        "assignment sheet": reverse("outcomes:assignment-docx", args=[items_a[0].pk]),
        "the meeting's assignment sheets": reverse("outcomes:meeting-assignments-docx", args=[meeting_a.pk]),
        "the year's summary": reverse("dashboard-summary") + f"?year={meeting_a.starts_at.year}",
    }
    return {name: opened(client.get(url)) for name, url in urls.items()}


NAMES = ["notice", "record", "assignment sheet", "the meeting's assignment sheets", "the year's summary"]


def blocks(document) -> list[tuple[str, str, object]]:
    """The body in order: ("p", style name, paragraph) or ("table", "", table)."""
    paragraphs = {p._p: p for p in document.paragraphs}
    tables = {t._tbl: t for t in document.tables}
    out = []
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            para = paragraphs[child]
            out.append(("p", para.style.name, para))
        elif child.tag == qn("w:tbl"):
            out.append(("table", "", tables[child]))
    return out


def papers(document) -> list[list[tuple[str, str, object]]]:
    """The papers of a file, split at each masthead (the meeting's assignment sheets hold one an item)."""
    result = []
    for block in blocks(document):
        if block[1] == styles.OFFICE_STYLE:
            result.append([])
        if result:
            result[-1].append(block)
    return result


def check_paper(paper, *, number: bool = False) -> None:
    kinds = [style for _kind, style, _obj in paper]
    head = [styles.OFFICE_STYLE] + ([styles.NUMBER_STYLE] if number else []) + [styles.TITLE_STYLE]
    assert kinds[: len(head) + 1] == [*head, styles.ADDRESSEE_STYLE]
    masthead, last_of_head = paper[0][2], paper[len(head) - 2][2]
    assert masthead.text == MASTHEAD
    assert last_of_head._p.pPr.find(qn("w:pBdr")).find(qn("w:bottom")).get(qn("w:color")) == "E60012"  # red line
    addressee = paper[len(head)][2].text
    assert addressee.endswith("：") and len(addressee) > 1
    body = paper[len(head) + 1 :]
    signature = kinds.index(styles.SIGNATURE_STYLE)
    assert any(kind == "table" or obj.text.strip() for kind, _s, obj in paper[len(head) + 1 : signature])
    assert paper[signature][2].text == OFFICE
    assert kinds[signature + 1] == styles.DATE_STYLE and DATE.match(paper[signature + 1][2].text)
    assert [s for _k, s, _o in body].count(styles.DATE_STYLE) == 1  # the date under the sign-off, not the title


def page_fields(footer) -> list[str]:
    return [f.get(qn("w:instr")).strip() for f in footer._element.iter(qn("w:fldSimple"))]


def test_each_document_has_the_parts_of_an_official_paper_in_order(documents):
    assert list(documents) == NAMES
    for name, document in documents.items():
        check_document(name, document)


def check_document(name, document) -> None:
    found = papers(document)
    assert found and blocks(document)[0][1] == styles.OFFICE_STYLE  # nothing before the masthead
    for paper in found:
        check_paper(paper, number=name in ("assignment sheet", "the meeting's assignment sheets"))
    section = document.sections[0]
    assert (round(section.page_width.mm), round(section.page_height.mm)) == (210, 297)
    for footer in (section.footer, section.even_page_footer):
        assert page_fields(footer) == ["PAGE"]
        assert footer.paragraphs[0].text.replace(" ", "") == "——"  # "— 1 —" around the field
    assert document.settings.odd_and_even_pages_header_footer


def test_the_meeting_assignment_sheets_give_each_item_its_paper(documents, items_a):
    found = papers(documents["the meeting's assignment sheets"])
    assert len(found) == len(items_a)
    assert [paper[3][2].text for paper in found] == [f"{item.unit.name}：" for item in items_a]


def test_the_notice_is_addressed_to_those_invited_and_the_platform_and_dated_under_the_sign_off(documents):
    document = documents["notice"]
    addressee = next(p.text for p in document.paragraphs if p.style.name == styles.ADDRESSEE_STYLE)
    assert "王律师" in addressee and "县住建局" in addressee and addressee.endswith("甲一村议事室：")
    assert "赵大爷" not in addressee  # residents are not named
    texts = [p.text for p in document.paragraphs]
    first_item = next(i for i, text in enumerate(texts) if text.startswith("一、"))
    assert texts[first_item].endswith("：2026年11月20日（星期五）9:30—11:30")  # the item and its text, one line
    assert texts[-2:] == [OFFICE, texts[-1]] and first_item < texts.index(OFFICE)


def test_the_record_is_signed_and_dated_by_its_meeting(documents):
    texts = [p.text for p in documents["record"].paragraphs]
    assert texts[-2:] == [OFFICE, "2026年11月20日"]


def test_a_notice_with_a_number_carries_it_between_the_masthead_and_the_red_line(
    client, office, settings_saved, meeting_a
):
    type(meeting_a).objects.filter(pk=meeting_a.pk).update(notice_number="2026-通-005")
    client.force_login(office)
    document = opened(client.get(reverse("sessions:notice-docx", args=[meeting_a.pk])))
    (paper,) = papers(document)
    check_paper(paper, number=True)
    assert "2026-通-005" in paper[1][2].text


def test_no_table_row_splits_across_pages_and_header_rows_repeat(documents):
    assert all(documents[name].tables for name in NAMES if name != "notice")  # a notice has none
    for name, document in documents.items():
        for grid in document.tables:
            for row in grid.rows:
                tr_pr = row._tr.trPr
                assert tr_pr is not None and tr_pr.find(qn("w:cantSplit")) is not None, name
    summary = documents["the year's summary"].tables
    assert summary and all(grid.rows[0]._tr.trPr.find(qn("w:tblHeader")) is not None for grid in summary)


def test_column_widths_are_fixed_and_fill_the_text_width(documents):
    for grid in (grid for document in documents.values() for grid in document.tables):
        tbl_pr = grid._tbl.tblPr
        assert tbl_pr.find(qn("w:tblLayout")).get(qn("w:type")) == "fixed"
        widths = [int(col.get(qn("w:w"))) for col in grid._tbl.tblGrid.findall(qn("w:gridCol"))]
        assert all(widths) and abs(sum(widths) - TEXT_WIDTH / 635) <= len(widths) + 2  # twips
        for row in grid.rows:
            assert [int(c._tc.tcPr.find(qn("w:tcW")).get(qn("w:w"))) for c in row.cells] == widths


def test_the_records_label_column_is_narrow_and_its_times_do_not_wrap(documents):
    facts = documents["record"].tables[0]
    label, value = (int(col.get(qn("w:w"))) for col in facts._tbl.tblGrid.findall(qn("w:gridCol")))
    assert label < value / 2  # no longer half the width
    longest_label = max(len(row.cells[0].text) for row in facts.rows)
    assert label >= longest_label * 14 * 20  # every label fits its column: 4号 characters, in twips
    time = next(row.cells[1].text for row in facts.rows if row.cells[0].text == facts.rows[0].cells[0].text)
    assert "9:30—11:30" in time
    assert value >= (len(time) * 14 * 20) * 0.8  # the whole time on one line (its digits half a character)


def test_the_fonts_name_the_official_faces_and_their_fallbacks():
    from consult_portal import documents as helpers

    document = helpers.new_document(title="通知")
    buffer = io.BytesIO()
    document.save(buffer)
    reopened = docx.Document(io.BytesIO(buffer.getvalue()))
    fonts = next(p for p in reopened.part.package.iter_parts() if p.partname == "/word/fontTable.xml")
    xml = fonts.blob.decode("utf-8")
    for name, (alt, *_rest) in styles.FONT_TABLE.items():
        assert f'w:name="{name}"' in xml and f'w:val="{alt}"' in xml
    title = reopened.styles[styles.TITLE_STYLE].element.rPr.rFonts
    assert title.get(qn("w:eastAsia")) == "方正小标宋简体"


# ------------------------------------------------------------------------------------------ laid out by LibreOffice


def pdf_pages(docx_bytes: bytes, tmp_path) -> int:
    office_binary = shutil.which("libreoffice") or shutil.which("soffice")
    if office_binary is None:
        pytest.skip("LibreOffice is not installed: the page count is checked where it is")
    source = tmp_path / "document.docx"
    source.write_bytes(docx_bytes)
    subprocess.run(
        [office_binary, f"-env:UserInstallation=file://{tmp_path}/profile", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )  # fmt: skip
    pdf = (tmp_path / "document.pdf").read_bytes()
    return len(re.findall(rb"/Type\s*/Page(?!s)", pdf))


def test_a_notice_of_ordinary_length_fits_one_page(client, office, settings_saved, meeting_a, tmp_path):
    """The fixture's meeting, a notice number and a dozen invited: members, departments, a two-line note."""
    type(meeting_a).objects.filter(pk=meeting_a.pk).update(notice_number="2026-通-005")
    for n in range(8):
        member = MemberFactory(name=f"委员{n}")
        Participant.objects.create(meeting=meeting_a, kind="member", member=member)
    for unit in ("县交通运输局", "县供电公司", "甲镇人民政府"):
        Participant.objects.create(meeting=meeting_a, kind="department", name="联络人", organisation=unit)
    client.force_login(office)
    response = client.get(reverse("sessions:notice-docx", args=[meeting_a.pk]))
    assert pdf_pages(response.content, tmp_path) == 1


def test_the_assignment_sheet_fits_one_page(client, office, settings_saved, meeting_a, unit, tmp_path):
    item = OutcomeFactory(meeting=meeting_a, unit=unit, text="更换村口主干道路灯" * 6, deadline=date(2026, 12, 31))
    client.force_login(office)
    response = client.get(reverse("outcomes:assignment-docx", args=[item.pk]))
    assert pdf_pages(response.content, tmp_path) == 1
