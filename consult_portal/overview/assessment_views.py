"""考核: the yearly assessment of the liaison stations and its ranking (#7)."""

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult_portal import audit, office
from consult_portal.access import can, capability_required, town_scope
from consult_portal.forms import CleanTextMixin, year_param
from consult_portal.spreadsheets import xlsx_download
from sessions.models import StationAssessmentWeights

from . import cached
from .assessment import CRITERIA, commended_places, ranking, whole_county


class WeightsForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = StationAssessmentWeights
        fields = [key for key, _label in CRITERIA]

    def clean(self):
        cleaned = super().clean()
        weights = [cleaned.get(key) for key, _label in CRITERIA]
        if all(w is not None for w in weights) and sum(weights) == 0:
            raise forms.ValidationError(gettext_lazy("Give at least one criterion some points."), code="all_zero")
        return cleaned


def _scoped(scores: list, town) -> list:
    """Liaison staff see their own station's row only; its rank is still among all the stations."""
    return scores if town is None else [score for score in scores if score.town.pk == town.pk]


@capability_required("backoffice.view")
def assessment(request):
    year = year_param(request)
    town = town_scope(request.user)
    weights = StationAssessmentWeights.current()
    scores = cached.assessment_ranking(year=year, weights=weights)
    station_count = len(scores)
    scores = _scoped(scores, town)
    # The county's own level (county-level platforms' meetings, county-wide items) and the whole county: the
    # stations' rows and the county's add up to the total.
    county = cached.county_level(year=year) if town is None else None
    return render(
        request,
        "portal/staff/assessment.html",
        {
            "year": year,
            "county": county,
            "assessment_footer": [
                (office.current().county_level_word, county, "county"),
                (office.current().whole_county_word, whole_county(scores, county), "total"),
            ]
            if county
            else [],
            "scores": scores,
            "station_count": station_count,
            "commended_count": commended_places(station_count),
            "target": office.current().meetings_per_town_target,
            "weights": weights,
            "full_marks": sum(getattr(weights, key) for key, _label in CRITERIA),
            "town": town,
            "today": timezone.localdate(),
            "can_change_weights": can(request.user, "assessment.change_weights"),
        },
    )


@capability_required("assessment.change_weights")
def assessment_weights(request):
    year = year_param(request)
    form = WeightsForm(request.POST or None, instance=StationAssessmentWeights.current())
    if request.method == "POST" and form.is_valid():
        audit.save_form(form, action="assessment_weights", request=request)
        messages.success(request, _("The points of the liaison stations' assessment are changed."))
        return redirect(f"{reverse('assessment')}?year={year}")
    return render(
        request,
        "portal/staff/assessment_weights.html",
        {"form": form, "year": year},
        status=400 if request.method == "POST" else 200,
    )


def export_header() -> list[str]:
    return [
        _("Rank"),
        _("Liaison station"),
        _("Consultations held"),
        _("Target"),
        _("Score"),
        _("Outcome items handed over"),
        _("Implemented"),
        _("Partly implemented"),
        _("Score"),
        _("Satisfied responses"),
        _("All responses"),
        _("Satisfaction rate"),
        _("Score"),
        _("Platforms"),
        _("Meeting the five-haves standard"),
        _("Score"),
        _("Sunk members"),
        _("Taking part"),
        _("Score"),
        _("Total"),
        _("Commendation"),
    ]


def export_row(score) -> list:
    rate = score.satisfaction.rate
    return [
        score.rank,
        score.town.name,
        score.held,
        score.target,
        score.points("consultations"),
        score.handed,
        score.implemented,
        score.partly,
        score.points("outcomes"),
        score.satisfaction.satisfied,
        score.satisfaction.total,
        None if rate is None else round(rate, 4),
        score.points("satisfaction"),
        score.platform_count,
        score.five_haves,
        score.points("platforms"),
        score.sunk,
        score.active,
        score.points("members"),
        score.total,
        _("Proposed for commendation") if score.commended else "",
    ]


@capability_required("backoffice.view")
def assessment_export(request):
    year = year_param(request)
    scores = _scoped(ranking(year=year), town_scope(request.user))
    response, rows = xlsx_download(
        filename=f"assessment-{year}.xlsx",
        sheet_title=str(year),
        header=export_header(),
        rows=(export_row(score) for score in scores),
    )
    audit.record(actor=request.user, action="assessment_export", after={"year": year, "rows": rows}, request=request)
    return response
