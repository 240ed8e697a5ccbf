"""Uploaded photos: check what a file is and how big it is from its header, refuse bombs before anything is
decoded, decode large photos reduced, strip metadata, re-encode, thumbnail.

Checking is split in two, so that a form can do the cheap part with its other fields and decode only when
everything else is right (`consult_portal.photo_fields`): `inspect_image` reads the header (Pillow's
`Image.open` is lazy: the size is known before a pixel is decoded), `decode_image` does the work.
"""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
# 4096 × 3072, 12.6 megapixels: a phone's ordinary 12-megapixel photo (4032 × 3024, 4080 × 3072) fits. Decoding
# one takes about 50 MB and 0.2 s; a 6300 × 6300 single-colour PNG (131 KB) would take 160 MB and 0.6 s or more.
MAX_PHOTO_PIXELS = 4096 * 3072
# All the photos of one request together: three photos at the limit (37.7 megapixels) fit, not more.
MAX_REQUEST_PIXELS = 40_000_000
MAX_SIDE = 2048
THUMB_SIDE = 400
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"}
DRAFT_FORMATS = {"JPEG", "MPO"}  # decoded at 1/2, 1/4 or 1/8 of their size by libjpeg itself

# Pillow's own bomb check, at open: a warning above the limit (raised as an error below), an error above twice
# the limit. Deliberately the per-photo limit, so that no image anywhere in the portal is decoded above it.
Image.MAX_IMAGE_PIXELS = MAX_PHOTO_PIXELS


@dataclass
class CleanImage:
    image: ContentFile
    thumbnail: ContentFile


@dataclass
class InspectedImage:
    """An upload whose header was read and found acceptable; nothing of it is decoded yet."""

    upload: object
    format: str
    size: tuple[int, int]

    @property
    def pixels(self) -> int:
        return self.size[0] * self.size[1]


def megapixels(pixels: int) -> str:
    return f"{round(pixels / 1_000_000, 1):g}"


def too_many_pixels() -> ValidationError:
    return ValidationError(
        _(
            "The photo has too many pixels: at most %(limit)s megapixels. "
            "Choose a smaller photo size in the camera, or send a screenshot of the photo."
        ),
        code="too_many_pixels",
        params={"limit": megapixels(MAX_PHOTO_PIXELS)},
    )


def _not_a_photo() -> ValidationError:
    return ValidationError(_("The file is not a photo."), code="not_image")


def inspect_image(upload) -> InspectedImage:
    """The cheap checks: the file's size, what its header says it is and how many pixels it has.

    Decodes nothing. Raises ValidationError with a message fit to show beside the field.
    """
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The photo is larger than 5 MB."), code="too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                kind, size = probe.format, probe.size
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _not_a_photo() from None
    if kind not in ALLOWED_FORMATS:
        raise _not_a_photo()
    if size[0] * size[1] > MAX_PHOTO_PIXELS:
        raise too_many_pixels()
    return InspectedImage(upload=upload, format=kind, size=size)


def _encode(picture: Image.Image, name: str) -> ContentFile:
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85, optimize=True)  # no exif= argument: metadata is dropped
    return ContentFile(out.getvalue(), name=name)


def _fitted(size: tuple[int, int], side: int) -> tuple[int, int]:
    """The size of a picture of `size` shrunk to fit a `side` × `side` box."""
    scale = min(1, side / max(size))
    return max(1, round(size[0] * scale)), max(1, round(size[1] * scale))


def decode_image(inspected: InspectedImage) -> CleanImage:
    """Decode an inspected upload and return a re-encoded JPEG without metadata, and its thumbnail.

    A JPEG is decoded reduced (`Image.draft`: libjpeg scales while decoding) when it is at least twice the size
    kept; other formats are decoded whole (at most MAX_PHOTO_PIXELS) and reduced before the fine resize.
    Raises ValidationError with a message fit to show beside the field.
    """
    upload = inspected.upload
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as picture:
                if picture.format not in ALLOWED_FORMATS or picture.size != inspected.size:
                    raise _not_a_photo()
                if picture.format in DRAFT_FORMATS:
                    picture.draft("RGB", _fitted(picture.size, MAX_SIDE))
                picture.load()
                picture = ImageOps.exif_transpose(picture)
                picture = picture.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise too_many_pixels() from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise _not_a_photo() from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))  # reduces by whole factors first (Image.reduce), then resamples
    image = _encode(picture, "photo.jpg")
    picture.thumbnail((THUMB_SIDE, THUMB_SIDE))
    return CleanImage(image=image, thumbnail=_encode(picture, "thumb.jpg"))


def clean_image(upload) -> CleanImage:
    """Inspect and decode one upload (for a single photo outside a form: the demo data, scripts)."""
    return decode_image(inspect_image(upload))
