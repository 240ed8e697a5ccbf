"""Amending a completed meeting record: a correction with its reason, the earlier version kept.

What an amendment may change: the summary, the departments' answers on the spot, the attendance and participation
counts, and the record items no outcome has been made from yet. An item handed to a unit stays as it was handed over.
"""

from collections.abc import Sequence

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from consult_portal import audit

from .models import Meeting, RecordItem, RecordRevision
from .services_participation import participation_content, proposers_content, set_participation, set_proposers


def record_content(meeting: Meeting) -> dict:
    """The record as it stands, as JSON: what an amendment keeps of the earlier version."""
    return {
        "summary": meeting.summary,
        "answers": meeting.answers,
        "attendance_count": meeting.attendance_count,
        "walk_in_count": meeting.walk_in_count,
        **participation_content(meeting),
        "proposers": proposers_content(meeting),
        "items": [[item.kind, item.text] for item in RecordItem.objects.filter(meeting=meeting).order_by("pk")],
    }


def open_record_items(meeting: Meeting):
    """The record items no outcome was made from yet: the ones an amendment may change."""
    return RecordItem.objects.filter(meeting=meeting, outcome__isnull=True).order_by("pk")


def replace_open_items(meeting: Meeting, items: Sequence[tuple[str, str]]) -> None:
    """The open items become `items`: those unchanged stay (with who raised them), the rest go or are added."""
    wanted = [(kind, text.strip()) for kind, text in items]
    gone = []
    for item in open_record_items(meeting):
        if (item.kind, item.text) in wanted:
            wanted.remove((item.kind, item.text))
        else:
            gone.append(item.pk)
    RecordItem.objects.filter(pk__in=gone).delete()
    RecordItem.objects.bulk_create([RecordItem(meeting=meeting, kind=kind, text=text) for kind, text in wanted])


@transaction.atomic
def meeting_record_amend(
    *,
    meeting: Meeting,
    by,
    reason: str,
    summary: str,
    answers: str = "",
    attendance_count: int | None = None,
    walk_in_count: int | None = None,
    items: Sequence[tuple[str, str]] | None = None,
    proposers: dict | None = None,
    **participation,
) -> Meeting:
    """Correct the record of a recorded meeting, saying why. `items` are the record items without an outcome as
    they should be, (kind, text) each; None leaves them. `proposers` say who raised the suggestions kept ({item pk:
    member or None}). The earlier version is kept as a RecordRevision, which the meeting's history shows, and in the
    audit; all or nothing."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if meeting.status != Meeting.Status.RECORDED:
        raise ValidationError(_("Only a completed record can be amended."))
    if not reason.strip():
        raise ValidationError({"reason": _("Say why the record is amended.")}, code="no_reason")
    if not summary.strip():
        raise ValidationError({"summary": _("The record needs a summary.")})
    if items is not None and any(kind not in RecordItem.Kind.values or not text.strip() for kind, text in items):
        raise ValidationError(_("Each record item needs a kind and a text."))
    before = record_content(meeting)
    meeting.summary, meeting.answers = summary.strip(), answers.strip()
    meeting.attendance_count, meeting.walk_in_count = attendance_count, walk_in_count
    changed = set_participation(meeting, participation)
    meeting.save(update_fields=["summary", "answers", "attendance_count", "walk_in_count", *changed])
    if items is not None:
        replace_open_items(meeting, items)
    if proposers:  # {item pk: member or None}: who raised the suggestions kept
        set_proposers(meeting, proposers)
    after = record_content(meeting)
    if after == before:
        raise ValidationError(_("Nothing in the record was changed."), code="unchanged")
    RecordRevision.objects.create(meeting=meeting, actor=by, reason=reason.strip(), before=before)
    audit.record(
        actor=by, action="meeting_record_amend", obj=meeting, before=before, after=after | {"reason": reason.strip()}
    )
    return meeting
