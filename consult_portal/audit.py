"""The audit log: every staff write calls `record` inside its transaction."""

import json

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.db.models.fields.files import FieldFile
from django.forms.models import model_to_dict

from .models import AuditEntry


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """The object's field values as JSON-safe data, for the before/after columns."""
    data = model_to_dict(obj, fields=fields)
    for key, value in data.items():
        if isinstance(value, models.Model):
            data[key] = value.pk
        elif isinstance(value, list | tuple | set):
            data[key] = [v.pk if isinstance(v, models.Model) else v for v in value]
        elif isinstance(value, FieldFile):
            data[key] = value.name or ""
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


def client_ip(request) -> str | None:
    """The visitor's address; behind our reverse proxy, the one it appended to X-Forwarded-For."""
    if request is None:
        return None
    if settings.USE_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    request=None,
) -> AuditEntry:
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=before,
        after=after,
        ip=client_ip(request),
    )
