"""Uploaded photos: check what a file really is, refuse bombs, strip metadata, re-encode, thumbnail."""

import io
import warnings
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.utils.translation import gettext_lazy as _
from PIL import Image, ImageOps, UnidentifiedImageError

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # about 7,000 × 5,700: more than any phone camera
MAX_SIDE = 2048
THUMB_SIDE = 400
ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "GIF", "BMP", "MPO"}

Image.MAX_IMAGE_PIXELS = MAX_PIXELS


@dataclass
class CleanImage:
    image: ContentFile
    thumbnail: ContentFile


def _encode(picture: Image.Image, name: str) -> ContentFile:
    out = io.BytesIO()
    picture.save(out, format="JPEG", quality=85, optimize=True)  # no exif= argument: metadata is dropped
    return ContentFile(out.getvalue(), name=name)


def clean_image(upload) -> CleanImage:
    """Validate an uploaded file and return a re-encoded JPEG without metadata, and its thumbnail.

    Raises ValidationError with a message fit to show beside the field.
    """
    if upload.size > MAX_UPLOAD_BYTES:
        raise ValidationError(_("The photo is larger than 5 MB."), code="too_large")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            upload.seek(0)
            with Image.open(upload) as probe:
                if probe.format not in ALLOWED_FORMATS:
                    raise ValidationError(_("The file is not a photo."), code="not_image")
                probe.verify()
            upload.seek(0)
            with Image.open(upload) as picture:
                picture.load()
                picture = ImageOps.exif_transpose(picture)
                picture = picture.convert("RGB")
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise ValidationError(_("The photo has too many pixels."), code="too_many_pixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise ValidationError(_("The file is not a photo."), code="not_image") from None
    picture.thumbnail((MAX_SIDE, MAX_SIDE))
    image = _encode(picture, "photo.jpg")
    picture.thumbnail((THUMB_SIDE, THUMB_SIDE))
    return CleanImage(image=image, thumbnail=_encode(picture, "thumb.jpg"))
