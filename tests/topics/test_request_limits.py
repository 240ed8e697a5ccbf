"""Issue #13, Low: there was no limit on a request's body (consult_portal.middleware.limit_request_body and the
settings' upload limits, met here on the public topic form). Now a body over 16 MB (three photos at the 5 MB limit
and a form's text) gets a clear 413 page before it is read, a form's text over 1 MB and more than 10 files get a
clear 400 page, never a 500, and three photos at the limit still go through."""

import uuid

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.translation import gettext as _

from consult_portal.images import MAX_UPLOAD_BYTES
from tests.topics.conftest import noise_png, photo
from topics.models import Topic

URL = "/topics/suggest/"


def _multipart(size: int) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="photos"; filename="huge.png"\r\n'
        "Content-Type: image/png\r\n\r\n"
    ).encode()
    return head + b"\0" * size + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def test_a_body_over_16_mb_gets_the_413_page_and_three_photos_at_the_limit_go_through(client, suggestion, settings):
    settings.TOPIC_SUBMISSIONS_PER_HOUR = 1
    body, content_type = _multipart(16 * 1024 * 1024)
    response = client.generic("POST", URL, body, content_type=content_type)
    assert response.status_code == 413
    html = response.content.decode()
    assert _("Too much was sent") in html and "16 MB" in html
    assert not Topic.objects.exists()
    # Three photos just under the 5 MB limit, and the form, fit: the refusal above took no rate-limit slot either.
    data = noise_png(1320)
    assert MAX_UPLOAD_BYTES - 100_000 < len(data) <= MAX_UPLOAD_BYTES
    photos = [SimpleUploadedFile(f"p{n}.png", data, content_type="image/png") for n in range(3)]
    response = client.post(URL, {**suggestion, "photos": photos})
    assert response.status_code == 302
    assert Topic.objects.get().photos.count() == 3


def test_nginx_shows_the_same_page_for_its_own_refusal(client, db):
    response = client.get("/request-too-large")
    assert response.status_code == 413 and _("Too much was sent") in response.content.decode()


def test_form_text_over_1_mb_gets_the_400_page_not_a_500(client, suggestion):
    response = client.post(URL, {**suggestion, "description": "长" * 400_000})  # 1.2 MB in UTF-8
    assert response.status_code == 400
    assert "无法处理该请求" in response.content.decode()
    assert not Topic.objects.exists()


def test_more_than_ten_files_get_the_400_page_and_four_photos_the_forms_message(client, suggestion):
    response = client.post(URL, {**suggestion, "photos": [photo(f"p{n}.jpg") for n in range(11)]})
    assert response.status_code == 400
    assert "无法处理该请求" in response.content.decode()
    response = client.post(URL, {**suggestion, "photos": [photo(f"p{n}.jpg") for n in range(4)]})
    assert response.status_code == 400
    assert _("Choose at most 3 photos.") in response.content.decode()
    assert not Topic.objects.exists()
