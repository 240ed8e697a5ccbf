"""The members' .xlsx exports: the registry list and the sinking coverage."""

from django.db.models import Prefetch, Q
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from consult_portal import audit
from consult_portal.access import capability_required, town_scope
from consult_portal.models import Area
from consult_portal.spreadsheets import audited_export, choice_labels, xlsx_download

from .. import excel
from .. import selectors as member_selectors
from ..imports import LEVELS
from ..models import Assignment, Member


@capability_required("exports.download")
def member_coverage_xlsx(request):
    """The members' sinking coverage of /staff/members/coverage/: each town and village, the members sunk there."""
    data = member_selectors.coverage(town=town_scope(request.user))
    levels = choice_labels(Area.Level.choices)
    rows = (
        [
            row["area"].name,
            levels.get(row["area"].level, row["area"].level),
            len(row["members"]),
            "、".join(member.name for member in row["members"]),
        ]
        for row in data["rows"]
    )
    header = [_("Town or village"), _("Level"), _("Members"), _("Sunk members")]
    return audited_export(
        request,
        name="member-coverage",
        sheet=str(_("Sinking coverage")),
        header=header,
        rows=rows,
        action="member_coverage_export",
    )


LEVEL_LABELS = {value: label for label, value in LEVELS.items() if not label.isascii()}


def _filtered_members(params):
    members = Member.objects.select_related("sector", "committee").prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.select_related("area__parent").order_by("starts_on", "id"),
        )
    )
    if params.get("level") in Member.Level.values:
        members = members.filter(level=params["level"])
    if params.get("sector", "").isdigit():
        members = members.filter(sector_id=params["sector"])
    if params.get("committee", "").isdigit():
        members = members.filter(committee_id=params["committee"])
    if q := params.get("q", "").strip():
        members = members.filter(Q(name__icontains=q) | Q(phone__icontains=q) | Q(expertise__icontains=q))
    return members.order_by("name", "id")


def _export_row(member):
    assignments = list(member.assignments.all())
    town = village = ""
    if assignments:
        area = assignments[-1].area
        if area.level == area.Level.VILLAGE:
            town, village = area.parent.name, area.name
        else:
            town = area.name
    return [
        member.name,
        LEVEL_LABELS.get(member.level, member.level),
        member.sector.name,
        member.committee.name if member.committee else "",
        member.phone,
        town,
        village,
        member.duty_code,
        "、".join(
            f"{a.area.parent.name}{a.area.name}" if a.area.level == a.area.Level.VILLAGE else a.area.name
            for a in assignments
        ),
    ]


@require_GET
@capability_required("members.export")
def export(request):
    members = _filtered_members(request.GET)
    response, count = xlsx_download(
        filename="members.xlsx",
        sheet_title="委员",
        header=[header for _key, header in excel.EXPORT_COLUMNS],
        rows=(_export_row(member) for member in members.iterator(chunk_size=1000)),
    )
    audit.record(actor=request.user, action="member_export", obj=None, after={"rows": count}, request=request)
    return response
