"""Writes on outcome items: hand-over to a unit, progress, the unit's answer, acceptance or return, publication,
and supervision (satisfaction: services_survey.py).

The life of an item: assigned → in progress → answered (the unit reports implemented, partly implemented or not
feasible for now) → accepted by the office with that status, or returned to in progress → published (公示), when
residents can rate it. Every write leaves an audit entry and a line in the item's history; the people who have
to act next hear of it through the notification outbox.
"""

from collections.abc import Iterable
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consult_portal import audit, numbering
from consult_portal.models import Notification, ResponsibleUnit, Role, User
from consult_portal.notifications import notify as queue_notification
from consult_portal.notifications import tell_users
from consult_portal.typography import labelled
from members.models import Member
from sessions.models import Meeting, RecordItem
from topics import services as topic_services
from topics.models import Topic

from .models import OutcomeEvent, OutcomeItem, ProgressPhoto, ProgressUpdate
from .services_problems import check_problems_solved

OS = OutcomeItem.Status
EK = OutcomeEvent.Kind
OPEN = OutcomeItem.OPEN

AUDIT_FIELDS = [
    "meeting",
    "topic",
    "record_item",
    "text",
    "unit",
    "contact_name",
    "problems_solved",
    "contact_phone",
    "deadline",
    "status",
    "answer",
    "answer_status",
    "reason",
    "published_at",
    "closed_at",
]


def _lock(item: OutcomeItem) -> OutcomeItem:
    return OutcomeItem.objects.select_for_update(of=("self",)).select_related("unit", "town").get(pk=item.pk)


def _event(item: OutcomeItem, kind: str, by, note: str = "") -> OutcomeEvent:
    return OutcomeEvent.objects.create(
        item=item, kind=kind, actor=by if by and by.is_authenticated else None, note=note
    )


def unit_link(item: OutcomeItem) -> str:
    return reverse("outcomes:unit-detail", args=[item.pk])


def staff_link(item: OutcomeItem) -> str:
    return reverse("outcomes:staff-detail", args=[item.pk])


def supervisor_link(item: OutcomeItem) -> str:
    return reverse("outcomes:supervise", args=[item.pk])


def unit_users(item: OutcomeItem):
    return User.objects.filter(unit_id=item.unit_id, is_active=True).order_by("pk")


def handling_staff(item: OutcomeItem):
    """Who accepts the unit's answers: the office, and the liaison staff of the item's town."""
    who = Q(groups__name=Role.OFFICE)
    if item.town_id:
        who |= Q(groups__name=Role.LIAISON, town_id=item.town_id)
    return User.objects.filter(who, is_active=True).distinct().order_by("pk")


def supervising_users(item: OutcomeItem):
    return User.objects.filter(member__supervised_outcomes=item, is_active=True).order_by("pk")


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
    supervisors: Iterable[Member] = (),
    notify: bool = True,
    problems_solved: int = 1,
) -> OutcomeItem:
    """Hand an item to a responsible unit with a contact person and a handling deadline (交办), saying how many
    problems it solves (at least one).

    From a record item the meeting comes with it, and the topic too when the meeting had only one.
    """
    if record_item is not None:
        if OutcomeItem.objects.filter(record_item=record_item).exists():
            raise ValidationError(_("This record item has already been handed over."))
        meeting = record_item.meeting
    if meeting is not None:
        if not meeting.is_held:
            raise ValidationError(_("Outcomes come from a meeting that has been held."))
        if topic is None:
            topics = list(meeting.topics.all()[:2])
            topic = topics[0] if len(topics) == 1 else None
    if meeting is None and topic is None:
        raise ValidationError(_("An outcome item comes from a meeting or a topic."))
    if not text.strip() or not contact_name.strip():
        raise ValidationError(_("An outcome item needs a text and a contact person."))
    check_problems_solved(problems_solved)
    try:
        with transaction.atomic():
            item = OutcomeItem.objects.create(
                meeting=meeting,
                topic=topic,
                record_item=record_item,
                text=text.strip(),
                unit=unit,
                contact_name=contact_name.strip(),
                contact_phone=contact_phone.strip(),
                deadline=deadline,
                problems_solved=problems_solved,
                number=numbering.next_number(numbering.ASSIGNMENT),
            )
    except IntegrityError:  # the same record item handed over by two people at once
        raise ValidationError(_("This record item has already been handed over.")) from None
    supervisors = list(supervisors)
    if supervisors:
        item.supervisors.set(supervisors)
    audit.record(actor=by, action="outcome_hand_over", obj=item, after=audit.snapshot(item, AUDIT_FIELDS))
    _event(item, EK.HANDED_OVER, by, f"{unit.name} · {contact_name.strip()} · {deadline.isoformat()}")
    if notify:
        tell_users(
            unit_users(item),
            kind="outcome_assigned",
            key=f"outcome-assigned:{item.pk}",
            subject=lambda: (
                _("New item handed to %(unit)s, due %(deadline)s")
                % {"unit": unit.name, "deadline": deadline.isoformat()}
            ),
            body=item.text,
            link=unit_link(item),
            obj=item,
        )
        tell_users(
            supervising_users(item),
            kind="outcome_supervise",
            key=f"outcome-supervise:{item.pk}",
            subject=lambda: _("You supervise the handling of an item by %(unit)s") % {"unit": unit.name},
            body=item.text,
            link=supervisor_link(item),
            obj=item,
            email=False,
        )
    return item


@transaction.atomic
def outcome_post_progress(
    *, item: OutcomeItem, text: str, by, on: date | None = None, photos: Iterable = ()
) -> ProgressUpdate:
    """The unit reports progress, with photos already checked by `consult_portal.images.clean_image`;
    an assigned item becomes in progress."""
    item = _lock(item)
    if item.status not in OPEN:
        raise ValidationError(_("Progress can only be posted on an open item."))
    if not text.strip():
        raise ValidationError(_("Describe the progress."))
    on = on or timezone.localdate()
    if on > timezone.localdate():
        raise ValidationError(_("The date of the progress cannot be in the future."))
    update = ProgressUpdate.objects.create(item=item, date=on, text=text.strip(), author=by)
    for photo in photos:
        ProgressPhoto.objects.create(update=update, image=photo.image, thumbnail=photo.thumbnail)
    before = audit.snapshot(item, AUDIT_FIELDS)
    if item.status == OS.ASSIGNED:
        item.status = OS.IN_PROGRESS
        item.save(update_fields=["status"])
    audit.record(
        actor=by,
        action="outcome_progress",
        obj=item,
        before=before,
        after=audit.snapshot(item, AUDIT_FIELDS) | {"progress": update.text, "date": on.isoformat()},
    )
    _event(item, EK.PROGRESS, by, update.text)
    return update


@transaction.atomic
def outcome_answer(
    *, item: OutcomeItem, answer: str, status: str, by, reason: str = "", notify: bool = True
) -> OutcomeItem:
    """The unit replies with its handling result and the status it reports; the office then accepts or returns it."""
    item = _lock(item)
    if item.status not in OPEN:
        raise ValidationError(_("Only an open item can be answered."))
    if not answer.strip():
        raise ValidationError(_("The answer is empty."))
    if status not in OutcomeItem.FINAL:
        raise ValidationError(_("Choose implemented, partly implemented or not feasible."))
    if status == OS.NOT_FEASIBLE and not reason.strip():
        raise ValidationError(_("Say why the item is not feasible for now."))
    before = audit.snapshot(item, AUDIT_FIELDS)
    item.answer = answer.strip()
    item.answer_status = status
    item.reason = reason.strip() if status == OS.NOT_FEASIBLE else ""
    item.status = OS.ANSWERED
    item.save(update_fields=["answer", "answer_status", "reason", "status"])
    audit.record(actor=by, action="outcome_answer", obj=item, before=before, after=audit.snapshot(item, AUDIT_FIELDS))
    _event(item, EK.ANSWERED, by, labelled(item.get_answer_status_display(), item.answer))
    if not notify:
        return item
    answers = OutcomeEvent.objects.filter(item=item, kind=EK.ANSWERED).count()
    tell_users(
        handling_staff(item),
        kind="outcome_answered",
        key=f"outcome-answered:{item.pk}:{answers}",
        subject=lambda: _("%(unit)s answered an item: please accept or return it") % {"unit": item.unit.name},
        body=item.text,
        link=staff_link(item),
        obj=item,
        email=False,
    )
    return item


@transaction.atomic
def outcome_accept(*, item: OutcomeItem, by, notify: bool = True) -> OutcomeItem:
    """The office accepts the answer: the item closes with the status the unit reported."""
    item = _lock(item)
    if item.status != OS.ANSWERED or item.answer_status not in OutcomeItem.FINAL:
        raise ValidationError(_("Only an answered item can be accepted."))
    before = audit.snapshot(item, AUDIT_FIELDS)
    item.status = item.answer_status
    item.closed_at = timezone.now()
    item.save(update_fields=["status", "closed_at"])
    audit.record(actor=by, action="outcome_accept", obj=item, before=before, after=audit.snapshot(item, AUDIT_FIELDS))
    _event(item, EK.ACCEPTED, by, item.get_status_display())
    if notify:
        tell_users(
            unit_users(item),
            kind="outcome_accepted",
            key=f"outcome-accepted:{item.pk}",
            subject=lambda: _("Your answer was accepted: %(status)s") % {"status": item.get_status_display()},
            body=item.text,
            link=unit_link(item),
            obj=item,
            email=False,
        )
    return item


@transaction.atomic
def outcome_return(*, item: OutcomeItem, note: str, by) -> OutcomeItem:
    """The office returns an answer it cannot accept; the item is in progress again and the deadline still runs."""
    item = _lock(item)
    if item.status != OS.ANSWERED:
        raise ValidationError(_("Only an answered item can be returned."))
    if not note.strip():
        raise ValidationError(_("Say what is missing from the answer."))
    before = audit.snapshot(item, AUDIT_FIELDS)
    item.status = OS.IN_PROGRESS
    item.save(update_fields=["status"])
    audit.record(
        actor=by,
        action="outcome_return",
        obj=item,
        before=before,
        after=audit.snapshot(item, AUDIT_FIELDS) | {"note": note.strip()},
    )
    _event(item, EK.RETURNED, by, note.strip())
    returns = OutcomeEvent.objects.filter(item=item, kind=EK.RETURNED).count()
    tell_users(
        unit_users(item),
        kind="outcome_returned",
        key=f"outcome-returned:{item.pk}:{returns}",
        subject=lambda: _("Your answer was returned: please complete it"),
        body=note.strip(),
        link=unit_link(item),
        obj=item,
    )
    return item


def _submitters(item: OutcomeItem) -> list[Topic]:
    """The residents' topics behind an item: its topic and the topics merged into it, with a phone left."""
    if item.topic_id is None:
        return []
    return list(
        Topic.objects.filter(Q(pk=item.topic_id) | Q(merged_into_id=item.topic_id))
        .exclude(submitter_phone="")
        .order_by("pk")
    )


def _topics(item: OutcomeItem) -> list[Topic]:
    """The topics an item answers: its own, else all those of its meeting."""
    if item.topic_id is not None:
        return [item.topic]
    return list(item.meeting.topics.order_by("pk")) if item.meeting_id is not None else []


def told_of_the_result(item: OutcomeItem) -> tuple[list[Topic], list[User]]:
    """Who hears of a published result: the residents behind it who left a phone (by SMS), and the supervising
    members; the publishing page names them before it asks to confirm."""
    return _submitters(item), list(supervising_users(item))


@transaction.atomic
def outcome_publish(*, item: OutcomeItem, by, notify: bool = True) -> OutcomeItem:
    """Publish the handling result of a closed item (公示办理结果); residents can then rate it, and those who
    suggested the topic are told by SMS."""
    item = _lock(item)
    if item.status not in OutcomeItem.FINAL:
        raise ValidationError(_("Only a closed item can be published."))
    if item.published_at is not None:
        return item
    before = audit.snapshot(item, AUDIT_FIELDS)
    item.published_at = timezone.now()
    item.save(update_fields=["published_at"])
    audit.record(actor=by, action="outcome_publish", obj=item, before=before, after=audit.snapshot(item, AUDIT_FIELDS))
    _event(item, EK.PUBLISHED, by)
    # The last result behind a topic concludes it, here; its submitters are told once, by the conclusion's SMS.
    concluded = set()
    for topic in _topics(item):
        if done := topic_services.topic_conclude_if_done(topic=topic, by=by, notify=notify):
            concluded.add(done.pk)
    if not notify:
        return item
    link = reverse("outcomes:detail", args=[item.pk])
    for topic in _submitters(item):
        if topic.pk in concluded or topic.merged_into_id in concluded:
            continue
        with translation.override(settings.LANGUAGE_CODE):
            text = _("The result of your topic %(code)s has been published. Tell us how satisfied you are:") % {
                "code": topic.tracking_code
            }
        queue_notification(
            channel=Notification.Channel.SMS,
            kind="outcome_published",
            subject=text,
            address=topic.submitter_phone,
            dedup_key=f"outcome-published:{item.pk}:{topic.pk}",
            link=reverse("outcomes:survey", args=[item.pk]),
            obj=item,
        )
    tell_users(
        supervising_users(item),
        kind="outcome_published",
        key=f"outcome-published:{item.pk}:supervisor",
        subject=lambda: _("The result of an item you supervise has been published"),
        body=item.text,
        link=link,
        obj=item,
        email=False,
    )
    return item


@transaction.atomic
def outcome_change_deadline(*, item: OutcomeItem, deadline: date, reason: str, by) -> OutcomeItem:
    """Extend or bring forward the handling deadline of an open item; reminders follow the new date."""
    item = _lock(item)
    if item.status not in (*OPEN, OS.ANSWERED):
        raise ValidationError(_("The deadline of a closed item cannot change."))
    if not reason.strip():
        raise ValidationError(_("Say why the deadline changes."))
    if deadline == item.deadline:
        return item
    before = audit.snapshot(item, AUDIT_FIELDS)
    old = item.deadline
    item.deadline = deadline
    item.escalated_on = None  # a new date gets its own escalation if it passes too
    item.save(update_fields=["deadline", "escalated_on"])
    audit.record(
        actor=by,
        action="outcome_deadline",
        obj=item,
        before=before,
        after=audit.snapshot(item, AUDIT_FIELDS) | {"reason": reason.strip()},
    )
    _event(item, EK.DEADLINE, by, labelled(f"{old.isoformat()} → {deadline.isoformat()}", reason.strip()))
    tell_users(
        unit_users(item),
        kind="outcome_deadline",
        key=f"outcome-deadline:{item.pk}:{deadline.isoformat()}",
        subject=lambda: _("The deadline of an item is now %(deadline)s") % {"deadline": deadline.isoformat()},
        body=item.text,
        link=unit_link(item),
        obj=item,
    )
    return item


@transaction.atomic
def outcome_set_supervisors(*, item: OutcomeItem, members: Iterable[Member], by) -> OutcomeItem:
    """Attach the members who supervise the handling (委员督办)."""
    item = _lock(item)
    members = list(members)
    before = sorted(item.supervisors.values_list("pk", flat=True))
    after = sorted(m.pk for m in members)
    if before == after:
        return item
    item.supervisors.set(members)
    audit.record(
        actor=by,
        action="outcome_supervisors",
        obj=item,
        before={"supervisors": before},
        after={"supervisors": after},
    )
    _event(item, EK.SUPERVISORS, by, "、".join(m.name for m in members) or "—")
    added = User.objects.filter(member__in=[m for m in members if m.pk not in before], is_active=True).order_by("pk")
    tell_users(
        added,
        kind="outcome_supervise",
        key=f"outcome-supervise:{item.pk}",
        subject=lambda: _("You supervise the handling of an item by %(unit)s") % {"unit": item.unit.name},
        body=item.text,
        link=supervisor_link(item),
        obj=item,
        email=False,
    )
    return item


@transaction.atomic
def outcome_comment(*, item: OutcomeItem, text: str, by) -> OutcomeEvent:
    """A supervising member's comment on the handling; the unit and the office see it in the history."""
    item = _lock(item)
    if not item.supervisors.filter(user=by).exists():
        raise ValidationError(_("Only a supervising member can comment on this item."))
    if not text.strip():
        raise ValidationError(_("The comment is empty."))
    event = _event(item, EK.COMMENT, by, text.strip())
    audit.record(actor=by, action="outcome_comment", obj=item, after={"comment": text.strip()})
    tell_users(
        unit_users(item),
        kind="outcome_comment",
        key=f"outcome-comment:{event.pk}",
        subject=lambda: _("A supervising member commented on an item"),
        body=text.strip(),
        link=unit_link(item),
        obj=item,
        email=False,
    )
    return event
