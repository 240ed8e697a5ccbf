"""Yes/no cells of the imports (是否试点): 是 or 否, as a clerk types them; a blank cell says nothing."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

YES = {"是", "y", "yes", "true", "1", "√", "✓", "试点"}
NO = {"否", "n", "no", "false", "0", "×", "非试点"}
PILOT_HEADER = "是否试点"
PILOT_NOTE = gettext_lazy("是 for a pilot (试点), 否 otherwise; blank keeps what the portal has (否 for a new one).")


def yes_no(row, text: str, header: str, current: bool) -> bool:
    """The cell's answer, `current` when blank; an answer other than yes or no refuses the row."""
    text = (text or "").strip().lower()
    if not text:
        return current
    if text in YES:
        return True
    if text in NO:
        return False
    row.refuse(_("%(header)s: write 是 or 否, not “%(value)s”.") % {"header": header, "value": text})
    return current
