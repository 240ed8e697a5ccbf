"""Text that no spreadsheet evaluates (#13).

`looks_like_formula` names the cells a spreadsheet would read as a formula (OWASP's CSV injection advice): text
that starts with `=`, `+`, `-`, `@`, a tab or a carriage return. The writers store such text as text.
"""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    return text.startswith(FORMULA_STARTS)
