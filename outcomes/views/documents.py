"""The assignment sheets (交办单) as Word documents, per item and per meeting."""

from django.utils.translation import gettext as _

from consult_portal import audit
from consult_portal.access import capability_required
from consult_portal.documents import (
    chinese_date,
    docx_filename,
    docx_response,
    in_chinese,
    masthead,
    new_document,
    page_break,
    paragraph,
    sign_off,
    table,
)
from sessions import selectors as meeting_selectors

from .. import selectors
from ..models import OutcomeItem
from ..sheets import SheetRow, assignment_sheet


def _cell(row: SheetRow) -> str:
    if row.kind == "contact":
        name, phone = row.value
        return name + (f"，{phone}" if phone else "")
    if row.kind == "source":
        return "\n".join(f"{text}（{chinese_date(when)}）" if when else text for text, when in row.value)
    if row.kind in ("date", "deadline"):
        return chinese_date(row.value)
    return str(row.value)


def _assignment_sheet(document, item: OutcomeItem, *, first: bool):
    """One sheet: its masthead with its number, addressed to the unit (a further sheet of the file after a page
    break), the table, the signatures, and the office's sign-off dated by the hand-over."""
    sheet = assignment_sheet(item)
    if first:
        document = new_document(title=sheet.title, number=sheet.number, addressee=item.unit.name)
    else:
        page_break(document)
        masthead(document, title=sheet.title, number=sheet.number, addressee=item.unit.name)
    table(document, [[row.label, _cell(row)] for row in sheet.rows])
    table(document, [list(sheet.signatures), ["\n\n\n", "\n\n\n"]], widths=[78, 78])
    sign_off(document, date=item.handed_over_on)
    return document


@capability_required("exports.download")
@in_chinese
def outcome_assignment(request, pk: int):
    """交办单 of one outcome item."""
    item = selectors.item_for_user(request, pk)
    title = _("Assignment sheet for consultation outcomes")
    document = _assignment_sheet(None, item, first=True)
    audit.record(actor=request.user, action="assignment_sheet_export", obj=item, request=request)
    return docx_response(document, docx_filename(f"{title}-{item.pk}"))


@capability_required("exports.download")
@in_chinese
def meeting_assignments(request, pk: int):
    """The assignment sheets of every item handed over from a meeting, one to a page."""
    meeting = meeting_selectors.meeting_for_user(request, pk)
    items = list(OutcomeItem.objects.filter(meeting=meeting).select_related("unit", "meeting", "topic").order_by("pk"))
    title = _("Assignment sheet for consultation outcomes")
    if items:
        document = None
        for index, item in enumerate(items):
            document = _assignment_sheet(document, item, first=index == 0)
    else:
        document = new_document(title=title, addressee=meeting.platform.name)
        paragraph(document, _("No item has been handed over from this meeting yet."))
        sign_off(document)
    audit.record(
        actor=request.user, action="assignment_sheet_export", obj=meeting, after={"items": len(items)}, request=request
    )
    return docx_response(document, docx_filename(f"{title}-{meeting.title}"))
