"""A disk that is full when a resident sends photos (#19): the resident is told plainly and keeps the text, nothing
half-written stays on disk, the address's slot is given back, and /healthz says space is low."""

import uuid

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction

from consult_portal import storage
from tests.photo_helpers import files_on
from tests.topics.conftest import noise_png, photo
from topics.models import Topic

URL = "/topics/suggest/"


def test_a_full_disk_refuses_the_photos_plainly_keeps_the_text_and_leaves_nothing(
    client, suggestion, full_disk, settings, transactional_db
):
    settings.TOPIC_SUBMISSIONS_PER_HOUR = 1
    big = photo("yard.png", noise_png(500), "image/png")
    response = client.post(URL, {**suggestion, "photos": [big]})

    assert response.status_code == 503
    html = response.content.decode()
    assert "照片暂时无法保存" in html and "不附照片再次提交" in html
    assert "村口路灯坏了" in html and "村口到学校的路灯坏了三个月" in html  # what was typed is kept
    assert "请重新提交" not in html  # not the 500 page
    assert Topic.objects.count() == 0
    assert files_on(full_disk) == []  # no truncated photo, no zero-byte file

    # The address's only slot of the hour was given back: the text alone goes through.
    again = client.post(URL, {**suggestion, "submission_key": str(uuid.uuid4())})
    assert again.status_code == 302
    assert Topic.objects.get().photos.count() == 0

    health = client.get("/healthz").json()
    assert health["media"] == "low" and health["media_free_mb"] == 0


def test_healthz_says_ok_when_there_is_room(client, db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    settings.MEDIA_MIN_FREE_MB = 1
    body = client.get("/healthz").json()
    assert body["media"] == "ok" and body["media_free_mb"] >= 1


def test_files_saved_in_a_transaction_that_rolls_back_are_removed(transactional_db, settings, tmp_path):
    settings.MEDIA_ROOT = str(tmp_path)
    with transaction.atomic():
        kept = default_storage.save("t/kept.txt", ContentFile(b"kept"))
        try:
            with transaction.atomic():  # a savepoint rolled back inside a transaction that commits
                lost_inner = default_storage.save("t/inner.txt", ContentFile(b"inner"))
                raise RuntimeError
        except RuntimeError:
            pass
    with pytest.raises(RuntimeError), transaction.atomic():
        lost = default_storage.save("t/lost.txt", ContentFile(b"lost"))
        raise RuntimeError
    storage.discard_uncommitted()

    assert default_storage.exists(kept)
    assert not default_storage.exists(lost_inner) and not default_storage.exists(lost)
