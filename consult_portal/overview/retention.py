"""Retention of residents' personal data.

Some months after they stop being needed (SUBMITTER_RETENTION_MONTHS, 24 by default) the portal forgets:
- the name and phone of a topic's submitter, counted from the topic's closing (`Topic.closed_at`: concluded, declined
  or forwarded, and a merged topic when the topic it went into closes); the topic and its history stay;
- the phone given with a satisfaction response, counted from the item's publication; the rating, comment
  and village stay, so satisfaction figures do not change;
- the phone of the people other than members invited to, or checked in at, a meeting, counted from the
  meeting's end, and the given name of the residents among them (李**: the model requires a name).
The number in the SMS already sent to those people, about those records, is masked at the same time.

It lives above the apps, as the pages that combine them do: the purge reads topics, sessions and outcomes in one
command (`purge_submitters`) with one audit entry per run.
"""

from collections.abc import Iterable, Iterator
from datetime import datetime

from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import DateTimeField, Max, Q, QuerySet, Value
from django.db.models.functions import Coalesce, Concat, Left
from django.utils import timezone

from consult_portal import audit
from consult_portal.models import Notification
from consult_portal.privacy import mask_phone, months_before, retention_months
from outcomes.models import OutcomeItem, SatisfactionResponse
from sessions.models import Meeting, Participant
from topics.models import Topic

S = Topic.Status
# A topic is closed when nothing more happens to it on the portal.
CLOSED = (S.CONCLUDED, S.DECLINED, S.MERGED, S.FORWARDED)
# Messages already settled: their address is no longer needed to deliver anything.
SETTLED = (Notification.Status.SENT, Notification.Status.FAILED, Notification.Status.CANCELLED)
# Meetings that will not take place any more: held (and perhaps recorded) or called off.
OVER = (*Meeting.HELD_STATUSES, Meeting.Status.CANCELLED)
# Rows cleaned per transaction: a long first run does not hold its locks for minutes.
BATCH = 500
# The kinds counted in the audit entry and the command's output, in that order.
KINDS = ("topics", "survey_responses", "participants", "sms")
# What is left of a resident participant's name: the first character and this.
MASKED_NAME_SUFFIX = "**"


# -- what is due ----------------------------------------------------------------------------------------


def closed_before(cutoff: datetime) -> QuerySet:
    """Topics closed before `cutoff` that still hold a submitter's name or phone.

    The closing time is the topic's `closed_at`; without one (a topic closed before the field, or imported), that of
    the last history entry into a closed status, else the topic's last change. A merged topic without one waits for
    the topic it went into: its submitter is told of that topic's result."""
    return (
        Topic.objects.filter(status__in=CLOSED)
        .exclude(submitter_name="", submitter_phone="")
        .exclude(status=S.MERGED, closed_at__isnull=True)
        .annotate(
            closed_on=Coalesce(
                "closed_at",
                Max("events__at", filter=Q(events__to_status__in=CLOSED)),
                "updated_at",
                output_field=DateTimeField(),
            )
        )
        .filter(closed_on__lt=cutoff)
    )


def responses_published_before(cutoff: datetime) -> QuerySet:
    """Satisfaction responses to items published before `cutoff` that still hold a phone."""
    return SatisfactionResponse.objects.filter(item__published_at__lt=cutoff).exclude(phone="")


def _resident_name_kept() -> Q:
    return Q(kind=Participant.Kind.RESIDENT) & ~Q(name__endswith=MASKED_NAME_SUFFIX)


def participants_of_meetings_before(cutoff: datetime) -> QuerySet:
    """People other than members at meetings held or cancelled that ended before `cutoff`, with a phone, or
    residents whose name is still whole.

    Planned and postponed meetings keep their invitees' details: they may still take place."""
    return (
        Participant.objects.filter(member__isnull=True, meeting__status__in=OVER, meeting__ends_at__lt=cutoff)
        .exclude(kind=Participant.Kind.MEMBER)
        .filter(~Q(phone="") | _resident_name_kept())
    )


# -- cleaning -------------------------------------------------------------------------------------------


def _batches(pks: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(pks), BATCH):
        yield pks[start : start + BATCH]


def _settled_sms(model, object_ids: Iterable[int]) -> QuerySet:
    return Notification.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=list(object_ids),
        channel=Notification.Channel.SMS,
        status__in=SETTLED,
    ).exclude(address__contains="*")


def _mask(messages: QuerySet, phones: set[str] | None = None) -> int:
    """Mask the number of these settled SMS (of those sent to one of `phones` when given)."""
    masked = 0
    for pk, address in messages.values_list("pk", "address"):
        if phones is None or address in phones:
            masked += Notification.objects.filter(pk=pk).update(address=mask_phone(address))
    return masked


def _purge_topics(pks: list[int]) -> tuple[int, int]:
    """Blank the submitter of these topics; mask their SMS and those telling them of an outcome's result."""
    with transaction.atomic():
        topics = Topic.objects.select_for_update().filter(pk__in=pks).exclude(submitter_name="", submitter_phone="")
        phones = dict(topics.values_list("pk", "submitter_phone"))
        cleaned = Topic.objects.filter(pk__in=list(phones)).update(submitter_name="", submitter_phone="")
        # updated_at is left alone (update() does not touch it): the topic's content has not changed.
        sms = _mask(_settled_sms(Topic, phones))
        items = OutcomeItem.objects.filter(topic__in=list(phones)).values_list("pk", flat=True)
        sms += _mask(_settled_sms(OutcomeItem, items), set(phones.values()) - {""})
    return cleaned, sms


def _purge_responses(pks: list[int]) -> tuple[int, int]:
    with transaction.atomic():
        responses = SatisfactionResponse.objects.select_for_update().filter(pk__in=pks).exclude(phone="")
        rows = list(responses.values_list("pk", "item_id", "phone"))
        cleaned = SatisfactionResponse.objects.filter(pk__in=[pk for pk, _item, _phone in rows]).update(phone="")
        phones = {phone for _pk, _item, phone in rows}
        sms = _mask(_settled_sms(SatisfactionResponse, [pk for pk, _item, _phone in rows]))
        sms += _mask(_settled_sms(OutcomeItem, {item for _pk, item, _phone in rows}), phones)
    return cleaned, sms


def _purge_participants(pks: list[int]) -> tuple[int, int]:
    with transaction.atomic():
        participants = Participant.objects.select_for_update().filter(pk__in=pks)
        rows = list(participants.filter(~Q(phone="") | _resident_name_kept()).values_list("pk", "meeting_id", "phone"))
        chosen = Participant.objects.filter(pk__in=[pk for pk, _meeting, _phone in rows])
        # A resident keeps a surname on the record (李**): the model needs a name, the attendance count stays right.
        chosen.filter(_resident_name_kept()).update(name=Concat(Left("name", 1), Value(MASKED_NAME_SUFFIX)))
        cleaned = chosen.update(phone="")
        phones = {phone for _pk, _meeting, phone in rows if phone}
        sms = _mask(_settled_sms(Participant, [pk for pk, _meeting, _phone in rows]))
        sms += _mask(_settled_sms(Meeting, {meeting for _pk, meeting, _phone in rows}), phones)
    return cleaned, sms


def personal_data_purge(*, months: int | None = None, now: datetime | None = None, by=None) -> dict[str, int]:
    """Forget the residents' personal data kept more than `months` months (see the module's docstring).

    Each batch of rows is cleaned, and its SMS masked, in one transaction; a run that cleaned anything writes
    one audit entry with the counts (action "submitters_purge", the name it had when it cleaned topics only),
    also when a later batch failed. Run twice, the second run finds nothing.
    Returns the counts per kind (KINDS)."""
    months = retention_months() if months is None else months
    if months < 1:
        raise ValueError("The retention period is at least one month.")
    cutoff = months_before(now or timezone.now(), months)
    counts = dict.fromkeys(KINDS, 0)
    due = (
        ("topics", closed_before(cutoff), _purge_topics),
        ("survey_responses", responses_published_before(cutoff), _purge_responses),
        ("participants", participants_of_meetings_before(cutoff), _purge_participants),
    )
    try:
        for kind, rows, purge in due:
            for pks in _batches(sorted(rows.values_list("pk", flat=True))):
                cleaned, sms = purge(pks)
                counts[kind] += cleaned
                counts["sms"] += sms
    finally:
        if any(counts.values()):
            audit.record(
                actor=by,
                action="submitters_purge",
                after={"months": months, "cutoff": cutoff.isoformat(), "counts": counts},
            )
    return counts
