"""Meeting reminders: invitees hear by email and in-app notice some days before a meeting.

Celery beat runs `scan` every 15 minutes; it can also be run by hand (`manage.py send_meeting_reminders`).

The rule. For each offset d in MEETING_REMINDER_DAYS, the reminder is due from `starts_at - d days` and is
sent by the first scan within GRACE (6 hours) of that moment: a beat or worker down for a few hours catches
up, while a meeting planned or moved 2½ days ahead gets no late "3-day" reminder. The nearest reminder (1 day)
stays due until the meeting starts, so someone invited the evening before still hears of it. Two reminders of
one meeting are never due at once, and none after the meeting has started.

Each reminder is one outbox row whose dedup_key names the meeting, its start time, the invitee, the offset
and the channel: a second scan, or two at once, creates nothing more. The start time in the key makes a
moved meeting compute new reminders; the scan cancels those of the old time that have not gone out, and
those of a meeting that was postponed, cancelled or has started.
"""

from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consult_portal import notifications
from consult_portal.models import Notification

from .models import Meeting, Participant

KIND = "meeting_reminder"
GRACE = timedelta(hours=6)
REMINDED = (Meeting.Status.PLANNED, Meeting.Status.NOTICE_PUBLISHED)


def offsets() -> list[int]:
    """The configured offsets in days, farthest first."""
    return sorted({d for d in settings.MEETING_REMINDER_DAYS if d > 0}, reverse=True)


def due_offsets(starts_at: datetime, now: datetime) -> list[int]:
    days = offsets()
    due = []
    for d, nearer in zip(days, [*days[1:], None], strict=True):
        moment = starts_at - timedelta(days=d)
        end = starts_at if nearer is None else min(moment + GRACE, starts_at - timedelta(days=nearer))
        if moment <= now < end:
            due.append(d)
    return due


def key_prefix(meeting_pk: int, starts_at: datetime | None = None) -> str:
    """The dedup_key prefix of a meeting's reminders, or of those computed for one start time."""
    if starts_at is None:
        return f"meeting-reminder:{meeting_pk}:"
    return f"meeting-reminder:{meeting_pk}:{starts_at.astimezone(UTC):%Y%m%dT%H%MZ}:"


def _key(meeting: Meeting, participant: Participant, days: int, channel: str) -> str:
    return f"{key_prefix(meeting.pk, meeting.starts_at)}{participant.pk}:{days}d:{channel}"


def _unsent():
    return Notification.objects.filter(
        Q(status=Notification.Status.PENDING) | Q(status=Notification.Status.FAILED, next_attempt_at__isnull=False),
        kind=KIND,
    )


def _text(meeting: Meeting) -> tuple[str, str]:
    start, end = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Reminder: %(title)s on %(when)s") % {
            "title": meeting.title,
            "when": start.strftime("%Y-%m-%d %H:%M"),
        }
        lines = [
            _("%(title)s will be held from %(start)s to %(end)s at %(place)s.")
            % {
                "title": meeting.title,
                "start": start.strftime("%Y-%m-%d %H:%M"),
                "end": end.strftime("%H:%M") if end.date() == start.date() else end.strftime("%Y-%m-%d %H:%M"),
                "place": meeting.place or meeting.platform.name,
            },
            meeting.how_to_take_part,
            _("If you cannot attend, please tell the organisers."),
        ]
    return subject, "\n\n".join(line for line in lines if line)


def _drop_stale(meeting: Meeting | None, meeting_pk: int, now: datetime) -> int:
    """Cancel the unsent reminders of a meeting that no longer takes them, or computed for another time."""
    if meeting is None or meeting.status not in REMINDED or meeting.starts_at <= now:
        return notifications.cancel_pending(dedup_prefix=key_prefix(meeting_pk))
    current = key_prefix(meeting_pk, meeting.starts_at)
    stale = _unsent().filter(dedup_key__startswith=key_prefix(meeting_pk)).exclude(dedup_key__startswith=current)
    # "meeting-reminder:<meeting>:<start>:…": the first three parts name the time the reminder was computed for.
    old_prefixes = {":".join(key.split(":")[:3]) + ":" for key in stale.values_list("dedup_key", flat=True)}
    return sum(notifications.cancel_pending(dedup_prefix=prefix) for prefix in old_prefixes)


@transaction.atomic
def remind_meeting(meeting_pk: int, now: datetime | None = None) -> int:
    """Bring one meeting's reminders up to date; return how many were queued.

    Also safe to call inside the transaction that moves, postpones or cancels the meeting.
    """
    now = now or timezone.now()
    # The lock serialises two scans, and a scan with a reschedule (meeting_transition locks the row too).
    meeting = Meeting.objects.select_for_update(of=("self",)).select_related("platform").filter(pk=meeting_pk).first()
    _drop_stale(meeting, meeting_pk, now)
    if meeting is None or meeting.status not in REMINDED or meeting.starts_at <= now:
        return 0
    due = due_offsets(meeting.starts_at, now)
    if not due:
        return 0
    invitees = (
        meeting.participants.filter(invited=True, member__user__isnull=False, member__user__is_active=True)
        .exclude(response=Participant.Response.NO)
        .select_related("member__user")
        .order_by("pk")
    )
    current = Notification.objects.filter(dedup_key__startswith=key_prefix(meeting.pk, meeting.starts_at))
    existing = {key: (pk, status) for key, pk, status in current.values_list("dedup_key", "pk", "status")}
    subject, body = _text(meeting)
    link = f"/meetings/{meeting.pk}/"
    queued = 0
    invitees = list(invitees)
    chosen = notifications.preferences([participant.member.user for participant in invitees])
    for participant in invitees:
        user = participant.member.user
        for days in due:
            # In-app, and email or SMS as the invitee chose (consult_portal/preferences.py).
            for channel, address in notifications.channels_for(user, chosen.get(user.pk)):
                key = _key(meeting, participant, days, channel)
                if key not in existing:
                    notifications.notify(
                        channel=channel,
                        kind=KIND,
                        subject=subject,
                        body=body,
                        dedup_key=key,
                        recipient=user,
                        address=address,
                        link=link,
                        obj=meeting,
                    )
                    queued += 1
                elif existing[key][1] == Notification.Status.CANCELLED:
                    # Moved away and back again: the reminder cancelled for this time is due once more.
                    pk = existing[key][0]
                    Notification.objects.filter(pk=pk, status=Notification.Status.CANCELLED).update(
                        status=Notification.Status.PENDING, subject=subject[:200], body=body
                    )
                    transaction.on_commit(lambda pk=pk: notifications.enqueue(pk), robust=True)
                    queued += 1
    return queued


def scan(now: datetime | None = None) -> int:
    """Queue the reminders due now and drop the stale ones, one transaction per meeting; return how many were queued."""
    now = now or timezone.now()
    days = offsets()
    pks = set()
    if days:
        pks |= set(
            Meeting.objects.filter(
                status__in=REMINDED, starts_at__gt=now, starts_at__lte=now + timedelta(days=days[0])
            ).values_list("pk", flat=True)
        )
    meeting_type = ContentType.objects.get_for_model(Meeting)
    pks |= set(_unsent().filter(content_type=meeting_type).values_list("object_id", flat=True))
    return sum(remind_meeting(pk, now) for pk in sorted(pks))
