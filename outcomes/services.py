"""Writes on outcome items: hand-over to a unit, progress, the unit's answer, acceptance and publication.

The life of an item: assigned → in progress → answered (awaiting acceptance) → implemented, partly
implemented or not feasible for now (final) → published. Every write leaves an audit entry.
"""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal import audit
from consult_portal.models import Notification, ResponsibleUnit
from consult_portal.notifications import notify as queue_notification
from sessions.models import Meeting, RecordItem
from topics.models import Topic

from .models import OutcomeItem, ProgressUpdate

OS = OutcomeItem.Status
OPEN = (OS.ASSIGNED, OS.IN_PROGRESS)

AUDIT_FIELDS = [
    "meeting",
    "topic",
    "record_item",
    "text",
    "unit",
    "contact_name",
    "deadline",
    "status",
    "answer",
    "reason",
    "published_at",
    "closed_at",
]


def _lock(item: OutcomeItem) -> OutcomeItem:
    return OutcomeItem.objects.select_for_update().get(pk=item.pk)


@transaction.atomic
def outcome_hand_over(
    *,
    text: str,
    unit: ResponsibleUnit,
    contact_name: str,
    deadline: date,
    by,
    record_item: RecordItem | None = None,
    meeting: Meeting | None = None,
    topic: Topic | None = None,
    contact_phone: str = "",
    notify: bool = True,
) -> OutcomeItem:
    """Hand an item to a responsible unit with a contact person and a handling deadline.

    From a record item the meeting comes with it, and the topic too when the meeting had only one.
    """
    if record_item is not None:
        if OutcomeItem.objects.filter(record_item=record_item).exists():
            raise ValidationError(_("This record item has already been handed over."))
        meeting = record_item.meeting
    if meeting is not None:
        if meeting.status not in (Meeting.Status.HELD, Meeting.Status.RECORDED):
            raise ValidationError(_("Outcomes come from a meeting that has been held."))
        if topic is None:
            topics = list(meeting.topics.all()[:2])
            topic = topics[0] if len(topics) == 1 else None
    if meeting is None and topic is None:
        raise ValidationError(_("An outcome item comes from a meeting or a topic."))
    if not text.strip() or not contact_name.strip():
        raise ValidationError(_("An outcome item needs a text and a contact person."))
    item = OutcomeItem.objects.create(
        meeting=meeting,
        topic=topic,
        record_item=record_item,
        text=text.strip(),
        unit=unit,
        contact_name=contact_name.strip(),
        contact_phone=contact_phone,
        deadline=deadline,
    )
    audit.record(actor=by, action="outcome_hand_over", obj=item, after=audit.snapshot(item, AUDIT_FIELDS))
    if notify:
        for user in unit.users.filter(is_active=True).order_by("pk"):
            queue_notification(
                channel=Notification.Channel.INAPP,
                kind="outcome_assigned",
                subject=_("New outcome item for %(unit)s, due %(deadline)s")
                % {"unit": unit.name, "deadline": deadline.isoformat()},
                body=item.text,
                recipient=user,
                dedup_key=f"outcome-assigned:{item.pk}:{user.pk}",
                obj=item,
            )
    return item


@transaction.atomic
def outcome_post_progress(*, item: OutcomeItem, text: str, by, on: date | None = None) -> ProgressUpdate:
    """The unit reports progress; an assigned item becomes in progress."""
    item = _lock(item)
    if item.status not in OPEN:
        raise ValidationError(_("Progress can only be posted on an open item."))
    if not text.strip():
        raise ValidationError(_("Describe the progress."))
    update = ProgressUpdate.objects.create(item=item, date=on or timezone.localdate(), text=text.strip(), author=by)
    if item.status == OS.ASSIGNED:
        before = audit.snapshot(item, AUDIT_FIELDS)
        item.status = OS.IN_PROGRESS
        item.save(update_fields=["status"])
        after = audit.snapshot(item, AUDIT_FIELDS)
        audit.record(actor=by, action="outcome_progress", obj=item, before=before, after=after)
    else:
        audit.record(actor=by, action="outcome_progress", obj=item, after={"progress": update.text})
    return update


@transaction.atomic
def outcome_answer(*, item: OutcomeItem, answer: str, by) -> OutcomeItem:
    """The unit replies with its handling result; the office then accepts it."""
    item = _lock(item)
    if item.status not in (*OPEN, OS.ANSWERED):
        raise ValidationError(_("Only an open item can be answered."))
    if not answer.strip():
        raise ValidationError(_("The answer is empty."))
    before = audit.snapshot(item, AUDIT_FIELDS)
    item.answer = answer.strip()
    item.status = OS.ANSWERED
    item.save(update_fields=["answer", "status"])
    audit.record(actor=by, action="outcome_answer", obj=item, before=before, after=audit.snapshot(item, AUDIT_FIELDS))
    return item


@transaction.atomic
def outcome_accept(*, item: OutcomeItem, status: str, by, reason: str = "") -> OutcomeItem:
    """The office accepts the answer and closes the item as implemented, partly implemented or not feasible."""
    item = _lock(item)
    if item.status != OS.ANSWERED:
        raise ValidationError(_("Only an answered item can be closed."))
    if status not in OutcomeItem.FINAL:
        raise ValidationError(_("Choose implemented, partly implemented or not feasible."))
    if status == OS.NOT_FEASIBLE and not reason.strip():
        raise ValidationError(_("Say why the item is not feasible for now."))
    before = audit.snapshot(item, AUDIT_FIELDS)
    item.status = status
    item.reason = reason.strip()
    item.closed_at = timezone.now()
    item.save(update_fields=["status", "reason", "closed_at"])
    audit.record(actor=by, action="outcome_accept", obj=item, before=before, after=audit.snapshot(item, AUDIT_FIELDS))
    return item


@transaction.atomic
def outcome_publish(*, item: OutcomeItem, by) -> OutcomeItem:
    """Publish the handling result of a closed item (公示办理结果); residents can then rate it."""
    item = _lock(item)
    if item.status not in OutcomeItem.FINAL:
        raise ValidationError(_("Only a closed item can be published."))
    if item.published_at is not None:
        return item
    before = audit.snapshot(item, AUDIT_FIELDS)
    item.published_at = timezone.now()
    item.save(update_fields=["published_at"])
    audit.record(actor=by, action="outcome_publish", obj=item, before=before, after=audit.snapshot(item, AUDIT_FIELDS))
    return item
