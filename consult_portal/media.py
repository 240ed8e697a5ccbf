"""Uploaded files: stored under random names, served only to whoever may see the object they belong to.

Every file field's `upload_to` is `RandomName("<folder>")`: `<folder>/<uuid4 hex>.jpg`, so a name says nothing
of when it was uploaded and the next one cannot be guessed. Each app registers its folders with the function that
says who may see a file there (`protect("topics", may_view)`, in its AppConfig.ready); `/media/<name>` (the
storage's own `.url`, so every link to a file, the admin's included, comes here) answers 404 to anyone else, and
to a name in a folder nobody registered. Refused and missing look the same: a guessed name learns nothing.

Allowed files are sent by nginx when `MEDIA_ACCEL_REDIRECT_PREFIX` is set (an `X-Accel-Redirect` to its
`internal` location, README "Uploads"), by Django otherwise.
"""

import mimetypes
import posixpath
import uuid
from collections.abc import Callable
from urllib.parse import quote

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpResponse
from django.utils.deconstruct import deconstructible

# folder -> may_view(request, name): whether this request may see the stored file `name`
_PROTECTED: dict[str, Callable] = {}


@deconstructible
class RandomName:
    """`upload_to` for a file field: `<folder>/<32 random hex digits><the file's extension>`."""

    def __init__(self, folder: str):
        self.folder = folder

    def __call__(self, instance, filename: str) -> str:
        extension = posixpath.splitext(filename)[1].lower() or ".jpg"
        return f"{self.folder}/{uuid.uuid4().hex}{extension}"


def protect(folder: str, may_view: Callable) -> None:
    """Serve the files under `folder` to the requests `may_view(request, name)` allows."""
    _PROTECTED[folder] = may_view


def _allowed(request, name: str) -> bool:
    parts = name.split("/")
    if len(parts) < 2 or any(part in ("", ".", "..") for part in parts) or "\\" in name:
        return False
    may_view = _PROTECTED.get(parts[0])
    if may_view is None:
        return False
    try:
        return bool(may_view(request, name))
    except (Http404, PermissionDenied):
        return False


def serve(request, name: str):
    if not _allowed(request, name):
        raise Http404
    content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
    prefix = getattr(settings, "MEDIA_ACCEL_REDIRECT_PREFIX", "")
    if prefix:
        response = HttpResponse(content_type=content_type)
        response["X-Accel-Redirect"] = prefix + quote(name)
    else:
        try:
            response = FileResponse(default_storage.open(name), content_type=content_type)
        except FileNotFoundError:
            raise Http404 from None
    # Whom a file is for depends on who asks: no shared cache keeps it.
    response["Cache-Control"] = "private, max-age=3600"
    response["Vary"] = "Cookie"
    return response
