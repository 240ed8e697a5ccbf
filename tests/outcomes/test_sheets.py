"""The assignment sheet (交办单): the printable page and the Word document say the same things in the same order."""

import io
import re
from datetime import timedelta

import docx
from django.urls import reverse
from django.utils import timezone

from outcomes import services
from tests.factories import MeetingFactory, PlatformFactory, TopicFactory


def test_the_page_and_the_word_document_show_the_same_rows_in_the_same_order(client, office, town_a, unit):
    meeting = MeetingFactory(platform=PlatformFactory(area=town_a), title="村口路灯协商会", status="recorded")
    topic = TopicFactory(town=town_a, title="村口路灯不亮")
    item = services.outcome_hand_over(
        meeting=meeting,
        topic=topic,
        text="更换村口主干道路灯",
        unit=unit,
        contact_name="王科长",
        contact_phone="0571-1234567",
        deadline=timezone.localdate() + timedelta(days=30),
        by=office,
    )
    client.force_login(office)
    page = client.get(reverse("outcomes:staff-sheet", args=[item.pk])).content.decode()
    page_labels = re.findall(r'<th scope="row">([^<]+)</th>', page)
    document = docx.Document(io.BytesIO(client.get(reverse("outcomes:assignment-docx", args=[item.pk])).content))
    word_labels = [row.cells[0].text for row in document.tables[0].rows]
    assert page_labels == word_labels
    assert page_labels[:3] == ["承办单位", "联系人", "来源"] and "办理时限" in page_labels
    # The same facts on both, each in its own typography.
    word_text = "\n".join(cell.text for row in document.tables[0].rows for cell in row.cells)
    assert "王科长 · 0571-1234567" in page and "王科长，0571-1234567" in word_text
    assert "村口路灯协商会" in page and "村口路灯协商会" in word_text
    assert "村口路灯不亮" in page and "村口路灯不亮" in word_text
