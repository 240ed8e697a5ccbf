"""Residents' personal data: how a phone number is shown to whoever does not need it whole, and how long it is
kept (the purge itself is consult_portal/retention.py)."""

import calendar
from datetime import datetime

# The fields that hold a resident's phone number, by model label: masked in the admin and in audit snapshots.
# Staff pages show them whole only through an audited "show the number" (topics/views/staff.py).
RESIDENT_PHONE_FIELDS = {
    "topics.topic": ("submitter_phone",),
    "consultations.participant": ("phone",),
    "outcomes.satisfactionresponse": ("phone",),
    "portal.notification": ("address",),  # an SMS goes to a resident's phone (an email address is masked alike)
}


# Every field that holds a resident's personal data, by model label: no admin lookup, search or filter reaches them
# (a count answered to `?submitter_phone__startswith=1391` spells a masked number out digit by digit).
PERSONAL_FIELDS = {
    "topics.topic": ("submitter_name", "submitter_phone"),
    "consultations.participant": ("phone",),
    "outcomes.satisfactionresponse": ("phone",),
    "portal.notification": ("address",),
}


def resident_phone_fields(model) -> tuple[str, ...]:
    return RESIDENT_PHONE_FIELDS.get(model._meta.label_lower, ())


def personal_fields(model) -> tuple[str, ...]:
    return PERSONAL_FIELDS.get(model._meta.label_lower, ())


def mask_address(address: str | None) -> str:
    """A message's address masked: a phone as `mask_phone`, an email as z***@example.org."""
    address = (address or "").strip()
    if "@" in address:
        local, _at, domain = address.rpartition("@")
        return f"{local[:1]}***@{domain}"
    return mask_phone(address)


def mask_phone(phone: str | None) -> str:
    """138****1234: the first three and last four digits, the middle hidden.

    Numbers too short to keep any digits safely are hidden entirely; an empty value stays empty.
    """
    phone = (phone or "").strip()
    if not phone:
        return ""
    if len(phone) < 8:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


# The purge refuses a shorter period (consult_portal/overview/retention.py); the office's settings page too.
MIN_RETENTION_MONTHS = 1


def retention_months() -> int:
    """Months a resident's name and phone are kept once no longer needed: the office's setting, else
    SUBMITTER_RETENTION_MONTHS; never fewer than MIN_RETENTION_MONTHS."""
    from .office import current  # the office's settings read this module's minimum

    return current().retention_months


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time `months` months earlier (the month's last day when that day does not exist)."""
    year, month = divmod(moment.year * 12 + moment.month - 1 - months, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)
