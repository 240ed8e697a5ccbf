"""Who raised each suggestion (#14), corrected with an amendment of the record: one choice among the meeting's members
for each suggestion not yet handed over, kept in the earlier version of the record, refused beside the field when it
is not one of them; the page costs no query more for more suggestions."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import html as lxml_html

from consult_portal.models import AuditEntry
from sessions import services
from sessions.models import Participant, RecordItem
from tests.factories import MeetingFactory, MemberFactory


@pytest.fixture
def recorded(office, platform_a):
    start = timezone.now() - timedelta(days=2)
    meeting = MeetingFactory(
        platform=platform_a, starts_at=start, ends_at=start + timedelta(hours=2), status="held", no_research_reason="急"
    )
    zhang, li = MemberFactory(name="张委员"), MemberFactory(name="李委员")
    for member in (zhang, li):
        Participant.objects.create(meeting=meeting, kind="member", member=member, checked_in_at=start)
    services.meeting_record(
        meeting=meeting,
        by=office,
        summary="各方同意分两期改造路灯",
        attendance_count=20,
        items=[("suggestion", "一期更换主干道路灯"), ("suggestion", "二期覆盖小巷", li), ("consensus", "镇政府牵头")],
    )
    meeting.refresh_from_db()
    return meeting, zhang, li


def _amend(client, meeting, **extra):
    data = {
        "amend-reason": "补记提出建议的委员",
        "amend-summary": meeting.summary,
        "amend-attendance_count": "20",
        "amend-suggestions": "一期更换主干道路灯\n二期覆盖小巷",
        "amend-consensus": "镇政府牵头",
    }
    return client.post(f"/staff/meetings/{meeting.pk}/amend/", data | extra)


def _items(meeting):
    return {item.text: item for item in RecordItem.objects.filter(meeting=meeting, kind="suggestion")}


def test_the_amendment_offers_one_choice_per_suggestion_with_who_raised_it(client, office, recorded):
    meeting, zhang, li = recorded
    first, second = _items(meeting)["一期更换主干道路灯"], _items(meeting)["二期覆盖小巷"]
    client.force_login(office)
    tree = lxml_html.fromstring(client.get(f"/staff/meetings/{meeting.pk}/").content.decode())
    (select,) = tree.xpath(f'//select[@name="amend-proposer_item_{first.pk}"]')
    label = tree.xpath(f'//label[@for="{select.get("id")}"]')[0].text_content().strip()
    assert label == "提出人：一期更换主干道路灯"
    assert [o.text_content() for o in select.xpath("option")][1:] == sorted(
        [f"张委员（{zhang.sector.name}）", f"李委员（{li.sector.name}）"]
    )
    chosen = tree.xpath(f'//select[@name="amend-proposer_item_{second.pk}"]/option[@selected]')
    assert [o.get("value") for o in chosen] == [str(li.pk)]


def test_staff_say_who_raised_a_suggestion_and_the_earlier_version_is_kept(client, office, recorded):
    meeting, zhang, li = recorded
    first, second = _items(meeting)["一期更换主干道路灯"], _items(meeting)["二期覆盖小巷"]
    client.force_login(office)
    response = _amend(
        client,
        meeting,
        **{f"amend-proposer_item_{first.pk}": str(zhang.pk), f"amend-proposer_item_{second.pk}": str(li.pk)},
    )
    assert response.status_code == 302
    assert {text: item.proposer for text, item in _items(meeting).items()} == {
        "一期更换主干道路灯": zhang,
        "二期覆盖小巷": li,
    }
    revision = meeting.revisions.get()
    assert revision.before["proposers"] == {str(second.pk): li.pk}
    entry = AuditEntry.objects.get(action="meeting_record_amend")
    assert entry.after["proposers"] == {str(first.pk): zhang.pk, str(second.pk): li.pk}
    page = client.get(f"/staff/meetings/{meeting.pk}/").content.decode()
    assert "张委员 提出" in page and "李委员 提出" in page


def test_someone_not_at_the_meeting_is_refused_beside_the_field(client, office, recorded):
    meeting, _zhang, li = recorded
    first = _items(meeting)["一期更换主干道路灯"]
    stranger = MemberFactory(name="外来委员")
    client.force_login(office)
    response = _amend(client, meeting, **{f"amend-proposer_item_{first.pk}": str(stranger.pk)})
    assert response.status_code == 400
    tree = lxml_html.fromstring(response.content.decode())
    feedback = tree.xpath(f'//*[@id="error_1_id_amend-proposer_item_{first.pk}"]')
    assert feedback and "提出人" in feedback[0].text_content()
    assert _items(meeting)["一期更换主干道路灯"].proposer is None


def test_the_meeting_page_costs_no_query_more_for_more_suggestions(client, office, recorded):
    meeting, _zhang, _li = recorded
    client.force_login(office)

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/staff/meetings/{meeting.pk}/").status_code == 200
        return len(queries)

    few = count()
    RecordItem.objects.bulk_create(
        [RecordItem(meeting=meeting, kind="suggestion", text=f"建议{n}") for n in range(6)]
    )
    assert count() == few
