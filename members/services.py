"""Writes on members' sinking assignments (委员下沉), each with its audit entry."""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from consult_portal import audit
from consult_portal.models import Area

from .models import Assignment, Member

FIELDS = ["member", "area", "role", "starts_on", "ends_on"]


def _check(area: Area, starts_on: date, ends_on: date | None) -> None:
    if area.level not in (Area.Level.TOWN, Area.Level.VILLAGE):
        raise ValidationError(_("Members are sunk into a town or a village."))
    if ends_on is not None and ends_on < starts_on:
        raise ValidationError(_("The assignment must end after it starts."))


@transaction.atomic
def assignments_create(
    *, members: Iterable[Member], area: Area, role: str, starts_on: date, by, ends_on: date | None = None
) -> list[Assignment]:
    """Sink one or many members into a town or village; a member already sunk there for the same
    start date is left as is."""
    _check(area, starts_on, ends_on)
    created = []
    for member in members:
        assignment, new = Assignment.objects.get_or_create(
            member=member, area=area, starts_on=starts_on, defaults={"role": role, "ends_on": ends_on}
        )
        if new:
            created.append(assignment)
            audit.record(actor=by, action="assignment_create", obj=assignment, after=audit.snapshot(assignment, FIELDS))
    return created


@transaction.atomic
def assignment_end(*, assignment: Assignment, ends_on: date, by) -> Assignment:
    assignment = Assignment.objects.select_for_update().get(pk=assignment.pk)
    _check(assignment.area, assignment.starts_on, ends_on)
    before = audit.snapshot(assignment, FIELDS)
    assignment.ends_on = ends_on
    assignment.save(update_fields=["ends_on"])
    audit.record(
        actor=by, action="assignment_end", obj=assignment, before=before, after=audit.snapshot(assignment, FIELDS)
    )
    return assignment


MEMBER_FIELDS = ["name", "level", "sector", "committee", "expertise", "term_start", "term_end", "is_active", "photo"]


@transaction.atomic
def member_save(*, member: Member, by, photo=None) -> Member:
    """Create or update a registry entry (already validated by its form); `photo` is a cleaned image
    whose thumbnail, at most 400 px, becomes the member's photo. Phone numbers stay out of the audit log."""
    before = audit.snapshot(Member.objects.get(pk=member.pk), MEMBER_FIELDS) if member.pk else None
    if photo is not None:
        member.photo.save("member.jpg", photo.thumbnail, save=False)
    member.save()
    audit.record(
        actor=by,
        action="member_update" if before else "member_create",
        obj=member,
        before=before,
        after=audit.snapshot(member, MEMBER_FIELDS),
    )
    return member
