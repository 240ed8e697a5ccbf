"""Member import: check a sheet's rows against the database (no writes), then apply the good ones."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult_portal import audit
from consult_portal.models import Area, Committee, Sector
from consult_portal.phones import is_mobile, normalize_phone

from .models import Assignment, Member, MemberImport

LEVELS = {
    "市级": Member.Level.CITY,
    "city": Member.Level.CITY,
    "区县级": Member.Level.COUNTY,
    "county": Member.Level.COUNTY,
}
COMPARED_FIELDS = ("name", "level", "sector_id", "committee_id", "phone")
SNAPSHOT_FIELDS = ["name", "level", "sector", "committee", "phone"]
FIELD_LABELS = {"name": "姓名", "level": "级别", "sector_id": "界别", "committee_id": "专委会", "phone": "手机"}
ALREADY_CONFIRMED = gettext_lazy("This import has already been confirmed; nothing was imported twice.")


def check_rows(rows: list[dict]) -> list[dict]:
    """Classify each sheet row as create, update or error.

    Each result has `line`, `cells` (the sheet's text), `action`, `errors` (every reason) and `changes`
    (field labels that an update changes); good rows also carry `data`, JSON-safe ids for `apply_import`.
    A blank committee or phone in an update row keeps the member's current value.
    """
    sectors = {sector.name: sector.pk for sector in Sector.objects.all()}
    committees = {committee.name: committee.pk for committee in Committee.objects.all()}
    towns = {town.name: town.pk for town in Area.objects.filter(level=Area.Level.TOWN)}
    villages = {(v.parent_id, v.name): v.pk for v in Area.objects.filter(level=Area.Level.VILLAGE)}
    phones = [normalize_phone(row["phone"]) for row in rows if row["phone"]]
    by_phone = {member.phone: member for member in Member.objects.filter(phone__in=phones)}
    by_name = {}
    for member in Member.objects.filter(name__in={row["name"] for row in rows if row["name"]}):
        by_name.setdefault((member.name, member.sector_id), []).append(member)

    seen_phones = set()
    results = []
    for row in rows:
        errors = []
        name = row["name"]
        if not name:
            errors.append(_("Name is missing."))
        elif len(name) > Member._meta.get_field("name").max_length:
            errors.append(_("Name is too long."))
        level = LEVELS.get(row["level"].lower())
        if level is None:
            errors.append(_("Unknown level “%s”.") % row["level"])
        sector_id = sectors.get(row["sector"])
        if sector_id is None:
            errors.append(_("Unknown sector “%s”.") % row["sector"])
        committee_id = None
        if row["committee"]:
            committee_id = committees.get(row["committee"])
            if committee_id is None:
                errors.append(_("Unknown committee “%s”.") % row["committee"])
        phone = normalize_phone(row["phone"])
        if phone:
            if not is_mobile(phone):
                errors.append(_("Phone “%s” is not an 11-digit mobile number.") % row["phone"])
            elif phone in seen_phones:
                errors.append(_("Phone %s appears more than once in the sheet.") % phone)
            seen_phones.add(phone)
        area_id = None
        town_id = towns.get(row["town"]) if row["town"] else None
        if row["town"] and town_id is None:
            errors.append(_("Unknown town “%s”.") % row["town"])
        if row["village"]:
            if not row["town"]:
                errors.append(_("Village “%s” is given without its town.") % row["village"])
            elif town_id is not None:
                area_id = villages.get((town_id, row["village"]))
                if area_id is None:
                    errors.append(
                        _("Village “%(village)s” is not in %(town)s.")
                        % {"village": row["village"], "town": row["town"]}
                    )
        else:
            area_id = town_id

        member = None
        if not errors:
            phone_owner = by_phone.get(phone) if phone else None
            namesakes = by_name.get((name, sector_id), [])
            if phone_owner is not None:
                if namesakes and phone_owner not in namesakes:
                    errors.append(_("Phone %s belongs to another member.") % phone)
                member = phone_owner
            elif len(namesakes) == 1:
                member = namesakes[0]
            elif len(namesakes) > 1:
                errors.append(_("Several members are called %s in this sector; add the phone number.") % name)

        result = {"line": row["line"], "cells": row, "errors": errors, "changes": []}
        if errors:
            result["action"] = "error"
        else:
            data = {
                "member_id": member.pk if member else None,
                "name": name,
                "level": level,
                "sector_id": sector_id,
                "committee_id": committee_id if committee_id or member is None else member.committee_id,
                "phone": phone if phone or member is None else member.phone,
                "area_id": area_id,
            }
            result["data"] = data
            if member is None:
                result["action"] = "create"
            else:
                result["action"] = "update"
                result["changes"] = [
                    FIELD_LABELS[field] for field in COMPARED_FIELDS if getattr(member, field) != data[field]
                ]
        results.append(result)
    return results


def was_confirmed(token: str) -> bool:
    return MemberImport.objects.filter(token=token).exists()


@transaction.atomic
def apply_import(*, token: str, rows: list[dict], by) -> dict:
    """Create or update the members of checked good rows (the `data` of `check_rows`) and their assignments.

    The preview's `token` is claimed first: confirming it again, even at the same moment (the second waits for the
    first), is refused with `ALREADY_CONFIRMED` (code "already_confirmed") and writes nothing. All or nothing: a row
    that has become invalid since the preview (say, a phone taken meanwhile) rolls back the whole import, claim too.
    """
    try:
        with transaction.atomic():
            MemberImport.objects.create(token=token, confirmed_by=by)
    except IntegrityError:
        raise ValidationError(ALREADY_CONFIRMED, code="already_confirmed") from None
    counts = {"created": 0, "updated": 0, "unchanged": 0, "assignments": 0}
    today = timezone.localdate()
    members = Member.objects.select_for_update().in_bulk([row["member_id"] for row in rows if row["member_id"]])
    for data in rows:
        fields = {field: data[field] for field in COMPARED_FIELDS}
        if data["member_id"] is None:
            member = Member.objects.create(**fields)
            counts["created"] += 1
            changed = True
        else:
            member = members.get(data["member_id"])
            if member is None:  # deleted since the preview
                continue
            changed = any(getattr(member, field) != value for field, value in fields.items())
            if changed:
                before = audit.snapshot(member, fields=SNAPSHOT_FIELDS)
                for field, value in fields.items():
                    setattr(member, field, value)
                member.save(update_fields=[field.removesuffix("_id") for field in fields])
                counts["updated"] += 1
            else:
                counts["unchanged"] += 1
        after = audit.snapshot(member, fields=SNAPSHOT_FIELDS)
        assignment = None
        if data["area_id"] and not Assignment.objects.filter(member=member, area_id=data["area_id"]).exists():
            assignment = Assignment.objects.create(
                member=member, area_id=data["area_id"], role=Assignment.Role.CONTACT, starts_on=today
            )
            counts["assignments"] += 1
            after["assignment_area"] = data["area_id"]
        if changed or assignment is not None:
            audit.record(
                actor=by,
                action="member_import",
                obj=member,
                before=None if data["member_id"] is None or not changed else before,
                after=after,
            )
    return counts
