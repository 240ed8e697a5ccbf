from django import template

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
