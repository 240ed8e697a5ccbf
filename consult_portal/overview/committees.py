"""Special committees' duties (专委会): at least 2 consultations a year at their liaison stations or studios,
research at least once a month, a full inspection every half year — checked against what is recorded."""

from datetime import date

from django.db.models.functions import TruncMonth
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal.access import capability_required
from consult_portal.forms import year_param
from consult_portal.models import Committee
from consult_portal.spreadsheets import audited_export
from sessions.models import Meeting, Participant, Research

CONSULTATIONS_A_YEAR = 2


def _due(year: int, today: date) -> tuple[int, int]:
    """Months and half years that have begun in `year`, as of today."""
    if year < today.year:
        return 12, 2
    if year > today.year:
        return 0, 0
    return today.month, 1 if today.month <= 6 else 2


def duties(*, year: int, today: date | None = None) -> list[dict]:
    """One row per committee, from five queries whatever the number of committees and records. Research counts
    for a committee when it is the committee's own (entered on its research pages) or one of its members took
    part."""
    today = today or timezone.localdate()
    months_due, halves_due = _due(year, today)
    committees = list(Committee.objects.prefetch_related("stations", "studios").order_by("name"))
    held = Meeting.objects.held(year=year)
    # (meeting, its platform's area and town, platform, committee of a member who checked in)
    attended = (
        Participant.objects.checked_in()
        .filter(meeting__in=held, member__committee__isnull=False)
        .values_list(
            "meeting_id",
            "meeting__platform_id",
            "meeting__platform__area_id",
            "meeting__platform__area__parent_id",
            "member__committee_id",
        )
        .distinct()
    )
    research = (
        Research.objects.filter(date__year=year, members__committee__isnull=False)
        .annotate(month=TruncMonth("date"))
        .values_list("members__committee_id", "month", "kind")
        .distinct()
    )
    own = (
        Research.objects.filter(date__year=year, committee__isnull=False)
        .annotate(month=TruncMonth("date"))
        .values_list("committee_id", "month", "kind")
        .distinct()
    )
    research = {*research, *own}
    rows = []
    for committee in committees:
        stations = {s.pk for s in committee.stations.all()}
        studios = {s.pk for s in committee.studios.all()}
        consultations = {
            meeting
            for meeting, platform, area, town, member_committee in attended
            if member_committee == committee.pk and (platform in studios or area in stations or town in stations)
        }
        months = {month for c, month, _kind in research if c == committee.pk}
        halves = {
            1 if month.month <= 6 else 2 for c, month, kind in research if c == committee.pk and kind == "inspection"
        }
        rows.append(
            {
                "committee": committee,
                "stations": committee.stations.all(),
                "studios": committee.studios.all(),
                "links_ok": 1 <= len(stations) <= 2 and len(studios) <= 2,
                "consultations": len(consultations),
                "consultations_short": len(consultations) < CONSULTATIONS_A_YEAR,
                "research_months": len(months),
                "months_due": months_due,
                "research_short": len(months) < months_due,
                "inspections": len(halves),
                "halves_due": halves_due,
                "inspection_short": len(halves) < halves_due,
            }
        )
    return rows


@capability_required("backoffice.view")
def committee_duties(request):
    year = year_param(request)
    return render(
        request,
        "members/staff/committees.html",
        {"year": year, "rows": duties(year=year), "target": CONSULTATIONS_A_YEAR},
    )




@capability_required("backoffice.view")
def committees_xlsx(request):
    """The special committees' duties of /staff/members/committees/ (county-wide bodies: the same for every reader)."""
    year = year_param(request)
    short = str(_("short"))
    links = str(_("link 1–2 stations"))
    rows = (
        [
            row["committee"].name,
            "、".join(station.name for station in row["stations"]),
            "、".join(studio.name for studio in row["studios"]),
            "" if row["links_ok"] else links,
            row["consultations"],
            CONSULTATIONS_A_YEAR,
            short if row["consultations_short"] else "",
            row["research_months"],
            row["months_due"],
            short if row["research_short"] else "",
            row["inspections"],
            row["halves_due"],
            short if row["inspection_short"] else "",
        ]
        for row in duties(year=year)
    )
    header = [
        _("Special committee"),
        _("Liaison stations"),
        _("Studios"),
        _("Links"),
        _("Consultations"),
        _("Consultations due"),
        _("Consultations short"),
        _("Months with research"),
        _("Months due"),
        _("Research short"),
        _("Half years inspected"),
        _("Half years due"),
        _("Inspections short"),
    ]
    return audited_export(
        request,
        name=f"committees-{year}",
        sheet=str(_("Special committees")),
        header=header,
        rows=rows,
        action="committee_duties_export",
    )
