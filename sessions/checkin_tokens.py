"""The token in a meeting's check-in QR code: derived from the meeting's secret (`Meeting.checkin_token`) and the day,
so a code photographed yesterday does not check anyone in today, and one shared beyond the room stops working when
staff replace the secret (`services_checkin.checkin_token_replace`). The secret itself is never shown.

A token reads "<meeting id>-<16 letters and digits>": HMAC-SHA256 of the secret and the portal's local date, keyed
by the SECRET_KEY.
"""

import base64
from datetime import date

from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac

from .models import Meeting


def _digest(secret: str, day: date) -> str:
    mac = salted_hmac("sessions.checkin.day", f"{secret}|{day.isoformat()}", algorithm="sha256").digest()
    return base64.b32encode(mac).decode().lower()[:16]


def day_token(meeting: Meeting, day: date | None = None) -> str:
    """The token of the meeting's QR code on `day` (today by default)."""
    return f"{meeting.pk}-{_digest(meeting.checkin_token, day or timezone.localdate())}"


def meeting_for_token(token: str, queryset=None) -> tuple[Meeting | None, bool]:
    """The meeting a token names and whether the token is today's; (None, False) for no such meeting."""
    pk, _dash, digest = (token or "").partition("-")
    if not pk.isdigit() or not digest:
        return None, False
    meeting = (queryset if queryset is not None else Meeting.objects.all()).filter(pk=int(pk)).first()
    if meeting is None:
        return None, False
    return meeting, constant_time_compare(digest, _digest(meeting.checkin_token, timezone.localdate()))
