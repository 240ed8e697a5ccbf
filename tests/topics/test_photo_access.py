"""Issue #13, Low: uploaded photos were stored as topics/YYYY/MM/photo.jpg and served to anyone from /media/, so the
photos of topics that are not public could be fetched by guessing. Now they have random names, and /media/ answers
only whoever may see the topic."""

import re

import pytest
from django.core.files.storage import default_storage

from tests.topics.conftest import photo
from topics.models import Topic, TopicPhoto


@pytest.fixture
def stored(client, suggestion):
    """A resident's topic with a photo, sent through the public form (not public: no page shows it)."""
    assert client.post("/topics/suggest/", {**suggestion, "photos": [photo()]}).status_code == 302
    client.logout()
    return TopicPhoto.objects.get()


def test_photos_are_stored_under_random_names(stored):
    assert re.fullmatch(r"topics/[0-9a-f]{32}\.jpg", stored.image.name)
    assert re.fullmatch(r"topics/[0-9a-f]{32}\.jpg", stored.thumbnail.name)
    assert stored.image.name != stored.thumbnail.name


def test_a_topics_photo_is_refused_to_visitors_and_another_towns_staff_and_shown_to_the_towns_staff(
    client, stored, liaison_a, liaison_b, member_user, office
):
    for url in (stored.image.url, stored.thumbnail.url, "/media/topics/2026/01/photo.jpg"):
        assert client.get(url).status_code == 404, url
    for user in (liaison_b, member_user):
        client.force_login(user)
        assert client.get(stored.image.url).status_code == 404
        assert client.get(stored.thumbnail.url).status_code == 404
    topic = Topic.objects.get()
    for user in (liaison_a, office):
        client.force_login(user)
        page = client.get(f"/staff/topics/{topic.pk}/").content.decode()
        assert f'href="{stored.image.url}"' in page and f'src="{stored.thumbnail.url}"' in page
        response = client.get(stored.thumbnail.url)
        assert response.status_code == 200
        assert response["Content-Type"] == "image/jpeg"
        assert response["Cache-Control"] == "private, max-age=3600"
        with default_storage.open(stored.thumbnail.name) as f:
            assert b"".join(response.streaming_content) == f.read()
    # Nothing but a registered object's file is served, not even to the office.
    default_storage.save("secret.txt", photo().file)
    for name in ("topics/../secret.txt", "topics//x.jpg", "secret.txt", "other/x.jpg"):
        assert client.get(f"/media/{name}").status_code == 404, name


def test_behind_nginx_the_portal_checks_and_nginx_sends_the_file(client, stored, liaison_a, settings):
    settings.MEDIA_ACCEL_REDIRECT_PREFIX = "/protected-media/"
    assert client.get(stored.image.url).status_code == 404
    assert "X-Accel-Redirect" not in client.get(stored.image.url)
    client.force_login(liaison_a)
    response = client.get(stored.image.url)
    assert response.status_code == 200
    assert response["X-Accel-Redirect"] == f"/protected-media/{stored.image.name}"
    assert response["Content-Type"] == "image/jpeg" and response.content == b""
