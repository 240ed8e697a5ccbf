"""What an assignment sheet (交办单) says, in order. The printable page and the Word document are both drawn from
`assignment_sheet(item)`: a row added here appears on both."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from .models import OutcomeItem


@dataclass(frozen=True)
class SheetRow:
    label: str
    value: object
    # text: plain text; date: a date or datetime; deadline: the date that matters most;
    # contact: (name, phone); source: [(text, date or None), …], one line each.
    kind: str = "text"


@dataclass(frozen=True)
class AssignmentSheet:
    item: OutcomeItem
    title: str
    number: str
    rows: list[SheetRow]
    signatures: tuple[str, str]


def requirements() -> str:
    return _(
        "Please study the item and handle it seriously; report progress in the consultation portal as it happens, "
        "and give the handling result and its status before the deadline. Where the item cannot be done for now, "
        "explain the reason."
    )


def assignment_sheet(item: OutcomeItem) -> AssignmentSheet:
    source = []
    if item.meeting:
        source.append((item.meeting.title, item.meeting.starts_at))
    if item.topic:
        source.append((_("Topic") + f"：{item.topic.title}", None))
    return AssignmentSheet(
        item=item,
        title=_("Assignment sheet for consultation outcomes"),
        # The per-year number given at the hand-over (2026-交-017); none on an item made outside the service.
        number=_("No. %(number)s") % {"number": item.number} if item.number else "",
        rows=[
            SheetRow(_("Responsible unit"), item.unit.name),
            SheetRow(_("Contact person"), (item.contact_name, item.contact_phone), kind="contact"),
            SheetRow(_("Source"), source, kind="source"),
            SheetRow(_("Outcome item"), item.text),
            SheetRow(_("Handed over"), item.handed_over_on, kind="date"),
            SheetRow(_("Handling deadline"), item.deadline, kind="deadline"),
            SheetRow(_("Requirements"), requirements()),
        ],
        signatures=(_("Handed over by (office, stamp)"), _("Received by (unit, signature and date)")),
    )
