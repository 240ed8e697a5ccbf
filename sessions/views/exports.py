"""The .xlsx exports of the meetings, platforms and coverage lists, with their pages' filters and town scope."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from consult_portal import office
from consult_portal.access import capability_required, town_scope
from consult_portal.models import Area
from consult_portal.spreadsheets import CHUNK, audited_export, choice_labels, local_time, place_label

from .. import selectors as meeting_selectors
from .. import selectors_platforms as platform_selectors
from ..models import Meeting, Platform
from ..selectors import PARTICIPATION_FIELDS
from .platforms import PlatformFilterForm, coverage_year
from .staff import MeetingFilterForm


def _participation_cells(m: dict) -> list:
    """Residents invited and attending, the rate in per cent (as the satisfaction exports), departments,
    member-times; empty where not recorded."""
    invited, attended = m["residents_invited"], m["residents_attended"]
    rate = round(attended / invited * 100, 1) if invited and attended is not None else None
    cells = [invited, attended, rate, m["departments_count"], m["member_times"]]
    return ["" if value is None else value for value in cells]


@capability_required("exports.download")
def meetings_xlsx(request):
    town = town_scope(request.user)
    form = MeetingFilterForm(request.GET or None, town_scope=town)
    filters = form.cleaned_data if form.is_valid() else {}
    meetings = meeting_selectors.staff_meetings(town=town, filters=filters).values(
        "starts_at",
        "ends_at",
        "title",
        "platform__name",
        "platform__area__name",
        "platform__area__level",
        "platform__area__parent__name",
        "form",
        "place",
        "host",
        "organiser",
        "topic_count",
        "participant_count",
        "status",
        *PARTICIPATION_FIELDS,
    )
    forms, statuses = choice_labels(Meeting.Form.choices), choice_labels(Meeting.Status.choices)
    rows = (
        [
            local_time(m["starts_at"]),
            local_time(m["ends_at"]),
            m["title"],
            m["platform__name"],
            place_label(m["platform__area__parent__name"], m["platform__area__name"])
            if m["platform__area__level"] == "village"
            else m["platform__area__name"],
            forms.get(m["form"], m["form"]),
            m["place"],
            m["host"],
            m["organiser"],
            m["topic_count"],
            m["participant_count"],
            statuses.get(m["status"], m["status"]),
            *_participation_cells(m),
        ]
        for m in meetings.iterator(chunk_size=CHUNK)
    )
    header = [
        _("Starts"),
        _("Ends"),
        _("Title"),
        _("Platform"),
        _("Area"),
        _("Form"),
        _("Place"),
        _("Host"),
        _("Organised by"),
        _("Topics"),
        _("Participants"),
        _("Status"),
        _("Residents invited"),
        _("Residents attending"),
        _("Residents' participation rate (%)"),
        _("Departments taking part"),
        _("Member-times"),
    ]
    return audited_export(
        request,
        name="meetings",
        sheet=str(_("Meetings")),
        header=header,
        rows=rows,
        action="meeting_export",
    )


FIVE_FIELDS = tuple(field for _key, field, _label in platform_selectors.FIVE_HAVES)


@capability_required("exports.download")
def platforms_xlsx(request):
    town = town_scope(request.user)
    form = PlatformFilterForm(request.GET or None, town_scope=town)
    data = form.cleaned_data if form.is_valid() else {}
    platforms = platform_selectors.staff_platforms(town=town, filters=data, search=data.get("q", "")).values(
        "name",
        "level",
        "kind",
        "sector__name",
        "area__name",
        "area__level",
        "area__parent__name",
        "host_unit",
        "contact_name",
        "contact_phone",
        "address",
        *FIVE_FIELDS,
        "activity_count",
        "last_activity_at",
        "five_met",
        "is_pilot",
    )
    levels, kinds = choice_labels(Platform.Level.choices), choice_labels(Platform.Kind.choices)
    pilot = _("Pilot")
    rows = (
        [
            p["name"],
            levels.get(p["level"], p["level"]),
            kinds.get(p["kind"], p["kind"]) + (f" · {p['sector__name']}" if p["sector__name"] else ""),
            place_label(p["area__parent__name"], p["area__name"]) if p["area__level"] == "village" else p["area__name"],
            p["host_unit"],
            p["contact_name"],
            p["contact_phone"],
            p["address"],
            *(p[field] for field in FIVE_FIELDS),
            p["activity_count"],
            local_time(p["last_activity_at"]),
            p["five_met"],
            pilot if p["is_pilot"] else "",
        ]
        for p in platforms.iterator(chunk_size=CHUNK)
    )
    header = [
        pgettext("thing", "Name"),
        _("Level"),
        _("Kind"),
        _("Area"),
        _("Host unit"),
        _("Contact person"),
        _("Contact phone"),
        _("Address"),
        *(str(label) for _key, _field, label in platform_selectors.FIVE_HAVES),
        _("Meetings held in the last 12 months"),
        _("Last meeting"),
        _("“Five haves” met (of 5)"),
        _("Pilot"),
    ]
    return audited_export(
        request,
        name="platforms",
        sheet=str(_("Platforms")),
        header=header,
        rows=rows,
        action="platform_export",
    )


@capability_required("exports.download")
def coverage_xlsx(request):
    """The platforms' coverage of /staff/coverage/: each town then its villages, the county's own row, and the
    whole county's total (towns + county)."""
    town = town_scope(request.user)
    _form, year = coverage_year(request)
    target = office.current().meetings_per_town_target
    areas = platform_selectors.coverage(year=year, town=town).values(
        "name", "level", "platform_count", "villages_with_platform", "village_count", "meeting_count"
    )
    levels = choice_labels(Area.Level.choices)
    below, met = str(_("Below target")), str(_("Target met"))

    def rows():
        towns = platforms = meetings = 0
        for a in areas.iterator(chunk_size=CHUNK):
            is_town = a["level"] == Area.Level.TOWN
            if is_town:
                towns, platforms, meetings = towns + 1, platforms + a["platform_count"], meetings + a["meeting_count"]
            yield [
                a["name"],
                levels.get(a["level"], a["level"]),
                a["platform_count"],
                a["villages_with_platform"] if is_town else None,
                a["village_count"] if is_town else None,
                a["meeting_count"],
                (below if a["meeting_count"] < target else met) if is_town else "",
            ]
        if town is None:
            county = platform_selectors.county_coverage(year=year)
            words = office.current()
            level = levels.get(Area.Level.COUNTY, "")
            yield [words.county_level_word, level, county["platform_count"], None, None, county["meeting_count"], ""]
            total_platforms, total_meetings = platforms + county["platform_count"], meetings + county["meeting_count"]
            yield [words.whole_county_word, "", total_platforms, None, None, total_meetings, ""]

    header = [
        _("Town / village"),
        _("Level"),
        _("Platforms"),
        _("Villages with a platform"),
        _("Villages"),
        _("Consultations held"),
        _("Target") + f" ({target})",
    ]
    return audited_export(
        request,
        name=f"coverage-{year}",
        sheet=str(_("Coverage")),
        header=header,
        rows=rows(),
        action="coverage_export",
    )
