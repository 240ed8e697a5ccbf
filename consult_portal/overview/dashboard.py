"""The dashboard for staff and leaders (#7, #14, #16), for a year or a span of years.

The figures and their definitions are in `stats`; this module labels them, links each to the list of exactly the
rows it counts, and serves them as a page, an .xlsx and a Word summary (the public subset: `public_stats`).
"""

from dataclasses import dataclass
from urllib.parse import urlencode

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject, lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from consult_portal import audit, documents, office, periods
from consult_portal.access import capability_required, town_scope
from consult_portal.forms import ListFilterForm
from consult_portal.models import Area
from consult_portal.periods import Period
from consult_portal.spreadsheets import xlsx_download
from outcomes.models import OutcomeItem
from sessions.models import Participant, RecordItem
from topics.models import Topic

from . import cached, stats

OS = OutcomeItem.Status


class DashboardForm(ListFilterForm):
    year = periods.PeriodChoiceField(label=gettext_lazy("Year"))
    town = forms.ModelChoiceField(
        label=gettext_lazy("Town / street"),
        required=False,
        queryset=Area.objects.none(),
        empty_label=lazy(lambda: office.current().whole_county_word, str)(),
    )

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = periods.choices(years)


def _choice(request):
    """(form, period, town) from the query string (`?year=2025` or `?year=2021-2026`); a liaison asking for another
    town gets a 404."""
    scope = town_scope(request.user)
    form = DashboardForm(request.GET or None, years=cached.years(), town_scope=scope)
    data = form.cleaned_data if form.is_valid() else {}
    year = Period.of(data.get("year") or timezone.localdate().year)
    if scope is not None:
        asked = request.GET.get("town")
        if asked and asked != str(scope.pk):
            raise Http404
        return form, year, scope
    return form, year, data.get("town")


@dataclass
class Row:
    key: str
    label: str
    value: object
    url: str = ""

    def __post_init__(self):
        self.label = str(self.label)  # choices' labels are lazy; the .xlsx and .docx need text


def _link(name: str, **params) -> str:
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return reverse(name) + (f"?{query}" if query else "")


def sections(dash: stats.Dashboard) -> list[tuple[str, list[Row]]]:
    """The figures as labelled rows, each with the staff list behind it, in the order of the page."""
    f, year = dash.total, dash.period.param
    town = dash.town.pk if dash.town else None
    meetings = _link("sessions:staff-meetings", year=year, town=town, held="on")
    outcomes = _link("outcomes:staff-list", year=year, town=town)

    def topics(**params):
        return _link("topics:staff-list", year=year, town=town, **params)

    def items(**params):
        return _link("outcomes:staff-list", year=year, town=town, **params)

    def record(**params):
        return _link("sessions:record-items", year=year, town=town, **params)

    satisfaction = _link("outcomes:staff-satisfaction", year=year)
    members = _link("members:list", town=town, active_in=year)
    took_part = _link("members:list", town=town, active_in=year, took_part="on")
    p = f.participation
    return [
        (
            _("Consultation work"),
            [
                Row("meetings_held", _("Consultations held"), f.meetings_held, meetings),
                Row("target", _("Target"), f.target),
                Row("suggestions", _("Suggestions raised"), f.suggestions, record(kind=RecordItem.Kind.SUGGESTION)),
                Row("consensus", _("Consensus reached"), f.consensus, record(kind=RecordItem.Kind.CONSENSUS)),
            ],
        ),
        (
            _("Topics by source"),
            [
                *(Row(f"topics_{s}", label, f.topics[s], topics(source=s)) for s, label in Topic.Source.choices),
                Row("topics_total", _("Topics received"), f.topics_total, topics()),
            ],
        ),
        (
            _("Topics by status"),
            [Row(f"status_{s}", label, f.statuses[s], topics(status=s)) for s, label in Topic.Status.choices],
        ),
        (
            _("Outcome items"),
            [
                Row("outcomes", _("Items handed over"), f.outcomes, outcomes),
                Row("implemented", _("Items implemented"), f.implemented, items(status=OS.IMPLEMENTED)),
                Row("problems_solved", _("Problems solved"), f.problems_solved, items(status="solved")),
                Row("partly", OS.PARTLY.label, f.partly, items(status=OS.PARTLY)),
                Row("not_feasible", OS.NOT_FEASIBLE.label, f.not_feasible, items(status=OS.NOT_FEASIBLE)),
                Row("answered", OS.ANSWERED.label, f.answered, items(status=OS.ANSWERED)),
                Row("in_progress", _("Being handled"), f.in_progress, items(status="open")),
                Row("overdue", _("Overdue"), f.overdue, items(overdue="on")),
            ],
        ),
        (
            _("Rates"),
            [
                Row("adoption_rate", _("Adoption rate"), stats.percent(f.adoption_rate), record(handed="on")),
                Row(
                    "implementation_rate",
                    _("Implementation rate"),
                    stats.percent(f.implementation_rate),
                    items(status="final"),
                ),
                Row("satisfaction_rate", _("Satisfaction rate"), f.satisfaction.percent, satisfaction),
                Row("satisfaction_answers", _("Satisfaction answers"), f.satisfaction.total, satisfaction),
            ],
        ),
        (
            _("Residents' voluntary participation"),
            [
                Row(
                    "resident_topics",
                    _("Topics suggested by residents"),
                    f.topics[Topic.Source.RESIDENT],
                    topics(source=Topic.Source.RESIDENT),
                ),
                Row(
                    "resident_topic_share",
                    _("Share of all topics"),
                    stats.percent(f.resident_topic_share),
                    topics(source=Topic.Source.RESIDENT),
                ),
                Row("walk_ins", _("Residents who came of their own accord"), f.walk_ins, meetings),
                Row(
                    "resident_participants",
                    _("Residents concerned taking part"),
                    f.resident_participants,
                    _link("sessions:participants", year=year, town=town, kind=Participant.Kind.RESIDENT),
                ),
                Row("residents_invited", _("Residents invited"), p.invited, meetings),
                Row("residents_attended", _("Residents attending"), p.attended, meetings),
                Row("participation_rate", _("Residents' participation rate"), p.percent, meetings),
                Row("departments", _("Departments taking part"), p.departments, meetings),
                Row("member_times", _("Member-times"), p.member_times, meetings),
                Row("survey_responses", _("Online satisfaction answers"), f.survey_responses, satisfaction),
            ],
        ),
        (
            _("Members' participation"),
            [
                Row("members_took_part", _("Members who took part"), f.members_took_part, took_part),
                Row("members_active", _("Active members"), f.members_active, members),
                Row("members_rate", _("Members' participation rate"), stats.percent(f.members_rate), took_part),
            ],
        ),
    ]


def _town_rows(dash: stats.Dashboard) -> list[dict]:
    """Each town's figures, linked to its own dashboard, then the county level's: they add up to the total."""
    param = dash.period.param
    rows = [
        {"town": f.town, "name": f.town.name, "figures": f, "url": _link("dashboard", year=param, town=f.town.pk)}
        for f in dash.by_town
    ]
    rows.append({"town": None, "name": office.current().county_level_word, "figures": dash.county_wide, "url": ""})
    return rows


def _chart_data(dash: stats.Dashboard) -> dict:
    f = dash.total
    return {
        "consultations": {
            "labels": [t.town.name for t in dash.by_town],
            "held": [t.meetings_held for t in dash.by_town],
            "target": [t.target for t in dash.by_town],
            "heldLabel": _("Consultations held"),
            "targetLabel": _("Target"),
        },
        "sources": {
            "labels": [label for _s, label in Topic.Source.choices],
            "values": [f.topics[s] for s in Topic.Source.values],
        },
        "outcomes": {
            "labels": [
                _("Being handled"),
                OS.ANSWERED.label,
                OS.IMPLEMENTED.label,
                OS.PARTLY.label,
                OS.NOT_FEASIBLE.label,
            ],
            "values": [f.in_progress, f.answered, f.implemented, f.partly, f.not_feasible],
            "label": _("Outcome items"),
        },
    }


def _scope_name(town) -> str:
    return town.name if town is not None else office.current().whole_county_word


@require_GET
@capability_required("backoffice.view")
def dashboard(request):
    form, year, town = _choice(request)
    query = urlencode({"year": year.param, **({"town": town.pk} if town else {})})

    def figures() -> dict:
        dash = cached.compute(period=year, town=town)
        return {
            "dash": dash,
            "sections": sections(dash),
            "town_rows": _town_rows(dash) if town is None else [],
            "chart_data": _chart_data(dash),
            "definitions": definitions(),
        }

    context = {"form": form, "year": year, "town": town, "scope_name": _scope_name(town), "query": query}
    # The figures are read (from the cache) and laid out only when they are not kept rendered (#17).
    return render(request, "portal/staff/dashboard.html", {**context, "figures": SimpleLazyObject(figures)})


def _export_rows(dash: stats.Dashboard):
    for title, rows in sections(dash):
        for row in rows:
            yield [str(title), row.label, row.value if row.value is not None else ""]
    if dash.town is None:
        yield []
        yield [
            _("Town / street"),
            _("Consultations held"),
            _("Target"),
            _("Topics received"),
            _("Items implemented"),
            _("Problems solved"),
            _("Being handled"),
            _("Overdue"),
            _("Satisfaction rate"),
        ]
        # Each town, the county level, then the whole county: the rows add up to it.
        for name, f in [*((r["name"], r["figures"]) for r in _town_rows(dash)), (_scope_name(None), dash.total)]:
            yield [
                name,
                f.meetings_held,
                f.target,
                f.topics_total,
                f.implemented,
                f.problems_solved,
                f.in_progress,
                f.overdue,
                f.satisfaction.percent,
            ]


@require_GET
@capability_required("backoffice.view")
def export(request):
    _form, year, town = _choice(request)
    dash = cached.compute(period=year, town=town)
    suffix = f"-{town.code}" if town else ""
    response, count = xlsx_download(
        filename=f"dashboard-{year.param}{suffix}.xlsx",
        sheet_title=str(year),
        header=[_("Section"), _("Figure"), _("Value")],
        rows=_export_rows(dash),
    )
    audit.record(
        actor=request.user,
        action="dashboard_export",
        obj=town,
        after={"year": year.param, "town": town.pk if town else None, "rows": count},
        request=request,
    )
    return response


@require_GET
@capability_required("backoffice.view")
@documents.in_chinese
def summary(request):
    """The year's summary of figures as a Word document, for the office's report upward."""
    _form, year, town = _choice(request)
    dash = cached.compute(period=year, town=town)
    scope = _scope_name(town)
    title = _("%(scope)s: summary of consultation work in %(year)s") % {"scope": scope, "year": year}
    words = office.current()
    # 主送: the CPPCC's leadership the office reports to.
    upward = _("The chairpersons' council of the %(county)s CPPCC") % {"county": words.county_name or words.county_word}
    document = documents.new_document(title=title, addressee=upward)
    f = dash.total
    documents.paragraph(
        document,
        _(
            "In %(year)s, %(held)s consultations were held against a target of %(target)s; %(topics)s topics were "
            "received, %(suggestions)s suggestions raised and %(consensus)s items of consensus reached. Of %(items)s "
            "outcome items handed to the units, %(implemented)s are implemented, %(in_progress)s are being handled "
            "and %(overdue)s are overdue."
        )
        % {
            "year": str(year),
            "held": f.meetings_held,
            "target": f.target,
            "topics": f.topics_total,
            "suggestions": f.suggestions,
            "consensus": f.consensus,
            "items": f.outcomes,
            "implemented": f.implemented,
            "in_progress": f.in_progress,
            "overdue": f.overdue,
        },
    )
    numerals = iter("一二三四五六七八九十")
    for section_title, rows in sections(dash):
        documents.heading(document, f"{next(numerals)}、{section_title}")
        documents.table(
            document,
            [[row.label, "" if row.value is None else row.value] for row in rows],
            header=[_("Figure"), _("Value")],
        )
    if town is None and dash.by_town:
        documents.heading(document, next(numerals) + "、" + _("By town"))
        rows = [*_town_rows(dash), {"name": scope, "figures": f}]
        documents.table(
            document,
            [
                [
                    r["name"],
                    r["figures"].meetings_held,
                    r["figures"].target,
                    r["figures"].implemented,
                    r["figures"].satisfaction.percent,
                ]
                for r in rows
            ],
            header=[_("Town / street"), _("Consultations held"), _("Target"), _("Implemented"), _("Satisfaction rate")],
        )
    documents.heading(document, next(numerals) + "、" + _("Definitions"))
    for term, definition in definitions():
        documents.paragraph(document, str(definition), label=str(term))
    documents.sign_off(document)
    audit.record(
        actor=request.user,
        action="dashboard_summary_export",
        obj=town,
        after={"year": year.param, "town": town.pk if town else None},
        request=request,
    )
    suffix = f"-{town.name}" if town else ""
    return documents.docx_response(document, f"{year}年协商工作数据汇总{suffix}.docx")


def definitions() -> list[tuple[str, str]]:
    """How the figures are computed, shown on the page and in the summary (the README's "Figures" says the same)."""
    return [
        (
            _("Period"),
            _(
                "Each figure counts what happened in the year or the span of years shown: a meeting in the year it "
                "started, a topic in its year, an outcome item in the year it was handed over. A span's figure is "
                "the sum of its years'."
            ),
        ),
        (
            _("Consultations held"),
            _(
                "Meetings held or with their record completed, at a platform of the town or its villages; the "
                "county-level platforms' meetings belong to the county's own row. A town's target is %(n)s a year "
                "and counts that town's meetings only; the headline counts the towns that met it, as the coverage "
                "page does."
            )
            % {"n": office.current().meetings_per_town_target},
        ),
        (
            _("Adoption rate"),
            _(
                "Suggestions and consensus items of the period's meetings handed to a responsible unit, "
                "divided by all suggestions and consensus items of those meetings."
            ),
        ),
        (
            _("Implementation rate"),
            _(
                "Items implemented or partly implemented, divided by the items with a final result (implemented, "
                "partly implemented, not feasible for now), of the items handed over in the period."
            ),
        ),
        (
            _("Problems solved"),
            _("The problems each implemented or partly implemented item solves, added up."),
        ),
        (
            _("Satisfaction rate"),
            _(
                "Very satisfied, satisfied and basically satisfied answers, divided by all answers counted (verified "
                "online answers and the staff's tallies), for the published items handed over in the period."
            ),
        ),
        (
            _("Residents' participation rate"),
            _("Residents attending divided by residents invited, over the held meetings where both were recorded."),
        ),
        (
            _("Members' participation rate"),
            _(
                "Active members (for a town, those sunk into it during the period) who checked in at a meeting or "
                "took part in research there in the period, divided by those active members."
            ),
        ),
    ]
