"""Photo fields for forms, checked cheaply first and decoded last.

While the form's fields are cleaned a photo field only reads each upload's header (`images.inspect_image`: file
size, format, pixels); `PhotoFormMixin` decodes the photos after every other field and the form's own checks
passed, so a form with an empty title or a wrong date decodes nothing, and a photo above the pixel limit is
refused beside its field before a pixel of it is decoded.
"""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from .images import MAX_REQUEST_PIXELS, InspectedImage, decode_image, inspect_image, megapixels

MAX_PHOTOS = 3


def _named(upload, error: ValidationError) -> ValidationError:
    return ValidationError(
        _("%(name)s: %(problem)s"), params={"name": upload.name[:60], "problem": error.messages[0]}, code=error.code
    )


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class PhotoField(forms.FileField):
    """One photo. Cleaned to an `InspectedImage` (or None); the form's `PhotoFormMixin` makes it a `CleanImage`."""

    widget = forms.ClearableFileInput(attrs={"accept": "image/*"})

    def clean(self, data, initial=None):
        upload = super().clean(data, initial)
        return inspect_image(upload) if upload else None


class MultiplePhotoField(forms.FileField):
    """Up to three photos in one phone-friendly input. Cleaned to a list of `InspectedImage`; the form's
    `PhotoFormMixin` makes them `CleanImage`s (re-encoded, without metadata, with a thumbnail)."""

    widget = MultipleFileInput(attrs={"accept": "image/*"})

    def clean(self, data, initial=None):
        files = [f for f in (data or []) if f] if isinstance(data, list | tuple) else ([data] if data else [])
        if len(files) > MAX_PHOTOS:
            raise ValidationError(_("Choose at most 3 photos."), code="too_many")
        inspected, errors = [], []
        for upload in files:
            try:
                inspected.append(inspect_image(upload))
            except ValidationError as error:
                errors.append(_named(upload, error))
        if errors:
            raise ValidationError(errors)
        return inspected


PHOTO_FIELDS = (PhotoField, MultiplePhotoField)


def photos_not_stored(form, field: str = "photos") -> None:
    """The storage refused the photos (disk full, object store down; consult_portal/storage.py removed what it
    wrote and nothing was saved): say so beside the photos, keeping everything typed for a second try."""
    form.add_error(
        field,
        ValidationError(
            _(
                "The photos could not be stored just now, so nothing was saved. What you typed is kept: save it "
                "again without the photos, or try the photos later."
            ),
            code="storage_failed",
        ),
    )


class PhotoFormMixin:
    """Put first in a form's bases. Decodes the form's photos once nothing else is wrong with it.

    `photos_decoded` says whether any photo was decoded: a public form keeps the visitor's rate-limit slot then,
    even when a photo turned out broken, so that decoding cannot be asked for without limit.
    """

    photos_decoded = False

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or self._errors:
            return
        names = [
            name
            for name, field in self.fields.items()
            if isinstance(field, PHOTO_FIELDS) and self.cleaned_data.get(name)
        ]
        photos = {name: self.cleaned_data[name] for name in names}
        inspected = [p for value in photos.values() for p in (value if isinstance(value, list) else [value])]
        if sum(p.pixels for p in inspected) > MAX_REQUEST_PIXELS:
            self.add_error(
                names[0],
                ValidationError(
                    _("The photos have too many pixels together: at most %(limit)s megapixels in one form."),
                    code="too_many_pixels",
                    params={"limit": megapixels(MAX_REQUEST_PIXELS)},
                ),
            )
            return
        for name, value in photos.items():
            self.photos_decoded = True
            if isinstance(value, InspectedImage):
                try:
                    self.cleaned_data[name] = decode_image(value)
                except ValidationError as error:
                    self.add_error(name, error)
                continue
            cleaned, errors = [], []
            for photo in value:
                try:
                    cleaned.append(decode_image(photo))
                except ValidationError as error:
                    errors.append(_named(photo.upload, error))
            if errors:
                self.add_error(name, errors)
            else:
                self.cleaned_data[name] = cleaned
