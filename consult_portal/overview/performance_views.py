"""The performance record (履职量化考核): the yearly ranking, the weights office staff set, the .xlsx export."""

from django import forms
from django.contrib import messages
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from consult_portal import audit
from consult_portal.access import can, capability_required, town_scope
from consult_portal.forms import CleanTextMixin, year_param
from consult_portal.paging import lazy_page
from consult_portal.spreadsheets import xlsx_download
from members.models import PerformanceWeights

from . import cached
from .performance import ACTIVITIES, ranking


class WeightsForm(CleanTextMixin, forms.ModelForm):
    class Meta:
        model = PerformanceWeights
        fields = [weight for _name, weight in ACTIVITIES]


@capability_required("backoffice.view")
def performance(request):
    year = year_param(request)
    weights = PerformanceWeights.current()
    form = None
    if can(request.user, "assessment.change_weights"):
        form = WeightsForm(request.POST or None, instance=weights)
        if request.method == "POST" and form.is_valid():
            weights = audit.save_form(form, action="performance_weights", request=request)
            messages.success(request, _("The points of the members' performance record are changed."))
            return redirect(f"{request.path}?year={year}")
    elif request.method == "POST":
        return render(request, "403.html", status=403)
    members = cached.performance_ranking(year=year, town=town_scope(request.user), weights=weights)
    # Read only when the table is not kept rendered (the template's figures_cache, #17).
    page = lazy_page(Paginator(members, 50), request.GET.get("page"))
    return render(
        request,
        "members/staff/performance.html",
        {
            "year": year,
            "page": page,
            "query": f"year={year}",
            "form": form,
            "weights": weights,
            "can_export": can(request.user, "members.export"),
        },
        status=400 if request.method == "POST" else 200,
    )


@capability_required("members.export")
def performance_export(request):
    year = year_param(request)
    ranked = enumerate(ranking(year=year).iterator(chunk_size=500), start=1)
    response, rows = xlsx_download(
        filename=f"performance-{year}.xlsx",
        sheet_title=str(year),
        header=[
            _("Rank"),
            pgettext("person", "Name"),
            _("Sector"),
            _("Meetings attended"),
            _("Research"),
            _("Topics recommended"),
            _("Topics accepted"),
            _("Suggestions adopted"),
            _("Suggestions fully implemented"),
            _("Supervised items residents are satisfied with"),
            _("Points"),
        ],
        rows=(
            [
                rank,
                m.name,
                m.sector.name,
                m.attended,
                m.researched,
                m.recommended,
                m.accepted,
                m.adopted,
                m.implemented,
                m.satisfied,
                m.points,
            ]
            for rank, m in ranked
        ),
    )
    audit.record(actor=request.user, action="performance_export", after={"year": year, "rows": rows}, request=request)
    return response
