"""Phone numbers, said once: how a typed number is tidied, and the two kinds the portal asks for.

- A *mobile* (手机) is what residents, members and participants give: it is where SMS go and what check-in and the
  survey match on, so it must be a mainland number of 11 digits (`MobilePhoneField`).
- A *phone* (联系电话) is a responsible unit's contact: a mobile, or a landline with or without its area code, or a
  hotline such as 12345 (`PhoneField`).

A mobile is stored tidied (`normalize_phone`), so "138 0000-1234", "+86 138 0000 1234" and the full-width
"１３８００００１２３４" are one number, "13800001234". A landline keeps the separators it was typed with
("0571-1234567"), to be read on a printed assignment sheet; it is checked tidied.
"""

import re

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
# Digits only once tidied, 5 (a hotline) to 20; a + first for a number abroad.
PHONE = re.compile(r"^\+?\d{5,20}$", re.ASCII)

MOBILE_MESSAGE = _("Enter an 11-digit mobile number, for example 13800001234.")
PHONE_MESSAGE = _("Enter a phone number of digits, spaces, + or -.")

# Full-width digits, plus, hyphen, brackets and space, as a Chinese input method types them.
_HALF_WIDTH = str.maketrans("０１２３４５６７８９＋－（）\u3000", "0123456789+-() ")
_SEPARATORS = re.compile(r"[\s()\-\u2010-\u2015]")
# +86 or 0086 in front of a mobile; a landline abroad-style (+86 571 …) keeps its prefix rather than lose its 0.
_COUNTRY_CODE = re.compile(r"^(?:\+|00)86(?=1\d{10}$)", re.ASCII)


def normalize_phone(value) -> str:
    """The number tidied: half-width digits, no spaces, hyphens or brackets, and no +86 or 0086 before a mobile."""
    if not value:
        return ""
    text = _SEPARATORS.sub("", str(value).translate(_HALF_WIDTH))
    return _COUNTRY_CODE.sub("", text)


def is_mobile(value: str) -> bool:
    """Whether a tidied number is a mainland mobile number."""
    return MOBILE.fullmatch(value) is not None


def validate_mobile(value: str) -> None:
    if not is_mobile(value):
        raise ValidationError(MOBILE_MESSAGE, code="mobile")


def validate_phone(value: str) -> None:
    digits = normalize_phone(value)
    if PHONE.fullmatch(digits) is None:
        raise ValidationError(PHONE_MESSAGE, code="phone")
    # No landline starts with 1 (area codes start with 0, local numbers with 2–9): past a short hotline, it is a mobile.
    if digits.startswith("1") and len(digits) > 5 and not is_mobile(digits):
        raise ValidationError(MOBILE_MESSAGE, code="mobile")


class MobilePhoneField(forms.CharField):
    """A mainland mobile number, cleaned to its 11 digits; each form keeps its own label, help text and widget.

    A form shown again with an error still shows what was typed.
    """

    default_validators = [validate_mobile]

    def to_python(self, value):
        value = super().to_python(value)
        return normalize_phone(value) if value else value


class PhoneField(forms.CharField):
    """A contact phone: a mobile, cleaned to its 11 digits, or a landline or hotline, kept as typed (half-width)."""

    default_validators = [validate_phone]

    def to_python(self, value):
        value = super().to_python(value)
        if not value:
            return value
        tidied = normalize_phone(value)
        return tidied if is_mobile(tidied) else " ".join(value.translate(_HALF_WIDTH).split())
