"""A completed record can be corrected, with the reason: the earlier version stays in the meeting's history and in
the audit, and what was handed to a unit stays as it was handed over."""

from datetime import timedelta

import lxml.html
import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from consult_portal.models import AuditEntry
from sessions import services, services_record
from sessions.models import Meeting, RecordRevision
from tests.factories import MeetingFactory, OutcomeFactory


@pytest.fixture
def recorded(office, platform_a):
    start = timezone.now() - timedelta(days=2)
    meeting = MeetingFactory(
        platform=platform_a,
        title="村口路灯改造协商会",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        status="held",
        no_research_reason="紧急",
    )
    return services.meeting_record(
        meeting=meeting,
        by=office,
        summary="各方同意分两期改造路灯",
        answers="",
        attendance_count=23,
        walk_in_count=6,
        items=[("suggestion", "一期更换主干道路灯"), ("suggestion", "二期覆盖小巷"), ("consensus", "镇政府牵头")],
    )


def _amend(client, meeting, **data):
    fields = {
        "amend-reason": "漏记了交通局的现场答复",
        "amend-summary": meeting.summary,
        "amend-answers": meeting.answers,
        "amend-attendance_count": str(meeting.attendance_count),
        "amend-walk_in_count": str(meeting.walk_in_count),
        "amend-suggestions": "\n".join(i.text for i in meeting.record_items.filter(kind="suggestion")),
        "amend-consensus": "\n".join(i.text for i in meeting.record_items.filter(kind="consensus")),
    }
    fields.update({f"amend-{key}": value for key, value in data.items()})
    return client.post(f"/staff/meetings/{meeting.pk}/amend/", fields)


def test_staff_amend_a_completed_record_from_the_meeting_page(client, office, recorded):
    client.force_login(office)
    page = client.get(f"/staff/meetings/{recorded.pk}/").content.decode()
    assert f'action="/staff/meetings/{recorded.pk}/amend/"' in page
    assert "各方同意分两期改造路灯" in lxml.html.fromstring(page).xpath('//textarea[@name="amend-summary"]')[0].text
    response = _amend(client, recorded, answers="交通局表示年内完成一期", attendance_count="25")
    assert response.status_code == 302
    recorded.refresh_from_db()
    assert (recorded.answers, recorded.attendance_count, recorded.status) == ("交通局表示年内完成一期", 25, "recorded")
    revision = recorded.revisions.get()
    assert (revision.actor, revision.reason) == (office, "漏记了交通局的现场答复")
    assert revision.before["answers"] == "" and revision.before["attendance_count"] == 23
    assert revision.before["items"][0] == ["suggestion", "一期更换主干道路灯"]


def test_the_history_shows_the_amendment_and_the_earlier_version(client, office, recorded):
    client.force_login(office)
    _amend(client, recorded, summary="各方同意分三期改造路灯")
    page = lxml.html.fromstring(client.get(f"/staff/meetings/{recorded.pk}/").content.decode())
    [entry] = page.xpath("//section[@aria-labelledby='h-history']//li[@data-revision]")
    text = entry.text_content()
    assert "漏记了交通局的现场答复" in text
    assert "各方同意分两期改造路灯" in entry.xpath(".//details")[0].text_content()  # the record before
    record = page.xpath("//section[@aria-labelledby='h-record']")[0].text_content()
    assert "各方同意分三期改造路灯" in record and "各方同意分两期改造路灯" not in record


def test_the_audit_keeps_the_record_before_and_after(office, recorded):
    services_record.meeting_record_amend(
        meeting=recorded, by=office, reason="更正人数", summary=recorded.summary, attendance_count=21, walk_in_count=6
    )
    entry = AuditEntry.objects.get(action="meeting_record_amend")
    assert entry.actor == office
    assert (entry.before["attendance_count"], entry.after["attendance_count"]) == (23, 21)
    assert entry.after["reason"] == "更正人数"


def test_an_amendment_needs_a_reason(client, office, recorded):
    with pytest.raises(ValidationError):
        services_record.meeting_record_amend(meeting=recorded, by=office, reason=" ", summary="改了")
    client.force_login(office)
    response = _amend(client, recorded, reason="", summary="改了")
    assert response.status_code == 400
    recorded.refresh_from_db()
    assert recorded.summary == "各方同意分两期改造路灯"
    assert not RecordRevision.objects.exists()


def test_only_a_completed_record_is_amended(office, platform_a):
    start = timezone.now() - timedelta(hours=3)
    held = MeetingFactory(platform=platform_a, starts_at=start, ends_at=start + timedelta(hours=2), status="held")
    with pytest.raises(ValidationError):
        services_record.meeting_record_amend(meeting=held, by=office, reason="更正", summary="纪要")
    assert not RecordRevision.objects.exists()


def test_items_handed_to_a_unit_stay_as_handed_over(client, office, recorded, unit):
    handed = recorded.record_items.get(text="一期更换主干道路灯")
    OutcomeFactory(meeting=recorded, record_item=handed, text=handed.text, unit=unit)
    client.force_login(office)
    page = lxml.html.fromstring(client.get(f"/staff/meetings/{recorded.pk}/").content.decode())
    assert page.xpath('//textarea[@name="amend-suggestions"]')[0].text.strip() == "二期覆盖小巷"
    response = _amend(client, recorded, suggestions="二期覆盖小巷和背街\n三期增设太阳能灯", consensus="镇政府牵头")
    assert response.status_code == 302
    items = [(i.kind, i.text) for i in recorded.record_items.order_by("pk")]
    assert items == [
        ("suggestion", "一期更换主干道路灯"),
        ("consensus", "镇政府牵头"),
        ("suggestion", "二期覆盖小巷和背街"),
        ("suggestion", "三期增设太阳能灯"),
    ]
    assert recorded.record_items.get(text="一期更换主干道路灯").pk == handed.pk
    assert Meeting.objects.get(pk=recorded.pk).revisions.get().before["items"][1] == ["suggestion", "二期覆盖小巷"]


def test_an_amendment_that_changes_nothing_is_refused(office, recorded):
    with pytest.raises(ValidationError):
        services_record.meeting_record_amend(
            meeting=recorded,
            by=office,
            reason="看看",
            summary=recorded.summary,
            attendance_count=23,
            walk_in_count=6,
        )
    assert not RecordRevision.objects.exists()
