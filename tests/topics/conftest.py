import io
import os

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.factories import TopicFactory


def jpeg_with_gps(size=(800, 600)) -> bytes:
    picture = Image.new("RGB", size, (200, 80, 60))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {1: "N", 2: (31.0, 14.0, 0.0), 3: "E", 4: (121.0, 28.0, 0.0)}  # GPSInfo
    out = io.BytesIO()
    picture.save(out, format="JPEG", exif=exif)
    return out.getvalue()


def photo(name="street.jpg", data: bytes | None = None, content_type="image/jpeg"):
    return SimpleUploadedFile(name, data if data is not None else jpeg_with_gps(), content_type=content_type)


def noise_png(side: int) -> bytes:
    picture = Image.frombytes("RGB", (side, side), os.urandom(side * side * 3))
    out = io.BytesIO()
    picture.save(out, format="PNG", compress_level=0)
    return out.getvalue()


def bomb_png() -> bytes:
    out = io.BytesIO()
    Image.new("1", (12000, 12000)).save(out, format="PNG")  # 144 million pixels in a few KB
    return out.getvalue()


@pytest.fixture
def suggestion(town_a, village_a):
    """What a resident types into the public form."""
    return {
        "title": "村口路灯坏了",
        "description": "村口到学校的路灯坏了三个月,晚上孩子放学很不安全。",
        "category": "livelihood",
        "town": town_a.pk,
        "village": village_a.pk,
        "name": "李阿姨",
        "phone": "13812345678",
        "consent": "on",
        "website": "",
        "submission_key": "8a6e0804-2bd0-4672-b79e-d4c9f5a4e1a1",
    }


@pytest.fixture
def topic_a(town_a, village_a):
    return TopicFactory(
        town=town_a,
        village=village_a,
        title="村口路灯坏了",
        submitter_name="李阿姨",
        submitter_phone="13812345678",
        consent_at="2026-01-01T00:00:00Z",
    )


@pytest.fixture
def topic_b(town_b):
    return TopicFactory(town=town_b, title="乙镇菜市场排水")
