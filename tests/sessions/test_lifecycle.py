from datetime import date, timedelta

import time_machine
from django.utils import timezone

from sessions.models import Meeting, Research
from tests.factories import MeetingFactory


def _post(client, meeting, action, data=None):
    return client.post(f"/staff/meetings/{meeting.pk}/{action}/", data or {})


def test_a_meeting_goes_from_planned_to_recorded_with_each_step_recorded(
    client, office, platform_a, accepted_topic, soon
):
    start, end = soon
    meeting = MeetingFactory(platform=platform_a, status="planned", starts_at=start, ends_at=end)
    meeting.topics.add(accepted_topic)
    Research.objects.create(meeting=meeting, date=date.today(), kind="visit", findings="走访12户")
    client.force_login(office)
    assert _post(client, meeting, "publish").status_code == 302
    with time_machine.travel(start + timedelta(minutes=30)):
        client.force_login(office)
        assert _post(client, meeting, "hold", {"hold-no_research_reason": ""}).status_code == 302
        response = _post(
            client,
            meeting,
            "record",
            {
                "record-summary": "各方同意分两期改造路灯",
                "record-suggestions": "建议一期更换主干道路灯\n建议二期覆盖小巷",
                "record-consensus": "由镇政府牵头,交通局配合",
                "record-answers": "交通局表示年内完成一期",
                "record-attendance_count": "23",
                "record-walk_in_count": "6",
            },
        )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == Meeting.Status.RECORDED
    assert [t.to_status for t in meeting.transitions.order_by("at", "pk")] == ["published", "held", "recorded"]
    assert [(i.kind, i.text) for i in meeting.record_items.order_by("pk")] == [
        ("suggestion", "建议一期更换主干道路灯"),
        ("suggestion", "建议二期覆盖小巷"),
        ("consensus", "由镇政府牵头,交通局配合"),
    ]
    assert (meeting.attendance_count, meeting.walk_in_count) == (23, 6)
    accepted_topic.refresh_from_db()
    assert accepted_topic.status == "consulted"


def test_no_research_no_consultation(client, office, platform_a):
    start = timezone.now() - timedelta(minutes=30)
    meeting = MeetingFactory(platform=platform_a, starts_at=start, ends_at=start + timedelta(hours=2))
    client.force_login(office)
    response = _post(client, meeting, "hold", {"hold-no_research_reason": ""})
    assert response.status_code == 400
    meeting.refresh_from_db()
    assert meeting.status == "published"
    response = _post(client, meeting, "hold", {"hold-no_research_reason": "突发事项,群众要求当天协商"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.no_research_reason) == ("held", "突发事项,群众要求当天协商")


def test_a_meeting_cannot_be_held_before_it_starts(client, office, platform_a, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    Research.objects.create(meeting=meeting, date=date.today(), kind="forum", findings="座谈")
    client.force_login(office)
    assert _post(client, meeting, "hold", {"hold-no_research_reason": ""}).status_code == 400


def test_postponing_and_cancelling_need_a_reason(client, office, platform_a, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    client.force_login(office)
    assert _post(client, meeting, "postpone", {"postpone-reason": ""}).status_code == 400
    assert _post(client, meeting, "postpone", {"postpone-reason": "汛期防汛"}).status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.status_reason) == ("postponed", "汛期防汛")
    assert _post(client, meeting, "cancel", {"cancel-reason": "问题已解决"}).status_code == 302
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"
    assert _post(client, meeting, "publish").status_code == 400  # a cancelled meeting stays cancelled


def test_rescheduling_keeps_the_old_time_in_the_history(client, office, platform_a, soon):
    start, end = soon
    meeting = MeetingFactory(platform=platform_a, starts_at=start, ends_at=end)
    client.force_login(office)
    new_start = start + timedelta(days=2)
    response = _post(
        client,
        meeting,
        "reschedule",
        {
            "reschedule-starts_at": timezone.localtime(new_start).strftime("%Y-%m-%dT%H:%M"),
            "reschedule-ends_at": timezone.localtime(new_start + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M"),
            "reschedule-reason": "与赶集日冲突",
        },
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.starts_at == new_start and meeting.status == "published"
    moved = meeting.transitions.get(old_starts_at__isnull=False)
    assert moved.old_starts_at == start and moved.reason == "与赶集日冲突"


def test_research_is_recorded_against_the_meeting(client, liaison_a, platform_a, soon):
    meeting = MeetingFactory(platform=platform_a, starts_at=soon[0], ends_at=soon[1])
    client.force_login(liaison_a)
    bad = _post(client, meeting, "research", {"research-date": "2026-11-01", "research-kind": "visit"})
    assert bad.status_code == 400 and "这个字段是必填项" in bad.content.decode()
    _post(
        client,
        meeting,
        "research",
        {
            "research-date": "2026-11-01",
            "research-kind": "forum",
            "research-participants": "村干部、联络站",
            "research-findings": "夜间照明不足,老人出行不便",
        },
    )
    research = meeting.research.get()
    assert (research.kind, research.findings) == ("forum", "夜间照明不足,老人出行不便")


def _held(platform, **kwargs):
    start = timezone.now() - timedelta(hours=3)
    return MeetingFactory(
        platform=platform, starts_at=start, ends_at=start + timedelta(hours=2), status="held", **kwargs
    )


def test_the_record_keeps_photos_checked_like_any_upload(client, office, platform_a):
    from tests.topics.conftest import photo

    meeting = _held(platform_a)
    client.force_login(office)
    data = {"record-summary": "达成共识", "record-attendance_count": "10", "record-walk_in_count": ""}
    bad = client.post(
        f"/staff/meetings/{meeting.pk}/record/", {**data, "record-photos": [photo("x.jpg", b"%PDF-1.4 not an image")]}
    )
    assert bad.status_code == 400 and "该文件不是照片" in bad.content.decode()
    meeting.refresh_from_db()
    assert meeting.status == "held" and not meeting.photos.exists()
    client.post(f"/staff/meetings/{meeting.pk}/record/", {**data, "record-photos": [photo()]})
    meeting.refresh_from_db()
    assert meeting.status == "recorded" and meeting.photos.count() == 1


def test_a_full_disk_keeps_the_record_unsaved_with_its_text_and_no_file(
    client, office, platform_a, full_disk, transactional_db
):
    from tests.photo_helpers import files_on
    from tests.topics.conftest import noise_png, photo

    meeting = _held(platform_a)
    client.force_login(office)
    data = {"record-summary": "各方同意分两期改造路灯", "record-attendance_count": "10", "record-walk_in_count": ""}
    big = photo("x.png", noise_png(500), "image/png")
    response = client.post(f"/staff/meetings/{meeting.pk}/record/", {**data, "record-photos": [big]})
    html = response.content.decode()
    assert response.status_code == 400
    assert "照片暂时无法保存" in html and "各方同意分两期改造路灯" in html
    meeting.refresh_from_db()
    assert meeting.status == "held" and meeting.summary == "" and not meeting.photos.exists()
    assert files_on(full_disk) == []


def test_the_record_needs_a_summary_and_attendance(client, office, platform_a):
    meeting = _held(platform_a)
    client.force_login(office)
    response = client.post(
        f"/staff/meetings/{meeting.pk}/record/", {"record-summary": "", "record-suggestions": "建议"}
    )
    assert response.status_code == 400
    assert "建议" in response.content.decode()  # what was typed stays
    meeting.refresh_from_db()
    assert meeting.status == "held" and not meeting.record_items.exists()
