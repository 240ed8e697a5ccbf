"""Photos for the upload tests: the assessment's hostile single-colour PNG, and a spy that counts decoding."""

import contextlib
import functools
import io
import re
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageFile

HOSTILE_SIDE = 6300  # 39.7 megapixels


@functools.cache
def png(width: int, height: int) -> bytes:
    """A PNG of one colour: it compresses to almost nothing (6300 × 6300 is about 130 KB)."""
    out = io.BytesIO()
    Image.new("RGB", (width, height), (90, 140, 200)).save(out, format="PNG")
    return out.getvalue()


@functools.cache
def jpeg(width: int, height: int) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 80, 60)).save(out, format="JPEG")
    return out.getvalue()


def hostile_photos(count: int = 3) -> list[SimpleUploadedFile]:
    """What the assessment sent: three 6300 × 6300 single-colour PNGs."""
    data = png(HOSTILE_SIDE, HOSTILE_SIDE)
    return [SimpleUploadedFile(f"hostile{n}.png", data, content_type="image/png") for n in range(count)]


def ordinary_photos(count: int = 3) -> list[SimpleUploadedFile]:
    data = jpeg(1600, 1200)
    return [SimpleUploadedFile(f"street{n}.jpg", data, content_type="image/jpeg") for n in range(count)]


@contextlib.contextmanager
def counting_decodes():
    """Yields a list that gets the size of every image Pillow decodes inside the block."""
    decoded = []
    load = ImageFile.ImageFile.load

    def spy(self):
        if self.tile:  # something left to decode (a second load() of a decoded image does nothing)
            decoded.append(self.size)
        return load(self)

    with mock.patch.object(ImageFile.ImageFile, "load", spy):
        yield decoded


def field_block(html: str, field_id: str) -> str:
    """The HTML crispy renders for one field (its label, input, help and errors), up to the next field."""
    start = html.index(f'id="div_{field_id}"')
    following = re.search(r'id="div_id_', html[start + 10 :])
    return html[start : start + 10 + following.start()] if following else html[start:]


def files_on(root) -> list[str]:
    """The files under a full_disk's root other than its filler."""
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file() and p.name != "filler.bin")
