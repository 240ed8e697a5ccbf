"""Issue #13: a member's photo is served to everybody while their public duty-code page shows it (an active member),
and only to staff once the member is no longer active."""

import io
import re

from django.core.files.base import ContentFile
from PIL import Image

from tests.factories import MemberFactory


def _member(**fields):
    out = io.BytesIO()
    Image.new("RGB", (60, 80), (90, 140, 200)).save(out, format="JPEG")
    return MemberFactory(photo=ContentFile(out.getvalue(), name="photo.jpg"), **fields)


def test_an_active_members_photo_is_public_like_their_duty_code_page(client, db):
    member = _member(name="孙老师")
    assert re.fullmatch(r"members/[0-9a-f]{32}\.jpg", member.photo.name)
    assert f'src="{member.photo.url}"' in client.get(f"/members/code/{member.duty_code}/").content.decode()
    assert client.get(member.photo.url).status_code == 200


def test_a_former_members_photo_is_only_for_staff(client, office, db):
    member = _member(name="钱先生", is_active=False)
    assert client.get(member.photo.url).status_code == 404
    client.force_login(office)
    assert client.get(member.photo.url).status_code == 200
