import re

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.utils.translation import gettext as _
from PIL import Image

from consult_portal.images import too_many_pixels
from consult_portal.sms import LocmemBackend
from tests.topics.conftest import bomb_png, noise_png, photo
from topics.models import Topic, TopicPhoto

URL = "/topics/suggest/"


def _post(client, data, **extra):
    return client.post(URL, data, **extra)


def test_it_labels_every_input(client, town_a):
    html = client.get(URL).content.decode()
    fields = re.findall(r"<(?:input|select|textarea)[^>]*>", html)
    ids = {re.search(r'\bid="([^"]+)"', f).group(1) for f in fields if 'type="hidden"' not in f and ' id="' in f}
    labelled = set(re.findall(r'<label[^>]*\bfor="([^"]+)"', html))
    assert ids - labelled == set()
    assert "标题" in html and "手机号码" in html


def test_it_takes_a_topic_with_a_photo_and_gives_a_tracking_code(
    client, suggestion, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(client, {**suggestion, "photos": [photo()]})
    topic = Topic.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/topics/receipt/{topic.tracking_code}/"
    assert re.fullmatch(r"[2-9A-HJ-NP-Z]{8}", topic.tracking_code)
    assert (topic.source, topic.status, topic.submitter_phone) == ("resident", "submitted", "13812345678")
    assert topic.consent_at is not None
    receipt = client.get(response["Location"]).content.decode()
    assert topic.tracking_code in receipt
    assert "<svg" in receipt and f"/topics/track/{topic.tracking_code}/" in receipt
    # The resident is told by SMS that the topic arrived, with the code.
    assert LocmemBackend.outbox and topic.tracking_code in LocmemBackend.outbox[0][1]


def test_it_strips_the_location_from_photos_and_makes_a_thumbnail(client, suggestion):
    _post(client, {**suggestion, "photos": [photo()]})
    stored = TopicPhoto.objects.get()
    with default_storage.open(stored.image.name) as f, Image.open(f) as image:
        assert image.format == "JPEG"
        assert dict(image.getexif()) == {}
    with default_storage.open(stored.thumbnail.name) as f, Image.open(f) as thumb:
        assert max(thumb.size) <= 400


def test_it_takes_a_topic_without_contact_details(client, suggestion):
    data = {**suggestion, "name": "", "phone": "", "consent": ""}
    assert _post(client, data).status_code == 302
    assert Topic.objects.get().submitter_phone == ""


BAD = {
    "a PDF renamed to .jpg": (
        {"photos": [photo("scan.jpg", b"%PDF-1.4\n1 0 obj<<>>endobj\n%%EOF")]},
        "photos",
        "不是照片",
    ),
    "a 6 MB image": ({"photos": [photo("big.png", noise_png(1420), "image/png")]}, "photos", "大于 5 MB"),
    "a decompression bomb": ({"photos": [photo("bomb.png", bomb_png(), "image/png")]}, "photos", too_many_pixels),
    "four photos": ({"photos": [photo(), photo(), photo(), photo()]}, "photos", "最多选择 3 张"),
    "a 100,000-character description": (
        {"description": "长" * 100_000},
        "description",
        lambda: ValidationError(
            _("%(label)s takes at most %(limit_value)s characters; this is %(show_value)s.")
            % {"label": _("Description"), "limit_value": 2000, "show_value": 100_000}
        ),
    ),
    "a malformed phone": ({"phone": "12345"}, "phone", "11 位手机号码"),
    "a phone without consent": ({"consent": ""}, "consent", "请勾选"),
    "no title": ({"title": ""}, "title", "这个字段是必填项"),
    "a village of another town": ({"village": "other"}, "village", "不属于所选镇"),
}


@pytest.mark.parametrize("case", BAD.keys())
def test_it_rejects_bad_input_beside_the_field_and_keeps_what_was_typed(client, suggestion, village_b, case):
    change, field, message = BAD[case]
    message = message().messages[0] if callable(message) else message
    if change.get("village") == "other":
        change = {"village": village_b.pk}
    data = {**suggestion, **change}
    response = _post(client, data)
    html = response.content.decode()
    assert response.status_code == 400
    assert Topic.objects.count() == 0
    # The error stands beside its field.
    block = html[html.index(f'id="div_id_{field}"') :]
    block = block[: block.index('id="div_id_', 10)] if 'id="div_id_' in block[10:] else block
    assert message in block, block[:2000]
    # Everything else stays as the resident typed it.
    if field != "title":
        assert 'value="村口路灯坏了"' in html
    if field not in ("phone",):
        assert 'value="13812345678"' in html


def test_it_shows_a_script_in_the_title_as_text(client, suggestion):
    _post(client, {**suggestion, "title": "<script>alert('x')</script>路灯"})
    topic = Topic.objects.get()
    assert topic.title == "<script>alert('x')</script>路灯"  # stored as typed
    html = client.get(f"/topics/track/{topic.tracking_code}/").content.decode()
    assert "<script>alert(" not in html
    assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;路灯" in html


def test_it_ignores_a_filled_honeypot(client, suggestion):
    response = _post(client, {**suggestion, "website": "http://spam.example"})
    assert Topic.objects.count() == 0
    assert "未能受理" in response.content.decode()


def test_it_limits_submissions_per_address(client, suggestion, settings):
    settings.TOPIC_SUBMISSIONS_PER_HOUR = 2
    for n in range(2):
        key = f"8a6e0804-2bd0-4672-b79e-d4c9f5a4e1a{n}"
        assert _post(client, {**suggestion, "title": f"议题{n}", "submission_key": key}).status_code == 302
    response = _post(
        client, {**suggestion, "title": "第三个", "submission_key": "8a6e0804-2bd0-4672-b79e-d4c9f5a4e1b9"}
    )
    html = response.content.decode()
    assert response.status_code == 429
    assert "过去一小时内" in html
    assert 'value="第三个"' in html
    assert Topic.objects.count() == 2
    # Another address is not held back.
    other = _post(
        client, {**suggestion, "submission_key": "8a6e0804-2bd0-4672-b79e-d4c9f5a4e1c9"}, REMOTE_ADDR="10.1.2.3"
    )
    assert other.status_code == 302


def test_a_double_click_creates_one_topic(client, suggestion):
    first = _post(client, suggestion)
    second = _post(client, suggestion)
    assert Topic.objects.count() == 1
    assert first["Location"] == second["Location"]


def test_the_form_refuses_a_post_without_csrf_token(suggestion, db):
    from django.test import Client

    response = Client(enforce_csrf_checks=True).post(URL, suggestion)
    assert response.status_code == 403
    assert Topic.objects.count() == 0


@pytest.mark.parametrize("typed", ["138 0000-1234", "+86 13800001234"])
def test_it_stores_a_typed_mobile_as_its_11_digits(client, suggestion, typed):
    assert _post(client, {**suggestion, "phone": typed}).status_code == 302
    assert Topic.objects.get().submitter_phone == "13800001234"
