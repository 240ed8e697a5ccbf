"""Recording a meeting takes its photos in the same step: a refused record keeps no photo, and a photo
that cannot be stored leaves the meeting held, with no half record (#12)."""

import os
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.utils import timezone

from consult_portal.images import clean_image
from consult_portal.models import AuditEntry
from sessions import services
from sessions.models import MeetingPhoto, MeetingTransition, RecordItem
from tests.factories import MeetingFactory
from tests.topics.conftest import photo

RECORD = {
    "record-summary": "各方同意分两期改造路灯",
    "record-suggestions": "建议一期更换主干道路灯",
    "record-attendance_count": "23",
    "record-walk_in_count": "",
}


def _started(platform, status):
    start = timezone.now() - timedelta(hours=3)
    return MeetingFactory(platform=platform, starts_at=start, ends_at=start + timedelta(hours=2), status=status)


def _media_files() -> set[str]:
    return {os.path.join(root, name) for root, _dirs, names in os.walk(settings.MEDIA_ROOT) for name in names}


def _assert_nothing_written(meeting, status, files_before):
    meeting.refresh_from_db()
    assert (meeting.status, meeting.summary, meeting.attendance_count) == (status, "", None)
    assert not RecordItem.objects.filter(meeting=meeting).exists()
    assert not MeetingPhoto.objects.filter(meeting=meeting).exists()
    assert not MeetingTransition.objects.filter(meeting=meeting).exists()
    assert not AuditEntry.objects.exclude(action="login").exists()
    assert _media_files() == files_before


@pytest.mark.parametrize("status", ["published", "recorded"])
def test_a_refused_record_keeps_no_photo(client, office, platform_a, status):
    meeting = _started(platform_a, status)
    files_before = _media_files()
    client.force_login(office)
    response = client.post(
        f"/staff/meetings/{meeting.pk}/record/", {**RECORD, "record-photos": [photo("a.jpg"), photo("b.jpg")]}
    )
    assert response.status_code == 400
    assert "只有已召开的协商会才能录入会议记录" in response.content.decode()
    _assert_nothing_written(meeting, status, files_before)


def test_the_service_refuses_a_record_without_a_summary_and_keeps_no_photo(office, platform_a):
    meeting = _started(platform_a, "held")
    files_before = _media_files()
    with pytest.raises(ValidationError):
        services.meeting_record(meeting=meeting, summary=" ", by=office, photos=[clean_image(photo())])
    _assert_nothing_written(meeting, "held", files_before)


def test_a_photo_that_cannot_be_stored_leaves_the_meeting_held_with_no_half_record(
    client, office, platform_a, monkeypatch
):
    meeting = _started(platform_a, "held")
    files_before = _media_files()
    save = FileSystemStorage._save
    calls = []

    def disk_full_on_the_second_photo(storage, name, content):
        calls.append(name)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return save(storage, name, content)

    monkeypatch.setattr(FileSystemStorage, "_save", disk_full_on_the_second_photo)
    client.force_login(office)
    response = client.post(
        f"/staff/meetings/{meeting.pk}/record/", {**RECORD, "record-photos": [photo("a.jpg"), photo("b.jpg")]}
    )
    # Said beside the photos, with the record's text kept for a second try without them.
    assert response.status_code == 400
    assert "照片暂时无法保存" in response.content.decode() and RECORD["record-summary"] in response.content.decode()
    assert len(calls) == 2  # the first photo was stored before the second failed ...
    _assert_nothing_written(meeting, "held", files_before)  # ... and was taken away again


def test_recording_keeps_the_record_its_photos_and_their_audit_entries(client, office, platform_a):
    meeting = _started(platform_a, "held")
    client.force_login(office)
    response = client.post(
        f"/staff/meetings/{meeting.pk}/record/", {**RECORD, "record-photos": [photo("a.jpg"), photo("b.jpg")]}
    )
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.status, meeting.summary) == ("recorded", "各方同意分两期改造路灯")
    assert meeting.photos.count() == 2
    assert all(os.path.exists(p.image.path) for p in meeting.photos.all())
    actions = list(AuditEntry.objects.exclude(action="login").order_by("id").values_list("action", flat=True))
    assert actions == ["meeting_recorded", "meeting_record_content", "meeting_photos_add"]
