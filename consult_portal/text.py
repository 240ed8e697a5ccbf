"""Text that every writer can hold and no spreadsheet evaluates (#13).

`clean_text` drops the characters nobody types and no document can hold: the control characters other than tab,
newline and carriage return, the non-characters U+FFFE and U+FFFF and lone surrogates. XML 1.0 forbids most of
them, so openpyxl (.xlsx) and lxml (.docx) refuse a string that holds one, and one submitted title would break
every export it appears in. Every form of the portal takes them out of what was sent
(`consult_portal.forms.CleanTextMixin`), and every writer takes them out again, for text stored before or some
other way.

`looks_like_formula` names the cells a spreadsheet would read as a formula (OWASP's CSV injection advice): text
that starts with `=`, `+`, `-`, `@`, a tab or a carriage return. The writers store such text as text.
"""

import re

UNWRITABLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def clean_text(value) -> str:
    """The text (a string, or a lazy translation) without the characters that no document can hold."""
    return UNWRITABLE.sub("", str(value))


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)


def clean_data(data):
    """A form's submitted data (a QueryDict, or a dict in tests and services) with every text value cleaned.

    Passwords stay as typed: one is compared, never shown or exported, and the login form does not clean it."""
    if data is None:
        return None
    if hasattr(data, "lists"):  # QueryDict, MultiValueDict
        cleaned = data.copy()
        for key, values in data.lists():
            if not _is_password(key):
                cleaned.setlist(key, [_clean_value(value) for value in values])
        return cleaned
    return {key: value if _is_password(key) else _clean_value(value) for key, value in data.items()}


def _is_password(key) -> bool:
    return "password" in str(key)


def _clean_value(value):
    if isinstance(value, str):
        return clean_text(value)
    if isinstance(value, list | tuple):
        return type(value)(_clean_value(item) for item in value)
    return value
