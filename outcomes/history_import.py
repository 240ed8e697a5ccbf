"""The ledger of past outcome items (成果台账): see `outcomes.history_ledger`."""

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult_portal.imports import (
    Column,
    Importer,
    Row,
    choice_lookup,
    note_repeat,
)
from consult_portal.models import ResponsibleUnit
from sessions.models import Meeting, RecordItem

from . import history
from .history_ledger import (
    DATE_NOTE,
    METHOD_ALIASES,
    OS,
    STATUS_ALIASES,
    TALLY_COLUMNS,
    count_cell,
    date_cell,
    ledger_row,
)
from .models import OutcomeItem, SurveyTally


def _entered_days(item: OutcomeItem | None) -> dict:
    """The days an item entered before was answered, accepted and published (None each when not, or no item)."""
    if item is None:
        return {"answered_on": None, "closed_on": None, "published_on": None}
    answered = max((e.at for e in item.events.all() if e.kind == history.EK.ANSWERED), default=None)
    return {
        "answered_on": timezone.localdate(answered) if answered else None,
        "closed_on": timezone.localdate(item.closed_at) if item.closed_at else None,
        "published_on": timezone.localdate(item.published_at) if item.published_at else None,
    }


def _entered_tallies(item: OutcomeItem) -> list[history.Tally]:
    """The satisfaction tallies an item entered before was entered with (later surveys are not the ledger's)."""
    return [
        history.Tally(method=t.method, date=t.date, **{k: getattr(t, k) for k in SurveyTally.COUNTS})
        for t in item.tallies.all()
        if t.is_backfilled
    ]


def _iso(day) -> str | None:
    return day.isoformat() if day else None


class OutcomeLedgerImporter(Importer):
    kind = "history_outcomes"
    title = gettext_lazy("Ledger of past outcome items (补录)")
    description = gettext_lazy(
        "The outcome items of past consultations, one a row, with their real dates: handed over, deadline, the "
        "unit's answer, publication and the satisfaction surveys. Each belongs to a meeting of the ledger of past "
        "consultations (会议台账编号), imported first. Matched by 台账编号: a re-upload changes nothing."
    )
    sheet_title = "成果台账"
    order = 91
    columns = (
        Column(
            "ref", "台账编号", required=True, note=gettext_lazy("The item's own number in the ledger, e.g. 2023-001-1.")
        ),
        Column(
            "meeting",
            "会议台账编号",
            required=True,
            note=gettext_lazy("The 台账编号 of its meeting in the ledger of past consultations."),
        ),
        Column(
            "text",
            "成果内容",
            required=True,
            note=gettext_lazy("A text equal to one of the meeting's suggestions is that suggestion handed over."),
        ),
        Column("unit", "承办单位", required=True, note=gettext_lazy("The unit's name, as in the units import.")),
        Column("contact_name", "联系人", note=gettext_lazy("Empty: the unit's usual contact.")),
        Column("contact_phone", "联系电话"),
        Column("handed_over_on", "交办日期", required=True, note=DATE_NOTE),
        Column("deadline", "办理时限", required=True, note=gettext_lazy("A date after the hand-over.")),
        Column(
            "status", "办理状态", required=True, note=gettext_lazy("已交办, 推进中, 已落实, 部分落实 or 暂不具备条件.")
        ),
        Column("answered_on", "答复日期", note=gettext_lazy("For a concluded item: the day the unit answered.")),
        Column("answer", "答复内容", note=gettext_lazy("For a concluded item.")),
        Column("reason", "暂不具备条件原因"),
        Column(
            "closed_on",
            "办结日期",
            note=gettext_lazy("The day the office accepted the answer; empty: the day of the answer."),
        ),
        Column("published_on", "公示日期", note=gettext_lazy("The day the result was published.")),
        Column("problems_solved", "解决问题数", note=gettext_lazy("How many problems it solves; empty: 1.")),
        Column(
            "tally_date", "测评日期", note=gettext_lazy("The day of the satisfaction survey, after the publication.")
        ),
        Column("tally_method", "测评方式", note=gettext_lazy("实地走访 (the default) or 纸质问卷.")),
        *(Column(key, header, note=gettext_lazy("People of the survey who said so.")) for key, header in TALLY_COLUMNS),
    )

    def check(self, rows: list[dict]) -> list[Row]:
        refs = [cells["ref"] for cells in rows if cells["ref"]]
        existing_by_ref = {
            item.ledger_ref: item
            for item in OutcomeItem.objects.filter(ledger_ref__in=refs)
            .select_related("unit")
            .prefetch_related("tallies", "events")
        }
        meetings = {
            m.ledger_ref: m
            for m in Meeting.objects.filter(
                ledger_ref__in=[c["meeting"] for c in rows if c["meeting"]]
            ).prefetch_related("record_items__outcome")
        }
        units = {unit.name: unit for unit in ResponsibleUnit.objects.all()}
        statuses = choice_lookup(OS, STATUS_ALIASES)
        methods = choice_lookup(SurveyTally.Method, METHOD_ALIASES)
        seen, seen_items = {}, {}
        results = []
        for cells in rows:
            row, existing = ledger_row(
                cells, existing_by_ref, seen, _("台账编号 %s belongs to an item not entered later.")
            )
            results.append(row)
            meeting = meetings.get(cells["meeting"])
            if meeting is None:
                row.refuse(
                    _("会议台账编号: there is no meeting “%s”: import the ledger of past consultations first.")
                    % cells["meeting"]
                )
            if not cells["text"]:
                row.refuse(_("成果内容 is missing."))
            unit = units.get(cells["unit"])
            if unit is None:
                row.refuse(_("承办单位: there is no unit “%s”: import the units first.") % cells["unit"])
            contact_name = cells["contact_name"] or (
                existing.contact_name if existing else (unit.contact_name if unit else "")
            )
            contact_phone = cells["contact_phone"] or (
                existing.contact_phone if existing else (unit.contact_phone if unit else "")
            )
            if unit is not None and not contact_name:
                row.refuse(_("联系人: this unit has no usual contact: name the contact person."))
            status = statuses.get(cells["status"].lower()) if cells["status"] else None
            if status is None:
                row.refuse(
                    _("办理状态: unknown status “%s”: write 已交办, 推进中, 已落实, 部分落实 or 暂不具备条件.")
                    % cells["status"]
                )
            handed = date_cell(row, cells, "handed_over_on", "交办日期", required=True)
            deadline = date_cell(row, cells, "deadline", "办理时限", required=True)
            answered = date_cell(row, cells, "answered_on", "答复日期")
            closed = date_cell(row, cells, "closed_on", "办结日期")
            published = date_cell(row, cells, "published_on", "公示日期")
            entered = _entered_days(existing)
            if existing is not None:  # a blank cell keeps what the portal holds
                answered = answered if cells["answered_on"] else entered["answered_on"]
                closed = closed if cells["closed_on"] else entered["closed_on"]
                published = published if cells["published_on"] else entered["published_on"]
            problems = count_cell(row, cells["problems_solved"], "解决问题数")
            if problems == 0:
                row.refuse(_("解决问题数: an outcome solves at least one problem: enter 1 or more."))
            problems = problems or (existing.problems_solved if existing else 1)
            tallies = []
            tally_counts = {key: count_cell(row, cells[key], header) for key, header in TALLY_COLUMNS}
            tally_day = date_cell(row, cells, "tally_date", "测评日期")
            if any(value is not None for value in tally_counts.values()) or tally_day:
                method = (
                    methods.get(cells["tally_method"].lower())
                    if cells["tally_method"]
                    else SurveyTally.Method.FIELD_VISIT
                )
                if method is None:
                    row.refuse(_("测评方式: unknown method “%s”: write 实地走访 or 纸质问卷.") % cells["tally_method"])
                if tally_day is None and not cells["tally_date"]:
                    row.refuse(_("测评日期 is missing."))
                if method and tally_day:
                    tallies.append(
                        history.Tally(method=method, date=tally_day, **{k: v or 0 for k, v in tally_counts.items()})
                    )
            elif existing is not None:
                tallies = _entered_tallies(existing)
            if status is not None and None not in (handed, deadline) and not row.refused:
                final = status in OutcomeItem.FINAL
                errors = history.check_dates(
                    meeting=meeting,
                    handed_over_on=handed,
                    deadline=deadline,
                    status=status,
                    answered_on=answered,
                    closed_on=history.accepted_on(status, answered, closed),
                    published_on=published,
                    tallies=tallies,
                )
                labels = {
                    "handed_over_on": "交办日期",
                    "deadline": "办理时限",
                    "status": "办理状态",
                    "answered_on": "答复日期",
                    "closed_on": "办结日期",
                    "published_on": "公示日期",
                    "tallies": "测评日期",
                }
                for name, message in errors.items():
                    row.refuse(f"{labels[name]}：{message}")
                if final and not (cells["answer"] or (existing.answer if existing else "")):
                    row.refuse(_("答复内容: a concluded item needs the unit's answer."))
                if status == OS.NOT_FEASIBLE and not (cells["reason"] or (existing.reason if existing else "")):
                    row.refuse(_("暂不具备条件原因: say why the item is not feasible for now."))
            record_item = None
            if meeting is not None and cells["text"]:
                note_repeat(seen_items, row, (meeting.pk, cells["text"]), "成果内容", cells["text"][:30])
                for candidate in meeting.record_items.all():
                    taken = getattr(candidate, "outcome", None)
                    if candidate.text == cells["text"] and (taken is None or taken == existing):
                        record_item = candidate
                        break
            closed = history.accepted_on(status, answered, closed)
            after = {
                "meeting_id": meeting.pk if meeting else None,
                "text": cells["text"],
                "unit_id": unit.pk if unit else None,
                "contact_name": contact_name,
                "contact_phone": contact_phone,
                "handed_over_on": handed.isoformat() if handed else None,
                "deadline": deadline.isoformat() if deadline else None,
                "status": status,
                "answered_on": answered.isoformat() if answered else None,
                "answer": cells["answer"] or (existing.answer if existing else ""),
                "reason": cells["reason"] or (existing.reason if existing else ""),
                "closed_on": closed.isoformat() if closed else None,
                "published_on": published.isoformat() if published else None,
                "problems_solved": problems,
                "tallies": [tally.as_dict() for tally in tallies],
            }
            before = None
            if existing is not None:
                before = {
                    "meeting_id": existing.meeting_id,
                    "text": existing.text,
                    "unit_id": existing.unit_id,
                    "contact_name": existing.contact_name,
                    "contact_phone": existing.contact_phone,
                    "handed_over_on": existing.handed_over_on.isoformat(),
                    "deadline": existing.deadline.isoformat(),
                    "status": existing.status,
                    "answered_on": _iso(entered["answered_on"]),
                    "answer": existing.answer,
                    "reason": existing.reason,
                    "closed_on": _iso(entered["closed_on"]),
                    "published_on": _iso(entered["published_on"]),
                    "problems_solved": existing.problems_solved,
                    "tallies": [tally.as_dict() for tally in _entered_tallies(existing)],
                }
            labels = {**self.labels, "meeting_id": "会议台账编号", "unit_id": "承办单位", "tallies": "测评日期"}
            row.settle(before=before, after=after, labels=labels)
            row.data = after | {
                "ref": cells["ref"],
                "item_id": existing.pk if existing else None,
                "record_item_id": record_item.pk if record_item and existing is None else None,
            }
        return results

    def write_order(self, results: list[Row]) -> list[Row]:
        """In the sheet's order; a meeting's topics are concluded once, after its last item is written."""
        last = {}
        for row in results:
            row.conclude_topics = False
            if row.action in ("create", "update"):
                last[row.data["meeting_id"]] = row
        for row in last.values():
            row.conclude_topics = True
        return results

    def write(self, row: Row, *, by) -> None:
        data = row.data
        day = lambda key: datetime.fromisoformat(data[key]).date() if data[key] else None  # noqa: E731
        history.outcome_backfill(
            by=by,
            text=data["text"],
            unit=ResponsibleUnit.objects.get(pk=data["unit_id"]),
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            handed_over_on=day("handed_over_on"),
            deadline=day("deadline"),
            status=data["status"],
            meeting=Meeting.objects.get(pk=data["meeting_id"]),
            record_item=RecordItem.objects.get(pk=data["record_item_id"]) if data["record_item_id"] else None,
            answer=data["answer"],
            answered_on=day("answered_on"),
            reason=data["reason"],
            closed_on=day("closed_on"),
            published_on=day("published_on"),
            problems_solved=data["problems_solved"],
            tallies=[
                history.Tally(**{**tally, "date": datetime.fromisoformat(tally["date"]).date()})
                for tally in data["tallies"]
            ],
            ledger_ref=data["ref"],
            item=OutcomeItem.objects.get(pk=data["item_id"]) if data["item_id"] else None,
            conclude_topics=getattr(row, "conclude_topics", True),
        )
