"""The record form's 参会人数 starts at the number who checked in (#15): staff only correct it."""

import re
from datetime import timedelta

from django.utils import timezone

from sessions.models import Participant
from tests.factories import MeetingFactory


def _attendance_input(html: str) -> str:
    match = re.search(r'<input[^>]*name="record-attendance_count"[^>]*>', html)
    assert match, "no attendance field"
    return match.group()


def test_the_attendance_starts_at_the_number_checked_in(client, office, platform_a):
    start = timezone.now() - timedelta(hours=3)
    meeting = MeetingFactory(platform=platform_a, starts_at=start, ends_at=start + timedelta(hours=2), status="held")
    for n in range(3):
        Participant.objects.create(meeting=meeting, kind="resident", name=f"居民{n}", checked_in_at=start)
    Participant.objects.create(meeting=meeting, kind="resident", name="没来的居民")
    client.force_login(office)
    html = client.get(f"/staff/meetings/{meeting.pk}/").content.decode()
    assert 'value="3"' in _attendance_input(html)
