"""Deadline reminders and overdue escalation for outcome items (办理时限提醒与超期督办).

Celery beat asks every 15 minutes (`scan_if_due`) and the scan runs once a day, at the first look from
OUTCOME_REMINDER_HOUR on: a beat that was down at that hour, or lost its schedule file, scans when it is back, not the
next morning. `manage.py send_reminders` runs it by hand (for installations on cron). Each scan that finished is
recorded (`DailyRun`, job "outcome_scan"), and the next one covers everything due since.

The rule. An open item (assigned or in progress) is reminded OUTCOME_REMINDER_DAYS before its deadline
(7, 3 and 1 days by default): the unit's users get an in-app notice and an email, and the contact person an
SMS where OUTCOME_REMINDER_SMS is on. A scan that did not run on the day catches up with the nearest reminder
not yet sent, so an item is never told "7 days" when 2 are left; a reminder whose day came before the item was
handed over is skipped (the hand-over notice said it all). After days without a scan (the portal down), an item
whose deadline passed meanwhile gets the last reminder it missed, worded as it stands ("overdue by 2 days"), once;
it is never left to pass its deadline unreminded. An item still open after its deadline is overdue:
the office, the liaison staff of its town and its supervising members are told once, each in one message for the
day listing every item newly overdue in their scope (a digest: a catch-up over many items is a few messages, not one
for each item and person). Each user's channels are theirs to choose (consult_portal/preferences.py).

Exactly once. Each message is an outbox row whose dedup_key names the item, its deadline, the reminder, the
recipient and the channel. The scan works through the items in batches, each in a transaction holding the
items' row locks: a second scan, or two at once, finds the keys already there and adds nothing, and only the
rows it inserted are handed to a worker (ON CONFLICT DO NOTHING stays as a guard); delivery claims each row
before sending. A changed deadline gives new keys, and a new escalation when the new date passes too.
Escalation marks the items (`escalated_on`) and writes their digests in one transaction under the items' row locks,
which a concurrent scan skips: each item is in one digest, and the history gets one line. A digest's key names the
day, its first item, the recipient and the channel.
"""

from collections import defaultdict
from datetime import date, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consult_portal import daily_runs, notifications, office
from consult_portal.models import Notification, Role, User

from .models import OutcomeEvent, OutcomeItem
from .services import staff_link, supervisor_link, unit_link

KIND_DUE = "outcome_due"
KIND_OVERDUE = "outcome_overdue"
JOB = "outcome_scan"
BATCH = 1000
# A digest lists this many items, then says how many more (the list of overdue items has them all).
DIGEST_LINES = 50
CH = Notification.Channel


def offsets() -> list[int]:
    """The configured reminder offsets in days, farthest first (the office's setting, else OUTCOME_REMINDER_DAYS)."""
    return list(office.current().outcome_reminder_days)


def due_offset(deadline: date, handed_on: date, today: date) -> int | None:
    """The reminder due today for an open item: the nearest offset at or above the days left, unless its day
    came before the hand-over."""
    left = (deadline - today).days
    candidates = [d for d in offsets() if d >= left]
    if left < 0 or not candidates:
        return None
    days = min(candidates)
    return days if handed_on <= deadline - timedelta(days=days) else None


def reminder_for(deadline: date, handed_on: date, today: date, since: date | None) -> int | None:
    """The reminder an open item is due for at the scan of `today`, the last scan before it having been `since`:
    the one `due_offset` says; for an item whose deadline passed with no scan on or after its last reminder's day
    (a gap after `since`), that last reminder, once."""
    if deadline >= today:
        return due_offset(deadline, handed_on, today)
    days = offsets()
    if since is None or not days:
        return None
    last = min(days)
    day = deadline - timedelta(days=last)
    return last if since < day and handed_on <= day else None


def _rows(
    item: OutcomeItem | None,
    users,
    *,
    key: str,
    kind: str,
    subject: str,
    body: str,
    link: str,
    type_id: int | None,
    chosen: dict,
):
    """The rows telling `users` of an item (of several: `item` None), through the channels each chose (`chosen`:
    `consult_portal.notifications.preferences`)."""
    for user in users:
        for channel, address in notifications.channels_for(user, chosen.get(user.pk)):
            yield Notification(
                dedup_key=f"{key}:{user.pk}:{channel}",
                recipient=user,
                address=address,
                channel=channel,
                kind=kind,
                subject=subject[:200],
                body=body,
                link=link,
                content_type_id=type_id if item is not None else None,
                object_id=item.pk if item is not None else None,
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
            "pk", "channel"
        )
    transaction.on_commit(lambda: [notifications.enqueue(pk, channel) for pk, channel in ids], robust=True)
    return len(ids), existing


def _users_by_unit(unit_ids) -> dict[int, list[User]]:
    found = defaultdict(list)
    for user in User.objects.filter(unit_id__in=unit_ids, is_active=True).order_by("pk"):
        found[user.unit_id].append(user)
    return found


def _due_text(item: OutcomeItem, today: date) -> tuple[str, str]:
    left = (item.deadline - today).days
    unit = item.unit.name
    if left < 0:  # a reminder missed while no scan ran
        subject = ngettext(
            "Overdue by %(days)d day: an item handed to %(unit)s",
            "Overdue by %(days)d days: an item handed to %(unit)s",
            -left,
        ) % {"days": -left, "unit": unit}
    elif left == 0:
        subject = _("Due today: an item handed to %(unit)s") % {"unit": unit}
    else:
        subject = ngettext(
            "Due in %(days)d day: an item handed to %(unit)s",
            "Due in %(days)d days: an item handed to %(unit)s",
            left,
        ) % {"days": left, "unit": unit}
    body = _("%(text)s\n\nHandling deadline: %(deadline)s. Post the progress or the answer in the portal.") % {
        "text": item.text,
        "deadline": item.deadline.isoformat(),
    }
    return subject, body


def _due_rows(
    item: OutcomeItem, offset: int, users: list[User], today: date, type_id: int, chosen: dict
) -> list[Notification]:
    subject, body = _due_text(item, today)
    key = f"outcome-due:{item.pk}:{item.deadline:%Y%m%d}:{offset}d"
    link = unit_link(item)
    common = {"key": key, "kind": KIND_DUE, "subject": subject, "body": body, "link": link, "type_id": type_id}
    rows = list(_rows(item, users, chosen=chosen, **common))
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


def remind_due(today: date, since: date | None = None) -> int:
    """Queue the 7/3/1-day reminders due today, and those missed since the scan of `since` by items now overdue;
    return how many messages were queued."""
    days = offsets()
    if not days:
        return 0
    type_id = ContentType.objects.get_for_model(OutcomeItem).pk
    due = Q(deadline__gte=today, deadline__lte=today + timedelta(days=days[0]))
    if since is not None:
        due |= Q(deadline__lt=today, deadline__gt=since + timedelta(days=min(days)))
    window = OutcomeItem.objects.filter(due, status__in=OutcomeItem.OPEN)
    candidates = window.order_by("pk").values_list("pk", "deadline", "created_at")
    pks = [
        pk
        for pk, deadline, created in candidates
        if reminder_for(deadline, timezone.localdate(created), today, since) is not None
    ]
    queued = 0
    for batch in _chunks(pks):
        with transaction.atomic():
            # A concurrent scan waits here until this batch commits, then finds its rows and adds nothing.
            items = list(
                window.filter(pk__in=batch).select_related("unit").select_for_update(of=("self",)).order_by("pk")
            )
            users = _users_by_unit({item.unit_id for item in items})
            chosen = notifications.preferences([user for found in users.values() for user in found])
            rows = []
            with translation.override(settings.LANGUAGE_CODE):
                for item in items:
                    offset = reminder_for(item.deadline, timezone.localdate(item.created_at), today, since)
                    if offset is not None:
                        rows += _due_rows(item, offset, users[item.unit_id], today, type_id, chosen)
            queued += _queue(rows)[0]
    return queued


def _office_staff() -> list[User]:
    return list(User.objects.filter(groups__name=Role.OFFICE, is_active=True).distinct().order_by("pk"))


def _escalated_before(items: list[OutcomeItem]) -> set[int]:
    """The items whose deadline is one they were escalated for already (moved away and back): they are not escalated
    again. Each "deadline" history line starts with the date it replaced (services.outcome_change_deadline), so the
    deadline an escalation was for is found by walking the history back from the deadline the item has now."""
    found = set()
    for batch in _chunks(items):
        deadlines = {item.pk: item.deadline for item in batch}
        history = defaultdict(list)
        events = OutcomeEvent.objects.filter(
            item_id__in=list(deadlines), kind__in=[OutcomeEvent.Kind.ESCALATED, OutcomeEvent.Kind.DEADLINE]
        )
        for item_id, kind, note in events.order_by("at", "pk").values_list("item_id", "kind", "note"):
            history[item_id].append((kind, note))
        for item_id, lines in history.items():
            deadline, escalated = deadlines[item_id], set()
            for kind, note in reversed(lines):
                if kind == OutcomeEvent.Kind.ESCALATED:
                    escalated.add(deadline)
                    continue
                try:
                    deadline = date.fromisoformat(note[:10])
                except ValueError:
                    break
            if deadlines[item_id] in escalated:
                found.add(item_id)
    return found


def _overdue_text(item: OutcomeItem, today: date) -> tuple[str, str]:
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
    return subject, body


def _digest(items: list[OutcomeItem], today: date, *, list_link: str, one_link) -> dict:
    """What one person is told of the items newly overdue in their scope: a single item as it is, with its link;
    several as one list, linking to the list of overdue items."""
    if len(items) == 1:
        subject, body = _overdue_text(items[0], today)
        return {"subject": subject, "body": body, "link": one_link(items[0]), "item": items[0]}
    lines = [
        _("- %(unit)s: %(text)s (deadline %(deadline)s)")
        % {"unit": item.unit.name, "text": item.text[:80], "deadline": item.deadline.isoformat()}
        for item in items[:DIGEST_LINES]
    ]
    if len(items) > DIGEST_LINES:
        more = len(items) - DIGEST_LINES
        lines.append(ngettext("…and %(count)d more.", "…and %(count)d more.", more) % {"count": more})
    subject = ngettext(
        "%(count)d item is newly overdue (%(day)s)", "%(count)d items are newly overdue (%(day)s)", len(items)
    ) % {"count": len(items), "day": today.isoformat()}
    return {"subject": subject, "body": "\n".join(lines), "link": list_link, "item": None}


def _audience(items: list[OutcomeItem]) -> list[tuple[User, list[OutcomeItem], str, object]]:
    """(user, their items, list link, item link) for everyone told of these items: the office of all of them, the
    liaison staff of their town's, the supervising members of those they supervise."""
    told: dict[int, tuple[User, list[OutcomeItem], str, object]] = {}
    staff_list = reverse("outcomes:staff-list") + "?overdue=on"
    for user in _office_staff():
        told[user.pk] = (user, list(items), staff_list, staff_link)
    towns = {item.town_id for item in items if item.town_id}
    for user in User.objects.filter(groups__name=Role.LIAISON, town_id__in=towns, is_active=True).order_by("pk"):
        if user.pk not in told:
            told[user.pk] = (user, [item for item in items if item.town_id == user.town_id], staff_list, staff_link)
    by_pk = {item.pk: item for item in items}
    supervised = defaultdict(list)
    for batch in _chunks(list(by_pk)):
        through = OutcomeItem.supervisors.through.objects.filter(
            outcomeitem_id__in=batch, member__user__is_active=True
        ).select_related("member__user")
        for link in through.order_by("outcomeitem_id"):
            supervised[link.member.user].append(by_pk[link.outcomeitem_id])
    for user, theirs in supervised.items():
        if user.pk not in told:  # an office user who also supervises has every item in the office's message
            told[user.pk] = (user, theirs, reverse("workspace") + "#my-supervised", supervisor_link)
    return sorted(told.values(), key=lambda entry: entry[0].pk)


def escalate_overdue(today: date) -> int:
    """Mark the items newly overdue, with a line in each one's history, and tell the office, the towns' liaison
    staff and the supervisors, each in one message listing their items; return how many messages were queued.

    One transaction holds the items' row locks from the marks to the messages; a concurrent scan skips them."""
    type_id = ContentType.objects.get_for_model(OutcomeItem).pk
    with transaction.atomic():
        locked = (
            OutcomeItem.objects.overdue(today)
            .filter(escalated_on__isnull=True)
            .order_by("pk")
            .select_for_update(skip_locked=True, of=("self",))
        )
        items = list(locked.select_related("unit"))
        if not items:
            return 0
        # A deadline moved away and back to a date already escalated: no second line in the history, no message.
        again = _escalated_before(items)
        fresh = [item for item in items if item.pk not in again]
        rows, events = [], []
        with translation.override(settings.LANGUAGE_CODE):
            for item in fresh:
                events.append(
                    OutcomeEvent(item=item, kind=OutcomeEvent.Kind.ESCALATED, note=_overdue_text(item, today)[0])
                )
            audience = [entry for entry in _audience(fresh) if entry[1]] if fresh else []
            chosen = notifications.preferences([entry[0] for entry in audience])
            for user, theirs, list_link, one_link in audience:
                digest = _digest(theirs, today, list_link=list_link, one_link=one_link)
                item = digest.pop("item")
                key = f"outcome-overdue:{today:%Y%m%d}:{theirs[0].pk}"
                rows += _rows(
                    item,
                    [user],
                    key=key,
                    kind=KIND_OVERDUE,
                    type_id=type_id,
                    chosen=chosen,
                    **digest,
                )
        queued = _queue(rows)[0]
        OutcomeEvent.objects.bulk_create(events, batch_size=BATCH)
        for batch in _chunks([item.pk for item in items]):
            OutcomeItem.objects.filter(pk__in=batch).update(escalated_on=today)
    return queued


def scan(today: date | None = None) -> dict[str, int]:
    """Run the daily scan for `today` (the local date by default), catching up with what fell due since the last
    scan; record it; return the messages queued by kind."""
    today = today or timezone.localdate()
    counts = {"due": remind_due(today, since=daily_runs.last_before(JOB, today)), "overdue": escalate_overdue(today)}
    daily_runs.record(JOB, today)
    return counts


def scan_if_due(now=None) -> dict[str, int] | None:
    """Beat's look (every 15 minutes): the day's scan if it is OUTCOME_REMINDER_HOUR or later and today's has not
    run; None otherwise."""
    today = daily_runs.due(JOB, settings.OUTCOME_REMINDER_HOUR, now)
    return None if today is None else scan(today)
