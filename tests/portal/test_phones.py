"""Phone numbers, said once in consult_portal/phones.py: how a typed number is tidied and which ones are refused."""

import pytest
from django import forms
from django.utils import translation

from consult_portal.phones import MobilePhoneField, PhoneField, normalize_phone

MOBILE_ERROR = "请输入 11 位手机号码"
PHONE_ERROR = "请输入由数字、空格、+ 或 - 组成的电话号码。"


class MobileForm(forms.Form):
    phone = MobilePhoneField(max_length=20, required=False)


class ContactForm(forms.Form):
    phone = PhoneField(max_length=20, required=False)


def _clean(form_class, typed):
    with translation.override("zh-hans"):
        form = form_class({"phone": typed})
        valid = form.is_valid()
        return (form.cleaned_data["phone"] if valid else None), " ".join(form.errors.get("phone", []))


@pytest.mark.parametrize(
    "typed",
    [
        "13800001234",
        "138 0000 1234",
        "138-0000-1234",
        " 138 0000-1234 ",
        "+86 138 0000 1234",
        "+8613800001234",
        "0086 13800001234",
        "１３８００００１２３４",  # full-width digits from a Chinese input method
        "＋８６　１３８－００００－１２３４",  # full-width plus, hyphens and space
        "(138) 0000 1234",
    ],
)
def test_it_tidies_a_typed_mobile_to_its_11_digits(typed):
    assert normalize_phone(typed) == "13800001234"
    assert _clean(MobileForm, typed) == ("13800001234", "")
    assert _clean(ContactForm, typed) == ("13800001234", "")


@pytest.mark.parametrize(
    "typed",
    [
        "abc",
        "12345",  # too short
        "138000012345",  # too long
        "12800001234",  # no mobile starts with 12
        "0571-1234567",  # a landline
        "+852 9123 4567",  # not a mainland mobile
        "٠١٣٨٠٠٠٠١٢٣٤",  # Arabic-Indic digits are digits to Python, not to an SMS gateway
        "1380000123４x",
    ],
)
def test_it_refuses_anything_but_a_mainland_mobile_with_the_chinese_message(typed):
    cleaned, error = _clean(MobileForm, typed)
    assert cleaned is None and MOBILE_ERROR in error


def test_an_empty_optional_mobile_stays_empty():
    assert _clean(MobileForm, "") == ("", "")
    assert _clean(MobileForm, "   ") == ("", "")
    assert normalize_phone(None) == ""


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("0571-1234567", "0571-1234567"),  # a landline keeps its hyphen, for the printed sheet
        ("０５７１－１２３４５６７", "0571-1234567"),
        ("(0571) 1234 5678", "(0571) 1234 5678"),
        ("5551234", "5551234"),  # a local number without its area code
        ("12345", "12345"),  # the government hotline
        ("+852 9123 4567", "+852 9123 4567"),
    ],
)
def test_a_contact_phone_may_be_a_landline_or_a_hotline(typed, stored):
    assert _clean(ContactForm, typed) == (stored, "")


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("abc", PHONE_ERROR),
        ("05-71", PHONE_ERROR),  # too short
        ("0571+1234567", PHONE_ERROR),  # a + only in front
        ("1380000123", MOBILE_ERROR),  # a mobile with a digit missing is no landline
        ("138 0000 12345", MOBILE_ERROR),
    ],
)
def test_a_contact_phone_is_refused_when_it_is_no_number(typed, message):
    cleaned, error = _clean(ContactForm, typed)
    assert cleaned is None and message in error


def test_a_form_shown_again_keeps_what_was_typed():
    form = MobileForm({"phone": "138 0000-123"})
    assert not form.is_valid()
    assert 'value="138 0000-123"' in str(form["phone"])
