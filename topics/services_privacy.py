"""Retention of residents' personal data: the name and phone of a topic's submitter are removed a
configurable number of months after the topic is closed; the topic itself and its history stay."""

import calendar
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import DateTimeField, Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from consult_portal import audit
from consult_portal.models import Notification
from consult_portal.privacy import mask_phone

from .models import Topic

S = Topic.Status
# A topic is closed when nothing more happens to it on the portal.
CLOSED = (S.CONCLUDED, S.DECLINED, S.MERGED, S.FORWARDED)
# Messages already settled: their address is no longer needed to deliver anything.
SETTLED = (Notification.Status.SENT, Notification.Status.FAILED, Notification.Status.CANCELLED)


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` months earlier (the month's last day when that day does not exist)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def retention_months() -> int:
    return settings.SUBMITTER_RETENTION_MONTHS


def closed_before(cutoff: datetime):
    """Topics closed before `cutoff` that still hold a submitter's name or phone.

    The closing time is that of the last history entry into a closed status (the topic's last change
    when a topic has no such entry, as imported ones may not)."""
    return (
        Topic.objects.filter(status__in=CLOSED)
        .exclude(submitter_name="", submitter_phone="")
        .annotate(
            closed_at=Coalesce(
                Max("events__at", filter=Q(events__to_status__in=CLOSED)), "updated_at", output_field=DateTimeField()
            )
        )
        .filter(closed_at__lt=cutoff)
    )


@transaction.atomic
def submitters_purge(*, months: int | None = None, now: datetime | None = None, by=None) -> int:
    """Remove the submitter's name and phone from topics closed more than `months` months ago.

    The numbers in the settled SMS of those topics' outbox are masked too. Run twice, the second run
    finds nothing. Returns the number of topics cleaned."""
    months = retention_months() if months is None else months
    if months < 1:
        raise ValueError("The retention period is at least one month.")
    cutoff = months_before(now or timezone.now(), months)
    pks = list(closed_before(cutoff).values_list("pk", flat=True))
    if not pks:
        return 0
    # updated_at is left alone: the topic's content has not changed.
    Topic.objects.filter(pk__in=pks).update(submitter_name="", submitter_phone="")
    messages = Notification.objects.filter(
        content_type__app_label="topics",
        content_type__model="topic",
        object_id__in=pks,
        channel=Notification.Channel.SMS,
        status__in=SETTLED,
    ).exclude(address__contains="*")
    for message in messages.only("pk", "address"):
        Notification.objects.filter(pk=message.pk).update(address=mask_phone(message.address))
    audit.record(
        actor=by,
        action="submitters_purge",
        after={"months": months, "closed_before": cutoff.isoformat(), "topics": pks},
    )
    return len(pks)
