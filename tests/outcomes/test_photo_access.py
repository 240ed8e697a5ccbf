"""Issue #13: a progress report's photos are served to everybody once the item's result is published, and until
then only to whoever may open the item: the town's staff, the unit handling it."""

import io
import re

from django.core.files.base import ContentFile
from django.utils import timezone
from PIL import Image

from outcomes.models import ProgressPhoto, ProgressUpdate
from tests.factories import OutcomeFactory, UnitFactory, UserFactory


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 80, 60)).save(out, format="JPEG")
    return out.getvalue()


def _photo(item) -> ProgressPhoto:
    update = ProgressUpdate.objects.create(item=item, date=timezone.localdate(), text="施工队已进场")
    return ProgressPhoto.objects.create(
        update=update, image=ContentFile(_jpeg(), name="photo.jpg"), thumbnail=ContentFile(_jpeg(), name="thumb.jpg")
    )


def test_an_unpublished_items_photos_are_for_its_unit_and_its_towns_staff(
    client, town_a, unit, unit_user, liaison_a, liaison_b
):
    photo = _photo(OutcomeFactory(unit=unit, town=town_a))
    assert re.fullmatch(r"outcomes/[0-9a-f]{32}\.jpg", photo.thumbnail.name)
    other_unit = UserFactory(username="unit2", role="unit", unit=UnitFactory(name="县交通运输局"))
    assert client.get(photo.image.url).status_code == 404
    for refused in (liaison_b, other_unit):
        client.force_login(refused)
        assert client.get(photo.image.url).status_code == 404
    for allowed in (liaison_a, unit_user):
        client.force_login(allowed)
        assert client.get(photo.thumbnail.url).status_code == 200


def test_a_published_items_photos_are_served_to_everybody(client, town_a, unit):
    photo = _photo(OutcomeFactory(unit=unit, town=town_a, status="implemented", published_at=timezone.now()))
    page = client.get(f"/outcomes/{photo.update.item.pk}/").content.decode()
    assert f'src="{photo.thumbnail.url}"' in page
    assert client.get(photo.thumbnail.url).status_code == 200
