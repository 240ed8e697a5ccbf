"""Issue #13: a meeting's photos are served to everybody once its public page shows them (a public meeting that was
held), and otherwise only to staff who may see the meeting."""

import io
import re

from django.core.files.base import ContentFile
from PIL import Image

from sessions.models import MeetingPhoto
from tests.factories import MeetingFactory


def _photo(meeting) -> MeetingPhoto:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (40, 90, 160)).save(out, format="JPEG")
    return MeetingPhoto.objects.create(meeting=meeting, image=ContentFile(out.getvalue(), name="photo.jpg"))


def test_the_photos_a_recorded_meetings_public_page_shows_are_served_to_everybody(client, platform_a):
    photo = _photo(MeetingFactory(platform=platform_a, status="recorded"))
    assert re.fullmatch(r"meetings/[0-9a-f]{32}\.jpg", photo.image.name)
    page = client.get(f"/meetings/{photo.meeting.pk}/").content.decode()
    assert f'src="{photo.image.url}"' in page
    assert client.get(photo.image.url).status_code == 200


def test_a_photo_of_a_meeting_not_public_is_only_for_the_towns_staff(client, platform_a, liaison_a, liaison_b):
    photo = _photo(MeetingFactory(platform=platform_a, status="planned"))
    assert client.get(photo.image.url).status_code == 404
    client.force_login(liaison_b)
    assert client.get(photo.image.url).status_code == 404
    client.force_login(liaison_a)
    assert client.get(photo.image.url).status_code == 200
