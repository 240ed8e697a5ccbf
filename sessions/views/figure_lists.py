"""The lists behind the dashboard's figures of meetings (#16): the suggestions and consensus items recorded at the
held meetings of a period, and the participants of those meetings. Each counts exactly the rows its figure counts
(`consult_portal.overview.stats`); liaison staff see their own town's; leaders read."""

from urllib.parse import urlencode

from django import forms
from django.core.paginator import Paginator
from django.shortcuts import render
from django.utils.translation import gettext_lazy, pgettext_lazy

from consult_portal.access import capability_required, town_scope
from consult_portal.forms import ListFilterForm
from consult_portal.models import Area, in_town
from consult_portal.periods import Period, PeriodField

from ..models import Participant, RecordItem, held_q

PAGE_SIZE = 50


class RecordItemFilterForm(ListFilterForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False, choices=[("", "—"), *RecordItem.Kind.choices])
    town = forms.ModelChoiceField(label=pgettext_lazy("area", "Town"), required=False, queryset=Area.objects.none())
    year = PeriodField(label=gettext_lazy("Year"))
    handed = forms.BooleanField(label=gettext_lazy("Handed to a unit"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["handed"].widget.attrs["class"] = "form-check-input"


class ParticipantFilterForm(ListFilterForm):
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False, choices=[("", "—"), *Participant.Kind.choices])
    town = forms.ModelChoiceField(label=pgettext_lazy("area", "Town"), required=False, queryset=Area.objects.none())
    year = PeriodField(label=gettext_lazy("Year"))


def _held_in(queryset, *, scope, data):
    """Rows of the meetings held in the period asked for (all years when none), in the town (the scope's)."""
    period = data.get("year")
    if period is not None:
        since, until = Period.of(period).bounds()
        queryset = queryset.filter(held_q("meeting__", since=since, until=until))
    else:
        queryset = queryset.filter(held_q("meeting__"))
    for town in (scope, data.get("town")):
        if town is not None:
            queryset = queryset.filter(in_town(town, "meeting__platform__area"))
    return queryset


def _page(request, form_class, rows, template):
    scope = town_scope(request.user)
    form = form_class(request.GET or None, town_scope=scope)
    data = form.cleaned_data if form.is_valid() else {}
    rows = _held_in(rows, scope=scope, data=data)
    if data.get("kind"):
        rows = rows.filter(kind=data["kind"])
    if data.get("handed"):
        rows = rows.filter(outcome__isnull=False)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(request, template, {"form": form, "page": page, "query": query, "town": scope})


@capability_required("meetings.view")
def record_items(request):
    rows = RecordItem.objects.select_related("meeting__platform").order_by("-meeting__starts_at", "meeting_id", "pk")
    return _page(request, RecordItemFilterForm, rows, "sessions/staff/record_items.html")


@capability_required("meetings.view")
def participants(request):
    rows = Participant.objects.select_related("meeting__platform").order_by("-meeting__starts_at", "meeting_id", "pk")
    return _page(request, ParticipantFilterForm, rows, "sessions/staff/participants.html")
