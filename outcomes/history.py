"""History entry (补录) of outcome items: an item handed over for a past meeting, entered later by the office with
its real dates — handed over, deadline, the unit's answer, acceptance, publication and the satisfaction tallies.

The rules of the pages (`services`, `services_survey`, the model's constraints) hold, save the one that refuses
the past: a deadline here comes after the day the item was handed over, not after today; every date is on or
before today and in the order things happen (meeting → handed over → answered → accepted → published → tallied).
The item counts in the year it was handed over (`OutcomeItem.handed_over_on`); its history lines carry the real
days; it is marked 补录 (`consult_portal.backfill`) and audited ("outcome_backfill"). Nobody is notified: it is
history. `outcome_backfill` also updates an item it entered before (the ledger import's update).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal import audit, backfill
from consult_portal.models import ResponsibleUnit
from consult_portal.typography import labelled
from sessions.models import Meeting, RecordItem
from topics import services as topic_services
from topics.models import Topic

from .models import OutcomeEvent, OutcomeItem, SurveyTally
from .services import AUDIT_FIELDS

OS = OutcomeItem.Status
EK = OutcomeEvent.Kind
# The statuses an item may be entered with: still with the unit, or concluded. An answer waiting for acceptance
# is the present, not history.
STATUSES = (OS.ASSIGNED, OS.IN_PROGRESS, *OutcomeItem.FINAL)
HISTORY_FIELDS = [*AUDIT_FIELDS, "handed_over_on", "problems_solved", "ledger_ref", "backfilled_at"]
# The history lines history entry writes, and rewrites on an update.
HISTORY_KINDS = (EK.HANDED_OVER, EK.ANSWERED, EK.ACCEPTED, EK.PUBLISHED, EK.TALLY)


@dataclass(frozen=True)
class Tally:
    """A field visit's or a questionnaire's counts, as the item's history entry gives them."""

    method: str
    date: date
    very_satisfied: int = 0
    satisfied: int = 0
    basically_satisfied: int = 0
    dissatisfied: int = 0
    very_dissatisfied: int = 0

    @property
    def sample_size(self) -> int:
        return sum(getattr(self, name) for name in SurveyTally.COUNTS)

    def as_dict(self) -> dict:
        return {
            "method": self.method,
            "date": self.date.isoformat(),
            **{n: getattr(self, n) for n in SurveyTally.COUNTS},
        }


def moment(day: date) -> datetime:
    """A day as the moment history lines and timestamps carry: its noon, local time."""
    return timezone.make_aware(datetime.combine(day, time(12)))


def accepted_on(status: str, answered_on: date | None, closed_on: date | None) -> date | None:
    """The day the office accepted an item: the day entered, else for a concluded item the day the unit answered."""
    return closed_on or (answered_on if status in OutcomeItem.FINAL else None)


def check_texts(status: str, answer: str, reason: str) -> dict[str, str]:
    """A concluded item has the unit's answer, an item not feasible for now says why: {} when so, else by field."""
    errors = {}
    if status in OutcomeItem.FINAL and not answer.strip():
        errors["answer"] = _("The answer is empty.")
    if status == OS.NOT_FEASIBLE and not reason.strip():
        errors["reason"] = _("Say why the item is not feasible for now.")
    return errors


def check_dates(
    *,
    meeting: Meeting | None,
    handed_over_on: date | None,
    deadline: date | None,
    status: str,
    answered_on: date | None = None,
    closed_on: date | None = None,
    published_on: date | None = None,
    tallies: Sequence[Tally] = (),
) -> dict[str, str]:
    """History mode's date rules, by field: {} when they hold. The one place they are spelled, for the service,
    the forms and the ledger import alike."""
    today = timezone.localdate()
    errors = {}

    def refuse(name, message):
        errors.setdefault(name, message)

    held_on = timezone.localdate(meeting.starts_at) if meeting is not None else None
    if handed_over_on is not None:
        if handed_over_on > today:
            refuse("handed_over_on", _("The day of the hand-over cannot be in the future."))
        elif held_on is not None and handed_over_on < held_on:
            refuse("handed_over_on", _("Handed over after the meeting: on or after %(day)s.") % {"day": held_on})
    if deadline is not None and handed_over_on is not None and deadline <= handed_over_on:
        refuse(
            "deadline", _("The deadline must be after the day of the hand-over (%(day)s).") % {"day": handed_over_on}
        )
    if status not in STATUSES:
        refuse("status", _("Enter an item still being handled, or its final result."))
        return errors
    final = status in OutcomeItem.FINAL
    if final and answered_on is None:
        refuse("answered_on", _("Enter the day the unit answered."))
    if not final and (answered_on or closed_on or published_on or tallies):
        refuse("status", _("Only a concluded item has an answer, a publication or a survey."))
    start = handed_over_on
    for name, day, label in (
        ("answered_on", answered_on, _("answered")),
        ("closed_on", closed_on, _("accepted")),
        ("published_on", published_on, _("published")),
    ):
        if day is None:
            continue
        if day > today:
            refuse(name, _("The day it was %(what)s cannot be in the future.") % {"what": label})
        elif start is not None and day < start:
            refuse(name, _("The day it was %(what)s comes on or after %(day)s.") % {"what": label, "day": start})
        start = day
    if tallies and published_on is None:
        refuse("tallies", _("A satisfaction survey follows the publication: enter the day it was published."))
    for tally in tallies:
        if tally.sample_size <= 0:
            refuse("tallies", _("A survey counts at least one person."))
        elif tally.date > today:
            refuse("tallies", _("The date cannot be in the future."))
        elif published_on is not None and tally.date < published_on:
            refuse("tallies", _("A survey comes on or after the publication (%(day)s).") % {"day": published_on})
    return errors


@transaction.atomic
def outcome_backfill(
    *,
    by,
    text: str,
    unit: ResponsibleUnit,
    contact_name: str,
    handed_over_on: date,
    deadline: date,
    status: str = OS.ASSIGNED,
    meeting: Meeting | None = None,
    topic: Topic | None = None,
    record_item: RecordItem | None = None,
    contact_phone: str = "",
    answer: str = "",
    answered_on: date | None = None,
    reason: str = "",
    closed_on: date | None = None,
    published_on: date | None = None,
    problems_solved: int = 1,
    tallies: Sequence[Tally] = (),
    ledger_ref: str = "",
    item: OutcomeItem | None = None,
    conclude_topics: bool = True,
) -> OutcomeItem:
    """Enter an item of the past (补录), or update one entered so before (`item`), all or nothing. Its topics are
    concluded when every item behind them is published (`conclude_topics`; an import asks it of a meeting's last
    item only, once its other items are entered)."""
    if record_item is not None:
        meeting = record_item.meeting
    if meeting is not None and not meeting.is_held:
        raise ValidationError(_("Outcomes come from a meeting that has been held."))
    if meeting is not None and topic is None:
        topics = list(meeting.topics.all()[:2])
        topic = topics[0] if len(topics) == 1 else None
    if meeting is None and topic is None:
        raise ValidationError(_("An outcome item comes from a meeting or a topic."))
    final = status in OutcomeItem.FINAL
    closed_on = accepted_on(status, answered_on, closed_on)
    errors = check_dates(
        meeting=meeting,
        handed_over_on=handed_over_on,
        deadline=deadline,
        status=status,
        answered_on=answered_on,
        closed_on=closed_on,
        published_on=published_on,
        tallies=tallies,
    )
    errors |= check_texts(status, answer, reason)
    if errors:
        raise ValidationError(errors)
    before = None
    if item is not None:
        item = OutcomeItem.objects.select_for_update(of=("self",)).get(pk=item.pk)
        if not item.is_backfilled:
            raise ValidationError(_("Only an item entered later can be changed through history entry."))
        before = audit.snapshot(item, HISTORY_FIELDS)
    else:
        if record_item is not None and OutcomeItem.objects.filter(record_item=record_item).exists():
            raise ValidationError(_("This record item has already been handed over."))
        item = OutcomeItem(meeting=meeting, topic=topic, record_item=record_item)
        backfill.mark(item, by)
    item.text, item.unit = text.strip(), unit
    item.contact_name, item.contact_phone = contact_name.strip(), contact_phone.strip()
    item.handed_over_on, item.deadline, item.status = handed_over_on, deadline, status
    item.answer = answer.strip() if final else ""
    item.answer_status = status if final else ""
    item.reason = reason.strip() if status == OS.NOT_FEASIBLE else ""
    item.closed_at = moment(closed_on) if closed_on else None
    item.published_at = moment(published_on) if published_on else None
    item.problems_solved = problems_solved
    item.ledger_ref = ledger_ref.strip()
    if item.pk is None:
        item.town = OutcomeItem.derive_town(meeting, topic)
    item.full_clean(exclude=["number", "escalated_on"])
    creating = item.pk is None
    item.save()
    _history(item, by, answered_on=answered_on, tallies=tallies)
    if conclude_topics:
        for concluded in {t.pk: t for t in [topic, *(meeting.topics.all() if meeting else [])] if t}.values():
            topic_services.topic_conclude_if_done(topic=concluded, by=by, notify=False)
    after = audit.snapshot(item, HISTORY_FIELDS) | {"tallies": [tally.as_dict() for tally in tallies]}
    action = "outcome_backfill" if creating else "outcome_backfill_update"
    audit.record(actor=by, action=action, obj=item, before=before, after=after)
    return item


def _history(item: OutcomeItem, by, *, answered_on: date | None, tallies: Sequence[Tally]) -> None:
    """The item's history lines and tallies, at their real days (rewritten on an update)."""
    OutcomeEvent.objects.filter(item=item, kind__in=HISTORY_KINDS).delete()
    SurveyTally.objects.filter(item=item, backfilled_at__isnull=False).delete()
    actor = by if by is not None and by.is_authenticated else None
    note = str(_("补录"))
    lines = [(EK.HANDED_OVER, moment(item.handed_over_on), f"{item.unit.name} · {item.deadline.isoformat()} · {note}")]
    if answered_on is not None:
        lines.append((EK.ANSWERED, moment(answered_on), labelled(item.get_status_display(), item.answer)))
    if item.closed_at is not None:
        lines.append((EK.ACCEPTED, item.closed_at, item.get_status_display()))
    if item.published_at is not None:
        lines.append((EK.PUBLISHED, item.published_at, note))
    for entered in tallies:
        tally = SurveyTally(
            item=item,
            method=entered.method,
            date=entered.date,
            sample_size=entered.sample_size,
            entered_by=actor,
            **{name: getattr(entered, name) for name in SurveyTally.COUNTS},
        )
        backfill.mark(tally, by)
        tally.full_clean(exclude=["item"])
        tally.save()
        lines.append(
            (EK.TALLY, moment(entered.date), f"{tally.get_method_display()} {tally.date}: {tally.sample_size}")
        )
    for kind, at, text in lines:
        event = OutcomeEvent.objects.create(item=item, kind=kind, actor=actor, note=text)
        OutcomeEvent.objects.filter(pk=event.pk).update(at=at)
