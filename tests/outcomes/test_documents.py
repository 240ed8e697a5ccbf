"""The assignment sheets (交办单) as Word documents: one item's sheet and a meeting's sheets one to a page, reopened
with python-docx, scoped like the item's page and audited. The meeting and its items are `meeting_a` and `items_a` of
tests/conftest.py; who may download the sheets, and the links from the pages, are tested with the other documents in
tests/portal/test_exports_scope.py."""

from urllib.parse import quote

import pytest
from django.urls import reverse

from consult_portal.models import AuditEntry
from tests.documents_helpers import opened, text_of
from tests.factories import MeetingFactory, PlatformFactory


@pytest.fixture
def meeting_b(town_b):
    return MeetingFactory(title="乙镇停车协商会", platform=PlatformFactory(level="town", area=town_b))


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


def test_it_hides_another_towns_item_from_liaison_staff(client, liaison_a, liaison_b, items_a):
    url = reverse("outcomes:assignment-docx", args=[items_a[0].pk])
    client.force_login(liaison_b)
    assert client.get(url).status_code == 404
    client.force_login(liaison_a)
    assert client.get(url).status_code == 200


def test_it_says_when_no_item_was_handed_over_yet(client, office, meeting_b):
    client.force_login(office)
    document = opened(client.get(reverse("outcomes:meeting-assignments-docx", args=[meeting_b.pk])))
    assert "该会议尚无交办事项。" in text_of(document)
