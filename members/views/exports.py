"""The .xlsx export of the members' sinking coverage."""

from django.utils.translation import gettext as _

from consult_portal.access import capability_required, town_scope
from consult_portal.models import Area
from consult_portal.spreadsheets import audited_export, choice_labels

from .. import selectors as member_selectors


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
