"""Imports with preview: one framework for every sheet the office uploads (areas, units, logins, platforms,
committees, members…), so that no import re-implements reading, previewing or confirming.

An app describes its sheet with an `Importer`: its columns (the Chinese headers county staff read, which ones a
sheet must have), `check(rows)`, which sorts every row into create / update / unchanged / error with every reason
and writes nothing, and `write(row, by=)`, which writes one checked row with its audit entry. The base does the
rest once: the .xlsx template built from the columns, reading an upload (a real workbook, whatever its name; the
required columns present, named when missing), and `apply`, which claims the preview's one-time token
(`ImportBatch`, so a double confirm imports once), checks the sheet again and writes its good rows, all in one
transaction. A blank cell never clears a value: on an update it keeps what the portal holds.

The base imports no app: each app registers its importers from its AppConfig.ready (`register`).
"""

import hashlib
import io
import json
import re
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from . import audit
from .models import ImportBatch
from .text import clean_text
from .typography import halfwidth

MAX_UPLOAD_BYTES = 5 * 1024 * 1024
MAX_ROWS = 5000

CREATE, UPDATE, UNCHANGED, ERROR = "create", "update", "unchanged", "error"
ACTIONS = (CREATE, UPDATE, UNCHANGED, ERROR)
WRITTEN = (CREATE, UPDATE)

ALREADY_CONFIRMED = gettext_lazy("This import has already been confirmed; nothing was imported twice.")
CHANGED = gettext_lazy(
    "The portal has changed since the preview, so nothing was imported: upload the sheet again to see what it "
    "would do now."
)


class SheetError(ValueError):
    """The upload as a whole is refused: not a workbook, no sheet, missing columns, too many rows."""


@dataclass(frozen=True)
class Column:
    key: str
    header: str  # what the sheet's first row says: Chinese, as county staff type and read it
    required: bool = False  # the sheet must have this column (its cells may still be checked one by one)
    note: str = ""  # how to fill it in, on the template's second sheet (a lazy translation)


@dataclass
class Row:
    """One data row of a sheet and what the import will do with it."""

    line: int  # the row's number in the sheet, as Excel shows it
    cells: dict  # the sheet's text, by column key
    action: str = CREATE
    reasons: list = field(default_factory=list)  # every reason it is refused, when it is
    data: dict = field(default_factory=dict)  # what `write` needs, JSON-safe (ids, codes, ISO dates)
    changes: list = field(default_factory=list)  # the headers an update changes
    values: list = field(default_factory=list)  # the cells in column order, for the preview

    def refuse(self, reason: str) -> None:
        self.reasons.append(str(reason))

    def validate(self, validator, value: str, header: str) -> None:
        """Refuse the row with the column's header and the validator's message when `value` fails it."""
        try:
            validator(value)
        except ValidationError as error:
            self.refuse(f"{header}：{error.messages[0]}")

    @property
    def refused(self) -> bool:
        return bool(self.reasons)

    def settle(self, *, before: dict | None, after: dict, labels: dict) -> None:
        """Set the action: error when refused, create when nothing matched (`before` None), else update with the
        headers whose value differs, or unchanged."""
        if self.reasons:
            self.action = ERROR
        elif before is None:
            self.action = CREATE
        else:
            self.changes = [labels[key] for key in after if before.get(key) != after[key]]
            self.action = UPDATE if self.changes else UNCHANGED


class Importer:
    """One kind of sheet. Subclasses set the attributes and write `check` and `write`."""

    kind = ""  # in URLs and on `ImportBatch`
    title = ""  # the import's name on the imports page
    description = ""  # what a row is, how it is matched to what the portal holds
    sheet_title = ""  # the template's sheet name
    order = 100  # the imports page lists them in the order a new county enters them
    columns: tuple[Column, ...] = ()
    # The printed sheet shown once after confirm (the logins' initial passwords): its headers, and rows that
    # `write` appends to `self.handout`.
    handout_columns: tuple[str, ...] = ()

    def __init__(self):
        self.handout: list[list[str]] = []

    def check(self, rows: list[dict]) -> list[Row]:
        raise NotImplementedError

    def write(self, row: Row, *, by) -> None:
        raise NotImplementedError

    def write_order(self, results: list[Row]) -> list[Row]:
        """The rows in the order `write` takes them (a town before its villages)."""
        return results

    @property
    def labels(self) -> dict[str, str]:
        return {column.key: column.header for column in self.columns}

    def template(self) -> bytes:
        return template_workbook(self)

    def read(self, file) -> list[dict]:
        return read_rows(file, self.columns)


# -- the registry -------------------------------------------------------------------------------

_registry: dict[str, type[Importer]] = {}


def register(importer: type[Importer]) -> type[Importer]:
    if not importer.kind or _registry.get(importer.kind, importer) is not importer:
        raise ValueError(f"An importer needs a kind of its own: {importer.kind!r}")
    _registry[importer.kind] = importer
    return importer


def get(kind: str) -> Importer | None:
    importer = _registry.get(kind)
    return importer() if importer is not None else None


def importers() -> list[Importer]:
    return sorted((importer() for importer in _registry.values()), key=lambda importer: importer.order)


# -- sheets -------------------------------------------------------------------------------------


def template_workbook(importer: Importer) -> bytes:
    """The sheet to fill in (its headers, the required ones bold) and a second sheet saying how."""
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = importer.sheet_title or importer.kind
    sheet.append([column.header for column in importer.columns])
    for cell, column in zip(sheet[1], importer.columns, strict=True):
        cell.font = Font(bold=column.required)
        sheet.column_dimensions[cell.column_letter].width = max(12, 2 * len(column.header) + 4)
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet("说明")
    notes.append([str(_("Column")), str(_("Required")), str(_("How to fill it in"))])
    for column in importer.columns:
        notes.append([column.header, str(_("yes")) if column.required else "", str(column.note)])
    notes.append([])
    notes.append(["", "", str(_("Keep the first row as it is. A blank cell leaves the portal's value unchanged."))])
    notes.column_dimensions["C"].width = 80
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def cell_text(value) -> str:
    """A cell as the text it shows: a phone typed as a number without its ".0", a date cell as 2024-03-01."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime):
        value = value.date() if value.time() == datetime.min.time() else value.replace(microsecond=0)
    if isinstance(value, date):
        value = value.isoformat()
    return clean_text(value).strip()  # a sheet is typed text too: no control characters (#13)


def too_many_rows() -> str:
    return ngettext("The sheet has more than %(max)d row.", "The sheet has more than %(max)d rows.", MAX_ROWS) % {
        "max": MAX_ROWS
    }


def read_rows(file, columns: tuple[Column, ...]) -> list[dict]:
    """The data rows of the first sheet as dicts keyed by column, each with its sheet line number ("line").

    The file must be a real .xlsx (a zip that openpyxl opens), whatever it is called; columns are found by their
    header, in any order; the required ones missing refuse the whole sheet, naming them.
    """
    try:
        if hasattr(file, "seek"):
            file.seek(0)
        if not zipfile.is_zipfile(file):
            raise SheetError(_("This file is not an Excel workbook (.xlsx)."))
        file.seek(0)
        workbook = load_workbook(file, read_only=True, data_only=True)
    except SheetError:
        raise
    except Exception as error:  # openpyxl raises zip, XML and key errors for a zip that is not a workbook
        raise SheetError(_("This file is not an Excel workbook (.xlsx).")) from error
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise SheetError(_("The workbook has no sheet."))
        lines = sheet.iter_rows(values_only=True)
        header = [cell_text(value) for value in next(lines, ())]
        by_header = {text: index for index, text in enumerate(header) if text}
        missing = [column.header for column in columns if column.required and column.header not in by_header]
        if missing:
            raise SheetError(_("The first row must hold the template's headers; missing: %s") % "、".join(missing))
        rows = []
        for number, values in enumerate(lines, start=2):
            cells = {}
            for column in columns:
                index = by_header.get(column.header)
                cells[column.key] = cell_text(values[index]) if index is not None and index < len(values) else ""
            if not any(cells.values()):
                if number > 2 * MAX_ROWS:  # rows of nothing but formatting still cost reading
                    raise SheetError(too_many_rows())
                continue
            if len(rows) >= MAX_ROWS:
                raise SheetError(too_many_rows())
            rows.append({"line": number, **cells})
        return rows
    finally:
        workbook.close()


# -- reading cells ------------------------------------------------------------------------------

LIST_SEPARATORS = re.compile(r"[；;、，,\n]+")
DATE = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[ T]00:00(?::00)?)?$")


def split_list(text: str, separators=LIST_SEPARATORS) -> list[str]:
    """ "甲镇；乙镇、丙镇" as ["甲镇", "乙镇", "丙镇"]: the parts of a cell listing several things."""
    return [part.strip() for part in separators.split(text) if part.strip()]


def parse_date(text: str) -> date:
    """2024-03-01, 2024/3/1, 2024.3.1 or 2024年3月1日. Raises ValueError."""
    match = DATE.match(text.strip())
    if match is None:
        raise ValueError(text)
    return date(*(int(part) for part in match.groups()))


def parse_year(text: str) -> int:
    """2021 or 2021年. Raises ValueError."""
    year = int(text.strip().removesuffix("年"))
    if not 1949 <= year <= 2200:
        raise ValueError(text)
    return year


def choice_lookup(choices, aliases: dict[str, str] | None = None) -> dict[str, str]:
    """What a cell may say for each value of a TextChoices: the value, its English and Chinese labels and the
    aliases county staff use; keys lower-cased (look up `text.lower()`). A Chinese label is also known with ASCII
    brackets and marks (镇(街道)政府 for 镇（街道）政府), as templates filled in before #18 wrote it."""
    lookup = {}
    for value, label in choices.choices:
        lookup[value.lower()] = value
        with translation.override("en"):
            lookup[str(label).lower()] = value
        with translation.override("zh-hans"):
            lookup[str(label).lower()] = value
            lookup[halfwidth(str(label)).lower()] = value
    for text, value in (aliases or {}).items():
        lookup[text.lower()] = value
    return lookup


def model_errors(instance, labels: dict[str, str], **full_clean) -> list[str]:
    """`instance.full_clean(**full_clean)`'s refusals, each after the header of its column ("名称：…"). An instance
    given the pk of a row it will update is checked as that row (its own code is no duplicate)."""
    if instance.pk is not None:
        instance._state.adding = False
    try:
        instance.full_clean(**full_clean)
    except ValidationError as error:
        if not hasattr(error, "error_dict"):
            return list(error.messages)
        reasons = []
        for name, messages in error.message_dict.items():
            label = labels.get(name) or labels.get(name.removesuffix("_id"))
            reasons += [f"{label}：{message}" if label else message for message in messages]
        return reasons
    return []


def note_repeat(seen: dict, row: Row, key, header: str, text: str) -> None:
    """Refuse `row` when an earlier row of the sheet had the same `key` (a code, a name); remember it otherwise."""
    if key in seen:
        row.refuse(
            _("%(header)s “%(value)s” is already on row %(line)d.")
            % {"header": header, "value": text, "line": seen[key]}
        )
    else:
        seen[key] = row.line


def note_name(seen: dict, row: Row, name: str) -> bool:
    """Refuse `row` without a name, or with a name an earlier row of the sheet had; whether it has a name."""
    if not name:
        row.refuse(_("Name is missing."))
        return False
    note_repeat(seen, row, name, "名称", name)
    return True


# -- preview and confirm ------------------------------------------------------------------------


def preview(importer: Importer, rows: list[dict]) -> list[Row]:
    """Every row checked, nothing written."""
    results = importer.check(rows)
    for row in results:
        row.values = [row.cells.get(column.key, "") for column in importer.columns]
    return results


def tally(results: list[Row]) -> dict[str, int]:
    return {action: sum(row.action == action for row in results) for action in ACTIONS}


def plan_digest(results: list[Row]) -> str:
    """What confirming would write, in a few bytes: the preview keeps it, `apply` writes only the same plan."""
    plan = [(row.line, row.action, row.data) for row in results if row.action in WRITTEN]
    return hashlib.sha256(json.dumps(plan, sort_keys=True, default=str).encode()).hexdigest()


def was_confirmed(token: str) -> bool:
    return ImportBatch.objects.filter(token=token).exists()


@transaction.atomic
def apply(importer: Importer, *, token: str, rows: list[dict], digest: str, by, file_name: str = "") -> ImportBatch:
    """Write the good rows of a previewed sheet (its create and update rows), in one transaction.

    The preview's `token` is claimed first: confirming it again, even at the same moment (the second waits for the
    first), is refused with `ALREADY_CONFIRMED` (code "already_confirmed") and writes nothing. The sheet is then
    checked again: if what it would write is no longer what the preview showed (`digest`), say a code taken
    meanwhile, nothing is written, claim included (`CHANGED`, code "changed"), and the same token may be confirmed
    again once the sheet is previewed anew.
    """
    try:
        with transaction.atomic():
            batch = ImportBatch.objects.create(
                token=token, kind=importer.kind, confirmed_by=by, file_name=file_name[:200]
            )
    except IntegrityError:
        raise ValidationError(ALREADY_CONFIRMED, code="already_confirmed") from None
    results = importer.check(rows)
    if plan_digest(results) != digest:
        raise ValidationError(CHANGED, code="changed")
    try:
        with transaction.atomic():
            for row in importer.write_order(results):
                if row.action in WRITTEN:
                    importer.write(row, by=by)
    except IntegrityError:  # another write took a name or code between the check and this one
        raise ValidationError(CHANGED, code="changed") from None
    batch.counts = tally(results)
    batch.save(update_fields=["counts"])
    audit.record(
        actor=by, action="import_confirm", obj=batch, after={"kind": importer.kind, "file": file_name, **batch.counts}
    )
    return batch
