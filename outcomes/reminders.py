"""Deadline reminders and overdue escalation for outcome items (办理时限提醒与超期督办).

Celery beat runs `scan` every morning; `manage.py send_reminders` runs it by hand (for installations on cron).

The rule. An open item (assigned or in progress) is reminded OUTCOME_REMINDER_DAYS before its deadline
(7, 3 and 1 days by default): the unit's users get an in-app notice and an email, and the contact person an
SMS where OUTCOME_REMINDER_SMS is on. A scan that did not run on the day catches up with the nearest reminder
not yet sent, so an item is never told "7 days" when 2 are left; a reminder whose day came before the item was
handed over is skipped (the hand-over notice said it all). An item still open after its deadline is overdue:
the office, the liaison staff of its town and its supervising members are told once.

Exactly once. Each message is an outbox row whose dedup_key names the item, its deadline, the reminder, the
recipient and the channel. The scan works through the items in batches, each in a transaction holding the
items' row locks: a second scan, or two at once, finds the keys already there and adds nothing, and only the
rows it inserted are handed to a worker (ON CONFLICT DO NOTHING stays as a guard); delivery claims each row
before sending. A changed deadline gives new keys, and a new escalation when the new date passes too.
Escalation also marks the item (`escalated_on`) under the row lock, which a concurrent scan skips, so the
history gets one line.
"""

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consult_portal import notifications
from consult_portal.models import Notification, Role, User

from .models import OutcomeEvent, OutcomeItem
from .services import staff_link, supervisor_link, unit_link

KIND_DUE = "outcome_due"
KIND_OVERDUE = "outcome_overdue"
BATCH = 1000
# Each escalation fans out to every office user, the town's liaison staff and the supervisors (about 14 messages an
# item): a smaller batch keeps the items' row locks short while those are written (bench/reminders_bench.py).
ESCALATE_BATCH = 200
CH = Notification.Channel


def offsets() -> list[int]:
    """The configured reminder offsets in days, farthest first."""
    return sorted({d for d in settings.OUTCOME_REMINDER_DAYS if d > 0}, reverse=True)


def due_offset(deadline: date, handed_on: date, today: date) -> int | None:
    """The reminder due today for an open item: the nearest offset at or above the days left, unless its day
    came before the hand-over."""
    left = (deadline - today).days
    candidates = [d for d in offsets() if d >= left]
    if left < 0 or not candidates:
        return None
    days = min(candidates)
    return days if handed_on <= deadline - timedelta(days=days) else None


def _rows(item: OutcomeItem, users, *, key: str, kind: str, subject: str, body: str, link: str, type_id: int):
    for user in users:
        channels = [CH.INAPP, CH.EMAIL] if user.email else [CH.INAPP]
        for channel in channels:
            yield Notification(
                dedup_key=f"{key}:{user.pk}:{channel}",
                recipient=user,
                channel=channel,
                kind=kind,
                subject=subject[:200],
                body=body,
                link=link,
                content_type_id=type_id,
                object_id=item.pk,
            )


def _chunks(values: list, size: int = BATCH):
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _queue(rows: list[Notification]) -> tuple[int, set[str]]:
    """Insert the rows whose key is new and hand them to a worker after commit.

    Called under the items' row locks, so no other scan inserts the same keys meanwhile. Returns how many
    rows were queued and the keys that were there already.
    """
    fresh = {}
    for row in rows:
        fresh.setdefault(row.dedup_key, row)
    existing = set()
    for keys in _chunks(list(fresh)):
        existing.update(Notification.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True))
    for key in existing:
        del fresh[key]
    if not fresh:
        return 0, existing
    Notification.objects.bulk_create(fresh.values(), batch_size=BATCH, ignore_conflicts=True)
    ids = []
    for keys in _chunks(list(fresh)):
        ids += Notification.objects.filter(dedup_key__in=keys, status=Notification.Status.PENDING).values_list(
            "pk", flat=True
        )
    transaction.on_commit(lambda: [notifications.enqueue(pk) for pk in ids], robust=True)
    return len(ids), existing


def _users_by_unit(unit_ids) -> dict[int, list[User]]:
    found = defaultdict(list)
    for user in User.objects.filter(unit_id__in=unit_ids, is_active=True).order_by("pk"):
        found[user.unit_id].append(user)
    return found


def _due_text(item: OutcomeItem, today: date) -> tuple[str, str]:
    left = (item.deadline - today).days
    subject = (
        _("Due today: an item handed to %(unit)s") % {"unit": item.unit.name}
        if left == 0
        else ngettext(
            "Due in %(days)d day: an item handed to %(unit)s",
            "Due in %(days)d days: an item handed to %(unit)s",
            left,
        )
        % {"days": left, "unit": item.unit.name}
    )
    body = _("%(text)s\n\nHandling deadline: %(deadline)s. Post the progress or the answer in the portal.") % {
        "text": item.text,
        "deadline": item.deadline.isoformat(),
    }
    return subject, body


def _due_rows(item: OutcomeItem, offset: int, users: list[User], today: date, type_id: int) -> list[Notification]:
    subject, body = _due_text(item, today)
    key = f"outcome-due:{item.pk}:{item.deadline:%Y%m%d}:{offset}d"
    link = unit_link(item)
    rows = list(_rows(item, users, key=key, kind=KIND_DUE, subject=subject, body=body, link=link, type_id=type_id))
    if settings.OUTCOME_REMINDER_SMS and item.contact_phone:
        rows.append(
            Notification(
                dedup_key=f"{key}:sms:{item.contact_phone}",
                address=item.contact_phone,
                channel=CH.SMS,
                kind=KIND_DUE,
                subject=subject[:200],
                link=link,
                content_type_id=type_id,
                object_id=item.pk,
            )
        )
    return rows


def remind_due(today: date) -> int:
    """Queue the 7/3/1-day reminders due today; return how many messages were queued."""
    days = offsets()
    if not days:
        return 0
    type_id = ContentType.objects.get_for_model(OutcomeItem).pk
    window = OutcomeItem.objects.filter(
        status__in=OutcomeItem.OPEN, deadline__gte=today, deadline__lte=today + timedelta(days=days[0])
    )
    candidates = window.order_by("pk").values_list("pk", "deadline", "created_at")
    pks = [pk for pk, deadline, created in candidates if due_offset(deadline, timezone.localdate(created), today)]
    queued = 0
    for batch in _chunks(pks):
        with transaction.atomic():
            # A concurrent scan waits here until this batch commits, then finds its rows and adds nothing.
            items = list(
                window.filter(pk__in=batch).select_related("unit").select_for_update(of=("self",)).order_by("pk")
            )
            users = _users_by_unit({item.unit_id for item in items})
            rows = []
            with translation.override(settings.LANGUAGE_CODE):
                for item in items:
                    offset = due_offset(item.deadline, timezone.localdate(item.created_at), today)
                    if offset is not None:
                        rows += _due_rows(item, offset, users[item.unit_id], today, type_id)
            queued += _queue(rows)[0]
    return queued


def _office_staff() -> list[User]:
    return list(User.objects.filter(groups__name=Role.OFFICE, is_active=True).distinct().order_by("pk"))


def escalate_overdue(today: date) -> int:
    """Tell the office, the town's liaison staff and the supervisors of items newly overdue; return how many
    messages were queued."""
    type_id = ContentType.objects.get_for_model(OutcomeItem).pk
    office = _office_staff()
    queued = 0
    while True:
        with transaction.atomic():
            # Rows another scan holds are skipped; once it commits they are marked and no longer match.
            locked = (
                OutcomeItem.objects.overdue(today)
                .filter(escalated_on__isnull=True)
                .order_by("pk")
                .select_for_update(skip_locked=True, of=("self",))
            )
            items = list(locked.select_related("unit")[:ESCALATE_BATCH])
            if not items:
                return queued
            liaison = defaultdict(list)
            towns = {item.town_id for item in items if item.town_id}
            for user in User.objects.filter(groups__name=Role.LIAISON, town_id__in=towns, is_active=True).order_by(
                "pk"
            ):
                liaison[user.town_id].append(user)
            supervisors = defaultdict(list)
            through = OutcomeItem.supervisors.through.objects.filter(
                outcomeitem_id__in=[item.pk for item in items], member__user__is_active=True
            ).select_related("member__user")
            for link in through.order_by("member__user__pk"):
                supervisors[link.outcomeitem_id].append(link.member.user)
            rows, events = [], {}
            with translation.override(settings.LANGUAGE_CODE):
                for item in items:
                    late = (today - item.deadline).days
                    subject = ngettext(
                        "Overdue by %(days)d day: %(unit)s has not finished an item",
                        "Overdue by %(days)d days: %(unit)s has not finished an item",
                        late,
                    ) % {"days": late, "unit": item.unit.name}
                    body = _("%(text)s\n\nHandling deadline: %(deadline)s. Contact: %(contact)s") % {
                        "text": item.text,
                        "deadline": item.deadline.isoformat(),
                        "contact": " ".join(p for p in (item.contact_name, item.contact_phone) if p),
                    }
                    key = f"outcome-overdue:{item.pk}:{item.deadline:%Y%m%d}"
                    staff = {u.pk: u for u in [*office, *liaison[item.town_id]]}.values()
                    common = {"key": key, "kind": KIND_OVERDUE, "subject": subject, "body": body, "type_id": type_id}
                    rows += _rows(item, staff, link=staff_link(item), **common)
                    rows += _rows(item, supervisors[item.pk], link=supervisor_link(item), **common)
                    events[key] = OutcomeEvent(item=item, kind=OutcomeEvent.Kind.ESCALATED, note=subject)
            count, existing = _queue(rows)
            queued += count
            # A deadline moved away and back to a date already escalated: no second line in the history.
            told = {key.rsplit(":", 2)[0] for key in existing}
            OutcomeEvent.objects.bulk_create([e for k, e in events.items() if k not in told], batch_size=BATCH)
            OutcomeItem.objects.filter(pk__in=[item.pk for item in items]).update(escalated_on=today)


def scan(today: date | None = None) -> dict[str, int]:
    """Run the daily scan for `today` (the local date by default); return the messages queued by kind."""
    today = today or timezone.localdate()
    return {"due": remind_due(today), "overdue": escalate_overdue(today)}
