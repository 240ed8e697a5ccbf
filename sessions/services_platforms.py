"""Writes on the platform registry. Confirming a "五有" item is setting its date."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal import audit

from .models import Platform

PLATFORM_FIELDS = [
    "name",
    "level",
    "kind",
    "area",
    "sector",
    "committee",
    "host_unit",
    "is_pilot",
    "contact_name",
    "contact_phone",
    "address",
    "organisation_confirmed_on",
    "sign_confirmed_on",
    "staff_confirmed_on",
    "rules_confirmed_on",
]


CONFIRMED_ON = ["organisation_confirmed_on", "sign_confirmed_on", "staff_confirmed_on", "rules_confirmed_on"]


def rule_errors(data: dict) -> dict[str, str]:
    """The registry's rules on a platform's values, as messages by field."""
    errors = {}
    level, area = data.get("level"), data.get("area")
    if area is not None and level and level != area.level:
        errors["level"] = _(
            "The level must match the area: a county platform in the county, a town platform in a town, "
            "a village platform in a village."
        )
    if data.get("kind") == Platform.Kind.STUDIO and not data.get("sector"):
        errors["sector"] = _("A member studio belongs to a sector: choose it.")
    today = timezone.localdate()
    for name in CONFIRMED_ON:
        if data.get(name) and data[name] > today:
            errors[name] = _("A confirmation date cannot be in the future.")
    return errors


def _check(platform: Platform) -> None:
    platform.full_clean()
    errors = rule_errors({name: getattr(platform, name) for name in PLATFORM_FIELDS})
    if errors:
        raise ValidationError(errors)


def _assign(platform: Platform, fields: dict) -> None:
    unknown = set(fields) - set(PLATFORM_FIELDS)
    if unknown:
        raise TypeError(f"Unknown platform fields: {', '.join(sorted(unknown))}")
    for name, value in fields.items():
        setattr(platform, name, value.strip() if isinstance(value, str) else value)


@transaction.atomic
def platform_create(*, by, request=None, **fields) -> Platform:
    """Register a platform of the network."""
    platform = Platform()
    _assign(platform, fields)
    _check(platform)
    platform.save()
    audit.record(
        actor=by,
        action="platform_create",
        obj=platform,
        after=audit.snapshot(platform, PLATFORM_FIELDS),
        request=request,
    )
    return platform


@transaction.atomic
def platform_update(*, platform: Platform, by, request=None, **fields) -> Platform:
    """Change a platform's details or its "五有" dates; nothing is written when nothing changed."""
    platform = Platform.objects.select_for_update().get(pk=platform.pk)
    before = audit.snapshot(platform, PLATFORM_FIELDS)
    _assign(platform, fields)
    after = audit.snapshot(platform, PLATFORM_FIELDS)
    if after == before:
        return platform
    _check(platform)
    platform.save()
    audit.record(actor=by, action="platform_update", obj=platform, before=before, after=after, request=request)
    return platform


@transaction.atomic
def studio_member_set(*, platform: Platform, member, present: bool, by) -> None:
    """A member joins or leaves a member studio (委员工作室)."""
    if present:
        platform.studio_members.add(member)
    else:
        platform.studio_members.remove(member)
    audit.record(
        actor=by,
        action="studio_member_add" if present else "studio_member_remove",
        obj=platform,
        after={"member": member.pk},
    )
