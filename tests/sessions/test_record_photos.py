"""Issue #13: a meeting record's photos are checked like the public form's: pixels read from the header and
refused above the limit before anything is decoded, and nothing decoded while another field is wrong."""

import time
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal.images import too_many_pixels
from sessions.models import MeetingPhoto
from tests.factories import MeetingFactory
from tests.photo_helpers import counting_decodes, field_block, hostile_photos, ordinary_photos

RECORD = {
    "record-summary": "各方同意分两期改造路灯",
    "record-suggestions": "建议一期更换主干道路灯",
    "record-attendance_count": "23",
    "record-walk_in_count": "",
}


def _held(platform):
    start = timezone.now() - timedelta(hours=3)
    return MeetingFactory(platform=platform, starts_at=start, ends_at=start + timedelta(hours=2), status="held")


def _post(client, meeting, photos, **data):
    client.get(f"/staff/meetings/{meeting.pk}/")  # compiles the templates before the timing
    with counting_decodes() as decoded:
        started = time.perf_counter()
        response = client.post(
            f"/staff/meetings/{meeting.pk}/record/", {**RECORD, **data, "record-photos": photos}
        )
        elapsed = time.perf_counter() - started
    return response, elapsed, decoded


def test_hostile_record_photos_are_refused_at_once_beside_the_field(client, office, platform_a):
    meeting = _held(platform_a)
    client.force_login(office)
    response, elapsed, decoded = _post(client, meeting, hostile_photos())
    html = response.content.decode()
    assert response.status_code == 400 and elapsed < 0.5
    assert too_many_pixels().messages[0] in field_block(html, "id_record-photos")
    assert "各方同意分两期改造路灯" in html  # what was typed is kept
    assert decoded == []
    meeting.refresh_from_db()
    assert meeting.status == "held" and not MeetingPhoto.objects.exists()


def test_a_record_without_attendance_decodes_no_photo(client, office, platform_a):
    meeting = _held(platform_a)
    client.force_login(office)
    response, elapsed, decoded = _post(client, meeting, ordinary_photos(), **{"record-attendance_count": ""})
    assert response.status_code == 400
    assert _("This field is required.") in field_block(response.content.decode(), "id_record-attendance_count")
    assert decoded == []
