from datetime import date, datetime

from django import template
from django.utils import timezone

from consult_portal.privacy import mask_phone as _mask_phone
from consult_portal.privacy import retention_months

register = template.Library()


@register.filter
def mask_phone(phone: str) -> str:
    """138****1234: residents' numbers are shown masked unless a role needs them whole (see privacy.mask_phone)."""
    return _mask_phone(phone)


@register.simple_tag
def submitter_retention_months() -> int:
    """How many months residents' names and phones are kept once no longer needed (for the privacy notices)."""
    return retention_months()


@register.filter
def machine_time(value) -> str:
    """The value of a <time datetime> attribute (#18): a date as 2026-12-02, a moment as 2026-12-02T09:30:00+08:00 in
    the portal's time zone, to the second (the HTML checker refuses Django's "c" format, which carries microseconds)."""
    if isinstance(value, datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.replace(microsecond=0).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    return ""
