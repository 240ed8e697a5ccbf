"""The assignment sheets (交办单) as Word documents, per item and per meeting."""

from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH

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
    table,
)
from sessions import selectors as meeting_selectors

from .. import selectors
from ..models import OutcomeItem


def _assignment_sheet(document, item: OutcomeItem) -> None:
    paragraph(
        document,
        _("No. %(number)s (%(year)s)") % {"number": item.pk, "year": item.created_at.year},
        indent=False,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
    )
    source = []
    if item.meeting:
        source.append(f"{item.meeting.title}（{chinese_date(item.meeting.starts_at)}）")
    if item.topic:
        source.append(_("Topic") + f"：{item.topic.title}")
    contact = item.contact_name + (f"，{item.contact_phone}" if item.contact_phone else "")
    table(
        document,
        [
            [_("Responsible unit"), item.unit.name],
            [_("Contact person"), contact],
            [_("Source"), "\n".join(source)],
            [_("Outcome item"), item.text],
            [_("Handed over"), chinese_date(item.created_at)],
            [_("Handling deadline"), chinese_date(item.deadline)],
            [
                _("Requirements"),
                _(
                    "Please study the item and handle it seriously; report progress in the consultation portal as it "
                    "happens, and give the handling result and its status before the deadline. Where the item cannot "
                    "be done for now, explain the reason."
                ),
            ],
        ],
        widths=[36, 120],
    )
    table(
        document,
        [
            [_("Handed over by (office, stamp)"), _("Received by (unit, signature and date)")],
            ["\n\n\n", "\n\n\n"],
        ],
        widths=[78, 78],
    )


@capability_required("exports.download")
@in_chinese
def outcome_assignment(request, pk: int):
    """交办单 of one outcome item."""
    item = selectors.item_for_user(request, pk)
    title = _("Assignment sheet for consultation outcomes")
    document = new_document(title=title)
    _assignment_sheet(document, item)
    audit.record(actor=request.user, action="assignment_sheet_export", obj=item, request=request)
    return docx_response(document, docx_filename(f"{title}-{item.pk}"))


@capability_required("exports.download")
@in_chinese
def meeting_assignments(request, pk: int):
    """The assignment sheets of every item handed over from a meeting, one to a page."""
    meeting = meeting_selectors.meeting_for_user(request, pk)
    items = list(OutcomeItem.objects.filter(meeting=meeting).select_related("unit", "meeting", "topic").order_by("pk"))
    title = _("Assignment sheet for consultation outcomes")
    document = new_document(title=title)
    if not items:
        paragraph(document, _("No item has been handed over from this meeting yet."))
    for index, item in enumerate(items):
        if index:
            page_break(document)
            masthead(document, title=title)
        _assignment_sheet(document, item)
    audit.record(
        actor=request.user, action="assignment_sheet_export", obj=meeting, after={"items": len(items)}, request=request
    )
    return docx_response(document, docx_filename(f"{title}-{meeting.title}"))
