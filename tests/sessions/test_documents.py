"""The Word documents of a meeting: its notice and its record with the consensus, each reopened with python-docx and
audited. The meeting is `meeting_a` of tests/conftest.py; who may download them, and the links from the meeting's
page, are tested with the other documents in tests/portal/test_exports_scope.py."""

from django.urls import reverse
from django.utils import timezone

from consult_portal.models import AuditEntry
from tests.documents_helpers import opened, text_of


def today_in_chinese() -> str:
    today = timezone.localdate()
    return f"{today.year}年{today.month}月{today.day}日"


# needs .pending_i18n/documents.json
def test_it_writes_the_meeting_notice(client, office, meeting_a):
    client.force_login(office)
    document = opened(client.get(reverse("sessions:notice-docx", args=[meeting_a.pk])))
    text = text_of(document)
    assert document.paragraphs[0].text == "县政协办公室"
    assert document.paragraphs[1].text == "关于召开村口路灯协商会的通知"
    assert [p.text for p in document.paragraphs][-2:] == ["县政协办公室", today_in_chinese()]  # 落款, the date under it
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
    assert [p.text for p in document.paragraphs][-2:] == ["县政协办公室", "2026年11月20日"]  # dated by its meeting
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


def test_it_gives_404_for_a_meeting_that_does_not_exist(client, office, db):
    client.force_login(office)
    assert client.get(reverse("sessions:record-docx", args=[987654])).status_code == 404
