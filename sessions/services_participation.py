"""Participation at a meeting (参与) and who raised each suggestion, written with the record.

The numbers: residents invited and attending, departments taking part, member-times (person-times of members);
empty means not recorded. What the participants' list and the check-ins already say fills them in
(`participation_known`); staff correct it. Who raised a suggestion is one of the meeting's members (its
participants of kind member): the performance record gives them the "suggestion adopted" points.
"""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from members.models import Member

from . import rules
from .models import Meeting, Participant, RecordItem
from .selectors import PARTICIPATION_FIELDS


def participation_known(meeting: Meeting) -> dict:
    """What the participants' list says of the participation, for the record form to start from: residents invited
    (invited residents), residents attending and the walk-ins (residents checked in, and those of them not invited),
    departments (distinct organisations of department representatives checked in) and member-times (members
    checked in). A figure the list cannot tell is left out. Reads the meeting's participants once (prefetched)."""
    people = list(meeting.participants.all())
    residents = [p for p in people if p.kind == Participant.Kind.RESIDENT]
    came = [p for p in people if p.counts_as_checked_in]  # confirmed check-ins only (#16)
    known = {}
    if any(p.invited for p in residents):
        known["residents_invited"] = sum(1 for p in residents if p.invited)
    if came:
        known["residents_attended"] = sum(1 for p in residents if p.counts_as_checked_in)
        known["walk_in_count"] = sum(1 for p in residents if p.counts_as_checked_in and not p.invited)
        departments = {(p.organisation or p.name) for p in came if p.kind == Participant.Kind.DEPARTMENT}
        known["departments_count"] = len(departments)
        known["member_times"] = sum(1 for p in came if p.kind == Participant.Kind.MEMBER)
    return known


def set_participation(meeting: Meeting, values: dict) -> list[str]:
    """Put the participation `values` (any of PARTICIPATION_FIELDS; None: not recorded) on `meeting`, unsaved,
    after `rules.check_participation` against its walk-ins and attendance; the names of the fields set."""
    unknown = set(values) - set(PARTICIPATION_FIELDS)
    if unknown:
        raise TypeError(f"Not participation fields: {sorted(unknown)}")
    rules.check_participation(
        **{field: values.get(field, getattr(meeting, field)) for field in PARTICIPATION_FIELDS},
        walk_in_count=meeting.walk_in_count,
        attendance_count=meeting.attendance_count,
    )
    for field, value in values.items():
        setattr(meeting, field, value)
    return list(values)


def participation_content(meeting: Meeting) -> dict:
    return {field: getattr(meeting, field) for field in PARTICIPATION_FIELDS}


def meeting_members(meeting: Meeting):
    """The members who may have raised a suggestion at `meeting`: its participants of kind member."""
    return Member.objects.filter(participations__meeting=meeting).order_by("name", "pk")


def record_items_create(meeting: Meeting, items: Sequence[tuple]) -> list[RecordItem]:
    """The record items (kind, text) or (kind, text, proposer): the proposer, a Member or None, must be one of the
    meeting's members and goes only with a suggestion."""
    rows = [(kind, text.strip(), proposer[0] if proposer else None) for kind, text, *proposer in items]
    if any(kind not in RecordItem.Kind.values or not text for kind, text, _proposer in rows):
        raise ValidationError(_("Each record item needs a kind and a text."))
    proposers = {proposer.pk for _kind, _text, proposer in rows if proposer is not None}
    if proposers:
        if any(proposer is not None and kind != RecordItem.Kind.SUGGESTION for kind, _text, proposer in rows):
            raise ValidationError(_("Only a suggestion has a member who raised it."))
        present = set(meeting_members(meeting).filter(pk__in=proposers).values_list("pk", flat=True))
        if proposers - present:
            raise ValidationError(_("A suggestion is raised by one of the meeting's members: invite them first."))
    return RecordItem.objects.bulk_create(
        [RecordItem(meeting=meeting, kind=kind, text=text, proposer=proposer) for kind, text, proposer in rows]
    )


def set_proposers(meeting: Meeting, proposers: dict) -> None:
    """Who raised each suggestion not yet handed over: {record item pk: Member or None}; an item gone (changed by
    the same amendment, or handed over) is skipped. Each member is one of the meeting's."""
    chosen = {member.pk for member in proposers.values() if member is not None}
    if chosen - set(meeting_members(meeting).filter(pk__in=chosen).values_list("pk", flat=True)):
        raise ValidationError(_("A suggestion is raised by one of the meeting's members: invite them first."))
    items = list(
        RecordItem.objects.filter(
            meeting=meeting, kind=RecordItem.Kind.SUGGESTION, outcome__isnull=True, pk__in=list(proposers)
        )
    )
    for item in items:
        item.proposer = proposers[item.pk]
    RecordItem.objects.bulk_update(items, ["proposer"])


def proposers_content(meeting: Meeting) -> dict:
    """{record item pk: its proposer's pk} of the suggestions with a proposer, as JSON: what an amendment keeps."""
    rows = RecordItem.objects.filter(meeting=meeting, kind=RecordItem.Kind.SUGGESTION, proposer__isnull=False)
    return {str(pk): proposer for pk, proposer in rows.order_by("pk").values_list("pk", "proposer_id")}
