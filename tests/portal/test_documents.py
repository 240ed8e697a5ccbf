"""The Word documents the office sends on paper: the meeting notice, the meeting record with its consensus, and the
assignment sheets (交办单); each reopened with python-docx, scoped like the pages they come from, and audited."""

import io
import zipfile
from datetime import UTC, date, datetime, timedelta
from urllib.parse import quote

import docx
import pytest
from django.urls import reverse
from django.utils import timezone

from consult_portal import documents
from consult_portal.models import AuditEntry
from sessions.models import Participant, RecordItem, Research
from tests.factories import MeetingFactory, MemberFactory, OutcomeFactory, PlatformFactory, TopicFactory, UnitFactory

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def today_in_chinese() -> str:
    today = timezone.localdate()
    return f"{today.year}年{today.month}月{today.day}日"


def text_of(document) -> str:
    """Every paragraph and table cell of the document, one a line."""
    lines = [p.text for p in document.paragraphs]
    for grid in document.tables:
        for row in grid.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


def opened(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == DOCX
    return docx.Document(io.BytesIO(response.content))


@pytest.fixture
def meeting_a(town_a, village_a):
    platform = PlatformFactory(name="甲一村议事室", level="village", area=village_a, address="甲一村村委会二楼")
    start = timezone.make_aware(datetime(2026, 11, 20, 9, 30))
    meeting = MeetingFactory(
        title="村口路灯协商会",
        platform=platform,
        status="recorded",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="甲一村文化礼堂",
        host="李主任",
        organiser="甲镇政协联络站",
        how_to_take_part="欢迎村民到场旁听。\n也可以通过网络参与。",
        summary="与会人员围绕村口路灯改造充分协商。",
        answers="县住建局当场答复：年内完成。",
        attendance_count=35,
        walk_in_count=12,
    )
    meeting.topics.add(TopicFactory(town=town_a, village=village_a, title="村口路灯改造", status="consulted"))
    lawyer = MemberFactory(name="王律师")
    Participant.objects.create(meeting=meeting, kind="member", member=lawyer, checked_in_at=start)
    Participant.objects.create(
        meeting=meeting, kind="resident", name="赵大爷", phone="13812345678", checked_in_at=start
    )
    Participant.objects.create(
        meeting=meeting, kind="department", name="钱科长", organisation="县住建局", checked_in_at=start
    )
    Research.objects.create(meeting=meeting, date=date(2026, 11, 10), kind="visit", findings="路灯损坏十二盏")
    RecordItem.objects.create(meeting=meeting, kind="suggestion", text="更换村口主干道路灯", proposer=lawyer)
    RecordItem.objects.create(meeting=meeting, kind="consensus", text="年底前完成路灯更换")
    return meeting


@pytest.fixture
def meeting_b(town_b):
    return MeetingFactory(title="乙镇停车协商会", platform=PlatformFactory(level="town", area=town_b))


@pytest.fixture
def items_a(meeting_a, unit):
    return [
        OutcomeFactory(
            meeting=meeting_a,
            unit=unit,
            text="更换村口主干道路灯",
            contact_name="王科长",
            contact_phone="0571-1234567",
            deadline=date(2026, 12, 31),
        ),
        OutcomeFactory(meeting=meeting_a, unit=UnitFactory(name="甲镇人民政府"), text="加强路灯日常巡查"),
    ]


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


def test_it_heads_the_document_with_the_office_the_title_and_the_date(db, settings):
    settings.PORTAL_OFFICE_NAME = "示范县政协办公室"
    document = documents.new_document(title="年度协商工作统计", date=date(2026, 12, 1))
    documents.heading(document, "一、协商情况")
    documents.paragraph(document, "全年共开展协商18次。")
    documents.table(document, [["协商次数", "18"]], header=["指标", "数值"])
    reopened = docx.Document(io.BytesIO(documents.docx_response(document, "统计.docx").content))
    assert [p.text for p in reopened.paragraphs[:4]] == [
        "示范县政协办公室",
        "年度协商工作统计",
        "（2026年12月1日）",
        "一、协商情况",
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


# ------------------------------------------------------------------------------------------ the documents


# needs .pending_i18n/documents.json
def test_it_writes_the_meeting_notice(client, office, meeting_a):
    client.force_login(office)
    document = opened(client.get(reverse("sessions:notice-docx", args=[meeting_a.pk])))
    text = text_of(document)
    assert document.paragraphs[0].text == "县政协办公室"
    assert document.paragraphs[1].text == "关于召开村口路灯协商会的通知"
    assert f"（{today_in_chinese()}）" in text
    for expected in (
        "2026年11月20日（星期五）9:30—11:30",
        "甲一村文化礼堂",
        "甲一村议事室（甲镇甲一村）",
        "村口路灯改造",
        "李主任",
        "甲镇政协联络站",
        "欢迎村民到场旁听。",
    ):
        assert expected in text
    assert "13812345678" not in text
    entry = AuditEntry.objects.get(action="meeting_notice_export")
    assert (entry.actor, entry.object_id) == (office, str(meeting_a.pk))


# needs .pending_i18n/documents.json
def test_it_writes_the_meeting_record_with_its_consensus(client, liaison_a, meeting_a):
    client.force_login(liaison_a)
    document = opened(client.get(reverse("sessions:record-docx", args=[meeting_a.pk])))
    text = text_of(document)
    assert document.paragraphs[1].text == "村口路灯协商会会议纪要"
    assert "（2026年11月20日）" in text  # a record is dated by its meeting
    for expected in (
        "与会人员围绕村口路灯改造充分协商。",
        "县住建局当场答复：年内完成。",
        "更换村口主干道路灯（提出人：王律师）",
        "年底前完成路灯更换",
        "路灯损坏十二盏",
        "王律师",
        "钱科长（县住建局）",
        "赵大爷",
        "35",
    ):
        assert expected in text
    headings = [p.text for p in document.paragraphs if p.style.name == "Heading 1"]
    assert headings[-2:] == ["七、意见建议", "八、协商意见（共识）"]
    assert "13812345678" not in text and "138****5678" not in text
    assert AuditEntry.objects.filter(action="meeting_record_export").count() == 1


def test_it_writes_one_assignment_sheet(client, office, items_a):
    client.force_login(office)
    item = items_a[0]
    document = opened(client.get(reverse("outcomes:assignment-docx", args=[item.pk])))
    text = text_of(document)
    assert document.paragraphs[1].text == "协商成果交办单"
    for expected in (
        "县住房城乡建设局",
        "王科长，0571-1234567",
        "更换村口主干道路灯",
        "2026年12月31日",
        "村口路灯协商会（2026年11月20日）",
        "交办单位（盖章）",
    ):
        assert expected in text
    assert "加强路灯日常巡查" not in text
    assert AuditEntry.objects.get(action="assignment_sheet_export").object_id == str(item.pk)


def test_it_writes_a_meetings_assignment_sheets_one_to_a_page(client, office, meeting_a, items_a):
    client.force_login(office)
    document = opened(client.get(reverse("outcomes:meeting-assignments-docx", args=[meeting_a.pk])))
    text = text_of(document)
    assert [p.text for p in document.paragraphs].count("协商成果交办单") == 2
    assert "更换村口主干道路灯" in text and "加强路灯日常巡查" in text
    assert document.element.body.xml.count('w:type="page"') == 1
    assert AuditEntry.objects.get(action="assignment_sheet_export").after == {"items": 2}


def test_it_writes_the_documents_in_chinese_for_a_reader_of_english(client, office, items_a):
    client.force_login(office)
    client.cookies["django_language"] = "en"
    document = opened(client.get(reverse("outcomes:assignment-docx", args=[items_a[0].pk])))
    assert document.paragraphs[0].text == "县政协办公室"
    assert document.paragraphs[1].text == "协商成果交办单"


def test_it_names_the_download_after_the_document(client, office, items_a):
    client.force_login(office)
    response = client.get(reverse("outcomes:assignment-docx", args=[items_a[0].pk]))
    assert response["Content-Disposition"].endswith(quote(f"协商成果交办单-{items_a[0].pk}.docx"))


# ------------------------------------------------------------------------------------------ who may download

ROUTES = ["sessions:notice-docx", "sessions:record-docx", "outcomes:meeting-assignments-docx"]


@pytest.mark.parametrize("route", ROUTES)
def test_it_hides_another_towns_meeting_from_liaison_staff(client, liaison_a, liaison_b, meeting_a, route):
    client.force_login(liaison_b)
    assert client.get(reverse(route, args=[meeting_a.pk])).status_code == 404
    client.force_login(liaison_a)
    assert client.get(reverse(route, args=[meeting_a.pk])).status_code == 200
    assert not AuditEntry.objects.filter(actor=liaison_b, action__endswith="_export").exists()


def test_it_hides_another_towns_item_from_liaison_staff(client, liaison_a, liaison_b, items_a):
    url = reverse("outcomes:assignment-docx", args=[items_a[0].pk])
    client.force_login(liaison_b)
    assert client.get(url).status_code == 404
    client.force_login(liaison_a)
    assert client.get(url).status_code == 200


@pytest.mark.parametrize("route", [*ROUTES, "outcomes:assignment-docx"])
def test_it_lets_leaders_read_and_refuses_members_and_units(client, personas, meeting_a, items_a, route):
    pk = items_a[0].pk if route == "outcomes:assignment-docx" else meeting_a.pk
    url = reverse(route, args=[pk])
    client.force_login(personas["leader"])
    assert client.get(url).status_code == 200
    for persona in ("member", "unit"):
        client.force_login(personas[persona])
        assert client.get(url).status_code == 403
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and response["Location"].startswith(reverse("login"))


def test_it_gives_404_for_a_meeting_that_does_not_exist(client, office, db):
    client.force_login(office)
    assert client.get(reverse("sessions:record-docx", args=[987654])).status_code == 404


def test_it_says_when_no_item_was_handed_over_yet(client, office, meeting_b):
    client.force_login(office)
    document = opened(client.get(reverse("outcomes:meeting-assignments-docx", args=[meeting_b.pk])))
    assert "该会议尚无交办事项。" in text_of(document)


# ------------------------------------------------------------------------------------------ links on the pages


def test_the_pages_link_to_their_documents(client, office, meeting_a, items_a):
    client.force_login(office)
    links = {
        reverse("sessions:staff-meeting", args=[meeting_a.pk]): [
            reverse("sessions:notice-docx", args=[meeting_a.pk]),
            reverse("sessions:record-docx", args=[meeting_a.pk]),
        ],
        reverse("outcomes:staff-meeting", args=[meeting_a.pk]): [
            reverse("outcomes:meeting-assignments-docx", args=[meeting_a.pk])
        ],
        reverse("outcomes:staff-detail", args=[items_a[0].pk]): [
            reverse("outcomes:assignment-docx", args=[items_a[0].pk])
        ],
    }
    for page, hrefs in links.items():
        html = client.get(page).content.decode()
        for href in hrefs:
            assert f'href="{href}"' in html, (page, href)
