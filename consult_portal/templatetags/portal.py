from django import template

register = template.Library()


@register.filter
def mask_phone(phone: str) -> str:
    """138****1234: residents' numbers are shown masked unless a role needs them whole."""
    phone = phone or ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"
