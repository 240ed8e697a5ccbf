"""The ledger import (台账补录): the office's record of past consultations and their outcomes, entered with their real
dates through the import framework (`consult_portal.imports`) — two sheets, imported in order:

- 协商台账 (`history_meetings`): one row per consultation held — its date, platform, town, topic, form, record,
  participation, suggestions and consensus. Written by `sessions.history.meeting_backfill`.
- 成果台账 (`history_outcomes`): one row per outcome item — the meeting's ledger number, the text, the unit, the
  day handed over, the deadline, the status, the answer and its day, the publication, problems solved and the
  satisfaction tallies. Written by `outcomes.history.outcome_backfill`.

Each row is matched by its ledger number (台账编号): a re-upload of the same sheet changes nothing, a changed row
updates what it entered before. The rules are those of history entry (past dates allowed, in the order things
happen); every refusal names its column. This module sits in the outcomes app, the top of the chain: it creates
meetings and items, and the topics the meetings consulted.
"""

from datetime import time, timedelta

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult_portal.imports import Row, note_repeat, parse_date
from sessions.models import Meeting

from .models import OutcomeItem, SurveyTally

OS = OutcomeItem.Status
TIME_DEFAULT = time(9, 0)
LENGTH_DEFAULT = timedelta(hours=2)

FORM_ALIASES = {
    "会议": Meeting.Form.MEETING,
    "院坝协商": Meeting.Form.ON_SITE,
    "现场协商": Meeting.Form.ON_SITE,
    "实地协商": Meeting.Form.ON_SITE,
    "书面": Meeting.Form.WRITTEN,
    "网络": Meeting.Form.ONLINE,
    "线上协商": Meeting.Form.ONLINE,
    "专家": Meeting.Form.EXPERT,
    "界别": Meeting.Form.SECTOR,
}
STATUS_ALIASES = {
    "交办": OS.ASSIGNED,
    "办理中": OS.IN_PROGRESS,
    "在办": OS.IN_PROGRESS,
    "落实": OS.IMPLEMENTED,
    "已办结": OS.IMPLEMENTED,
    "部分": OS.PARTLY,
    "暂缓": OS.NOT_FEASIBLE,
    "暂不具备条件": OS.NOT_FEASIBLE,
    "不具备条件": OS.NOT_FEASIBLE,
}
METHOD_ALIASES = {"走访": SurveyTally.Method.FIELD_VISIT, "问卷": SurveyTally.Method.PAPER}
COUNT_COLUMNS = (
    ("attendance_count", "参加人数"),
    ("walk_in_count", "自发参与群众数"),
    ("residents_invited", "邀请群众数"),
    ("residents_attended", "到会群众数"),
    ("departments_count", "参与部门数"),
    ("member_times", "委员参与人次"),
)
TALLY_COLUMNS = tuple(zip(SurveyTally.COUNTS, ("非常满意", "满意", "基本满意", "不满意", "非常不满意"), strict=True))
DATE_NOTE = gettext_lazy("A date such as 2023-05-12 (or 2023/5/12, 2023年5月12日).")


def date_cell(row: Row, cells: dict, key: str, header: str, *, required: bool = False):
    text = cells.get(key, "")
    if not text:
        if required:
            row.refuse(_("%s is missing.") % header)
        return None
    try:
        return parse_date(text)
    except ValueError:
        row.refuse(_("%(header)s: “%(value)s” is not a date.") % {"header": header, "value": text})
        return None


def time_cell(row: Row, text: str, header: str):
    if not text:
        return None
    try:
        hours, _sep, minutes = text.replace("：", ":").partition(":")
        return time(int(hours), int(minutes or 0))
    except ValueError:
        row.refuse(_("%(header)s: “%(value)s” is not a time such as 09:30.") % {"header": header, "value": text})
        return None


def count_cell(row: Row, text: str, header: str):
    if not text:
        return None
    try:
        value = int(text)
    except ValueError:
        value = -1
    if value < 0:
        row.refuse(_("%(header)s: “%(value)s” is not a whole number of 0 or more.") % {"header": header, "value": text})
        return None
    return value


def refuse_errors(row: Row, error: ValidationError, labels: dict) -> None:
    """A rule's refusal on the row, each message after the header of its column."""
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            label = labels.get(name)
            for message in messages:
                row.refuse(f"{label}：{message}" if label else message)
    else:
        for message in error.messages:
            row.refuse(message)


def ledger_row(cells: dict, existing_by_ref: dict, seen: dict, not_entered_later: str) -> tuple[Row, object]:
    """A sheet's row and what the portal holds under its 台账编号 (None when nothing): refused when the number is
    missing, repeats an earlier row's, or belongs to a record not entered later (`not_entered_later`, %s the number)."""
    row = Row(line=cells["line"], cells=cells)
    existing = existing_by_ref.get(cells["ref"])
    if not cells["ref"]:
        row.refuse(_("台账编号 is missing."))
    else:
        note_repeat(seen, row, cells["ref"], "台账编号", cells["ref"])
    if existing is not None and not existing.is_backfilled:
        row.refuse(not_entered_later % cells["ref"])
    return row, existing
