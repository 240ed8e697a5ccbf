"""The .xlsx exports of the outcome items and of satisfaction by unit and by town."""

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from consult_portal import office
from consult_portal.access import capability_required, town_scope
from consult_portal.models import Area, ResponsibleUnit
from consult_portal.spreadsheets import CHUNK, audited_export, choice_labels, local_time

from .. import selectors as outcome_selectors
from ..forms.staff import OutcomeFilterForm
from ..models import OutcomeItem
from .staff import satisfaction_scope


@capability_required("exports.download")
def outcomes_xlsx(request):
    town = town_scope(request.user)
    form = OutcomeFilterForm(request.GET or None, town_scope=town)
    filters = form.cleaned_data if form.is_valid() else {}
    items = outcome_selectors.staff_items(town=town, filters=filters).with_overdue().values(
        "pk",
        "text",
        "meeting__title",
        "topic__title",
        "unit__name",
        "contact_name",
        "contact_phone",
        "town__name",
        "handed_over_on",
        "deadline",
        "status",
        "closed_at",
        "published_at",
        "n_supervisors",
        "overdue",
        "problems_solved",
    )
    statuses = choice_labels(OutcomeItem.Status.choices)
    yes, county = _("Yes"), office.current().county_level_word
    rows = (
        [
            i["pk"],
            i["text"],
            i["meeting__title"] or "",
            i["topic__title"] or "",
            i["unit__name"],
            i["contact_name"],
            i["contact_phone"],
            i["town__name"] or county,
            i["handed_over_on"],
            i["deadline"],
            statuses.get(i["status"], i["status"]),
            yes if i["overdue"] else "",
            local_time(i["closed_at"]),
            yes if i["published_at"] else "",
            i["n_supervisors"],
            i["problems_solved"],
        ]
        for i in items.iterator(chunk_size=CHUNK)
    )
    header = [
        _("No."),
        _("Outcome item"),
        _("Meeting"),
        _("Topic"),
        _("Responsible unit"),
        _("Contact person"),
        _("Contact phone"),
        _("Town / street"),
        _("Handed over"),
        _("Handling deadline"),
        _("Status"),
        _("Overdue"),
        _("Closed"),
        _("Published"),
        _("Supervisors"),
        _("Problems solved"),
    ]
    return audited_export(
        request,
        name="outcomes",
        sheet=str(_("Outcome items")),
        header=header,
        rows=rows,
        action="outcome_export",
    )


def _satisfaction_row(name: str, figures) -> list:
    rate = None if figures.rate is None else round(figures.rate * 100, 1)
    return [name, figures.total, figures.satisfied, rate]


def _satisfaction_header(first: str) -> list:
    return [first, _("Responses"), _("Satisfied responses"), _("Satisfaction rate (%)")]


@capability_required("exports.download")
def satisfaction_units_xlsx(request):
    """Satisfaction by responsible unit, as /staff/outcomes/satisfaction/ shows it, then the overall figure."""
    _form, year, _town, items = satisfaction_scope(request)
    by_unit = outcome_selectors.satisfaction(items, by="unit")
    overall = outcome_selectors.satisfaction(items)[None]
    units = ResponsibleUnit.objects.filter(pk__in=[k for k in by_unit if k]).order_by("name").values("pk", "name")

    def rows():
        for unit in units.iterator(chunk_size=CHUNK):
            yield _satisfaction_row(unit["name"], by_unit[unit["pk"]])
        yield _satisfaction_row(str(_("Overall")), overall)

    return audited_export(
        request,
        name=f"satisfaction-units-{year.param}",
        sheet=str(_("By responsible unit")),
        header=_satisfaction_header(_("Responsible unit")),
        rows=rows(),
        action="satisfaction_units_export",
    )


@capability_required("exports.download")
def satisfaction_towns_xlsx(request):
    """Satisfaction by town, then the county-wide items and the overall figure."""
    _form, year, _town, items = satisfaction_scope(request)
    by_town = outcome_selectors.satisfaction(items, by="town")
    overall = outcome_selectors.satisfaction(items)[None]
    towns = Area.objects.filter(pk__in=[k for k in by_town if k]).order_by("code").values("pk", "name")

    def rows():
        for area in towns.iterator(chunk_size=CHUNK):
            yield _satisfaction_row(area["name"], by_town[area["pk"]])
        if by_town.get(None):
            yield _satisfaction_row(office.current().county_wide_items, by_town[None])
        yield _satisfaction_row(str(_("Overall")), overall)

    return audited_export(
        request,
        name=f"satisfaction-towns-{year.param}",
        sheet=str(_("By town")),
        header=_satisfaction_header(pgettext("area", "Town")),
        rows=rows(),
        action="satisfaction_towns_export",
    )
