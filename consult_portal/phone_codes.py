"""One-time SMS codes that confirm a resident holds the mobile number they type (the survey, check-in).

A code is six digits, sent through the SMS backend (`consult_portal.sms`), valid for PHONE_CODE_MINUTES, good for
one use and PHONE_CODE_ATTEMPTS wrong tries; only a keyed hash of it is stored (`PhoneCode.code_hash`), so a copy of
the database does not give the codes. Sending is limited per number (PHONE_CODES_PER_NUMBER_PER_HOUR, counted in the
database) and per address (PHONE_CODES_PER_ADDRESS_PER_HOUR, generous: a whole village shares one address behind
its Wi-Fi or a carrier's NAT; the number is the real limit). `purpose` names what a code confirms, e.g.
"survey:17" or "checkin:5": a code sent for one item cannot confirm an answer to another.
"""

import secrets
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from . import ratelimit, sms
from .models import PhoneCode

RATE_SCOPE = "phone-code"


def _setting(name: str, default: int) -> int:
    return getattr(settings, name, default)


def minutes() -> int:
    return _setting("PHONE_CODE_MINUTES", 10)


def _hash(purpose: str, phone: str, code: str) -> str:
    return salted_hmac("consult_portal.phone_codes", f"{purpose}|{phone}|{code}", algorithm="sha256").hexdigest()


def send(*, phone: str, purpose: str, address: str, now=None) -> PhoneCode:
    """Send a fresh code to `phone` (tidied, a mobile) for `purpose`; ValidationError (code "rate_limited") when the
    number or the address had its codes for now. A new code replaces the number's earlier ones for this purpose."""
    now = now or timezone.now()
    per_number = _setting("PHONE_CODES_PER_NUMBER_PER_HOUR", 3)
    if PhoneCode.objects.filter(phone=phone, created_at__gte=now - timedelta(hours=1)).count() >= per_number:
        raise ValidationError(
            ngettext(
                "This number has been sent %(count)d code in the last hour. Please wait before asking again.",
                "This number has been sent %(count)d codes in the last hour. Please wait before asking again.",
                per_number,
            )
            % {"count": per_number},
            code="rate_limited",
        )
    if not ratelimit.reserve(RATE_SCOPE, address, _setting("PHONE_CODES_PER_ADDRESS_PER_HOUR", 200), 3600):
        raise ValidationError(
            _("Too many codes have been asked for from this network in the last hour. Please try again later."),
            code="rate_limited",
        )
    code = f"{secrets.randbelow(10**6):06d}"
    with transaction.atomic():
        PhoneCode.objects.filter(created_at__lt=now - timedelta(days=1)).delete()  # nothing is kept longer
        PhoneCode.objects.filter(purpose=purpose, phone=phone, used_at__isnull=True).update(used_at=now)
        row = PhoneCode.objects.create(
            purpose=purpose,
            phone=phone,
            code_hash=_hash(purpose, phone, code),
            expires_at=now + timedelta(minutes=minutes()),
        )
    text = _("Your confirmation code is %(code)s. It is valid for %(minutes)d minutes. Do not give it to anyone.")
    sms.get_backend().send(phone, text % {"code": code, "minutes": minutes()})
    return row


def confirm(*, phone: str, purpose: str, code: str, now=None) -> None:
    """Use up the code sent to `phone` for `purpose`, or raise ValidationError with the reason (code "wrong",
    "expired" or "missing"). Call it before, not inside, the transaction that saves what the code confirms: a
    wrong try must be counted even though nothing is saved."""
    now = now or timezone.now()
    code = (code or "").strip()
    error = None
    with transaction.atomic():
        row = (
            PhoneCode.objects.select_for_update()
            .filter(purpose=purpose, phone=phone, used_at__isnull=True)
            .order_by("-created_at", "-pk")
            .first()
        )
        if row is None:
            error = ValidationError(_("Ask for a code first: no code is waiting for this number."), code="missing")
        elif row.expires_at <= now or row.attempts >= _setting("PHONE_CODE_ATTEMPTS", 5):
            error = ValidationError(_("This code has expired. Ask for a new one."), code="expired")
        elif not constant_time_compare(row.code_hash, _hash(purpose, phone, code)):
            PhoneCode.objects.filter(pk=row.pk).update(attempts=row.attempts + 1)
            message = _("This code is not the one we sent. Check the SMS and type its six digits.")
            error = ValidationError(message, code="wrong")
        else:
            row.used_at = now
            row.save(update_fields=["used_at"])
    if error is not None:
        raise error
