"""Issue #13, High: an anonymous visitor could stall the server with photos (three 6300 × 6300 single-colour PNGs
of 131 KB each took 8–17 s and 450 MB in one worker, used no rate-limit slot, and were decoded even when the
title was empty or the address was already limited). Now the slot is taken first, the cheap fields are checked
before any photo is decoded, and a photo's pixels are read from its header and refused above the limit."""

import time

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _
from PIL import Image

from consult_portal.images import too_many_pixels
from tests.photo_helpers import counting_decodes, field_block, hostile_photos, jpeg, ordinary_photos, png
from topics.models import Topic, TopicPhoto

URL = "/topics/suggest/"


def _key(n: int) -> str:
    return f"8a6e0804-2bd0-4672-b79e-d4c9f5a4e{n:03d}"


def _timed_post(client, data):
    client.get(URL)  # as a browser does first; it also compiles the templates, which is not the refusal's time
    with counting_decodes() as decoded:
        started = time.perf_counter()
        response = client.post(URL, data)
        elapsed = time.perf_counter() - started
    return response, elapsed, decoded


def test_the_assessments_hostile_photos_are_refused_at_once_beside_the_field(client, suggestion):
    response, elapsed, decoded = _timed_post(client, {**suggestion, "photos": hostile_photos()})
    html = response.content.decode()
    assert response.status_code == 400
    assert elapsed < 0.5, f"the refusal took {elapsed:.2f} s"
    block = field_block(html, "id_photos")
    assert _("%(name)s: %(problem)s") % {"name": "hostile0.png", "problem": too_many_pixels().messages[0]} in block
    assert 'value="村口路灯坏了"' in html and 'value="13812345678"' in html  # what was typed is kept
    assert not Topic.objects.exists() and not TopicPhoto.objects.exists()
    assert decoded == []


def test_a_form_with_an_empty_title_decodes_no_photo(client, suggestion):
    response, elapsed, decoded = _timed_post(client, {**suggestion, "title": "", "photos": ordinary_photos()})
    assert response.status_code == 400
    assert _("This field is required.") in field_block(response.content.decode(), "id_title")
    assert decoded == []
    assert not Topic.objects.exists()


def test_the_hostile_photos_with_an_empty_title_are_refused_at_once(client, suggestion):
    response, elapsed, decoded = _timed_post(client, {**suggestion, "title": "", "photos": hostile_photos()})
    html = response.content.decode()
    assert response.status_code == 400 and elapsed < 0.5
    assert too_many_pixels().messages[0] in field_block(html, "id_photos")
    assert decoded == []


def test_an_address_out_of_slots_is_refused_at_once_and_nothing_is_decoded(client, suggestion, settings):
    settings.TOPIC_SUBMISSIONS_PER_HOUR = 1
    assert client.post(URL, {**suggestion, "submission_key": _key(1)}).status_code == 302
    response, elapsed, decoded = _timed_post(
        client, {**suggestion, "title": "第二个", "submission_key": _key(2), "photos": ordinary_photos()}
    )
    assert response.status_code == 429
    assert elapsed < 0.5
    assert decoded == []
    html = response.content.decode()
    assert 'value="第二个"' in html  # what was typed is kept
    assert Topic.objects.count() == 1


def test_a_refused_form_that_decoded_nothing_gives_its_slot_back(client, suggestion, settings):
    settings.TOPIC_SUBMISSIONS_PER_HOUR = 1
    for _n in range(3):
        assert client.post(URL, {**suggestion, "title": "", "photos": ordinary_photos()}).status_code == 400
    assert client.post(URL, {**suggestion, "submission_key": _key(3)}).status_code == 302


def test_photos_that_were_decoded_and_refused_keep_the_slot(client, suggestion, settings):
    """Otherwise decoding could be had for free, again and again, by sending a photo that breaks late."""
    settings.TOPIC_SUBMISSIONS_PER_HOUR = 1
    broken = png(1600, 1200)[:-200]  # the header is right, the pixels end too early
    upload = SimpleUploadedFile("broken.png", broken, content_type="image/png")
    response = client.post(URL, {**suggestion, "submission_key": _key(4), "photos": [upload]})
    assert response.status_code == 400
    assert _("The file is not a photo.") in field_block(response.content.decode(), "id_photos")
    assert client.post(URL, {**suggestion, "submission_key": _key(5)}).status_code == 429


def test_a_phones_twelve_megapixel_photo_is_taken_and_one_pixel_more_than_the_limit_is_not(client, suggestion):
    phone = SimpleUploadedFile("phone.jpg", jpeg(4080, 3072), content_type="image/jpeg")
    assert client.post(URL, {**suggestion, "submission_key": _key(6), "photos": [phone]}).status_code == 302
    with TopicPhoto.objects.get().image.open() as stored, Image.open(stored) as picture:
        assert picture.size == (2048, 1542)
    wide = SimpleUploadedFile("wide.png", png(4097, 3072), content_type="image/png")
    response, elapsed, decoded = _timed_post(client, {**suggestion, "submission_key": _key(7), "photos": [wide]})
    assert response.status_code == 400 and decoded == []
    assert too_many_pixels().messages[0] in field_block(response.content.decode(), "id_photos")
