"""Residents' personal data: how a phone number is shown to whoever does not need it whole."""

# The fields that hold a resident's phone number, by model label: masked in the admin and in audit snapshots.
# Staff pages show them whole only through an audited "show the number" (topics/views/staff.py).
RESIDENT_PHONE_FIELDS = {
    "topics.topic": ("submitter_phone",),
    "consultations.participant": ("phone",),
    "outcomes.satisfactionresponse": ("phone",),
}


def resident_phone_fields(model) -> tuple[str, ...]:
    return RESIDENT_PHONE_FIELDS.get(model._meta.label_lower, ())


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
