"""专委会调研/视察 on staff pages: the special committees' research and inspections, listed by year and committee,
entered and corrected by office staff (audited), counted by the committees' duties and the members' performance."""

from urllib.parse import urlencode

from crispy_forms.helper import FormHelper
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult_portal.access import can, capability_required
from consult_portal.forms import CleanTextMixin, DateInput, ListFilterForm, SearchSelectMultiple
from consult_portal.models import Committee
from members.models import Member
from sessions import rules, services_research
from sessions.models import Research

PAGE_SIZE = 25


class MemberChoices(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        committee = f" · {obj.committee.name}" if obj.committee_id else ""
        return f"{obj.name}（{obj.sector.name}{committee}）"


class CommitteeResearchForm(CleanTextMixin, forms.Form):
    committee = forms.ModelChoiceField(label=gettext_lazy("Special committee"), queryset=Committee.objects.none())
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), choices=Research.Kind.choices)
    date = forms.DateField(label=gettext_lazy("Date"), widget=DateInput())
    subject = forms.CharField(label=gettext_lazy("Subject"), max_length=200, required=False)
    members = MemberChoices(
        label=gettext_lazy("Members who took part"),
        queryset=Member.objects.none(),
        required=False,
        widget=SearchSelectMultiple,
        help_text=gettext_lazy("Each member chosen gets the points for research in the performance record."),
    )
    participants = forms.CharField(
        label=gettext_lazy("Others who took part"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    findings = forms.CharField(
        label=gettext_lazy("Findings"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["committee"].queryset = Committee.objects.order_by("name")
        self.fields["members"].queryset = (
            Member.objects.filter(is_active=True).select_related("sector", "committee").order_by("name")
        )
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True

    def clean_date(self):
        day = self.cleaned_data["date"]
        try:  # the service checks it too; here it is refused with the rest of the form
            rules.check_research_date(day)
        except ValidationError as error:
            raise ValidationError(error.error_dict["date"]) from None
        return day

    def service_kwargs(self) -> dict:
        data = self.cleaned_data
        return {
            "committee": data["committee"],
            "kind": data["kind"],
            "date_": data["date"],
            "subject": data["subject"],
            "participants": data["participants"],
            "members": list(data["members"]),
            "findings": data["findings"],
        }


class ResearchFilterForm(ListFilterForm):
    committee = forms.ModelChoiceField(
        label=gettext_lazy("Special committee"), required=False, queryset=Committee.objects.order_by("name")
    )
    kind = forms.ChoiceField(label=gettext_lazy("Kind"), required=False, choices=[("", "—"), *Research.Kind.choices])
    year = forms.IntegerField(label=gettext_lazy("Year"), required=False, min_value=2000, max_value=2100)


def committee_research(filters: dict):
    research = (
        Research.objects.filter(committee__isnull=False)
        .select_related("committee")
        .prefetch_related("members")
        .order_by("-date", "-pk")
    )
    if filters.get("committee"):
        research = research.filter(committee=filters["committee"])
    if filters.get("kind"):
        research = research.filter(kind=filters["kind"])
    if filters.get("year"):
        research = research.filter(date__year=filters["year"])
    return research


@capability_required("backoffice.view")
def research_list(request):
    form = ResearchFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    page = Paginator(committee_research(filters), PAGE_SIZE).get_page(request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    context = {"form": form, "page": page, "query": query, "can_edit": can(request.user, "committees.research")}
    return render(request, "members/staff/committee_research_list.html", context)


def _saved(request, research: Research, created: bool):
    words = {"committee": research.committee.name, "date": research.date, "kind": research.get_kind_display()}
    if created:
        messages.success(request, _("The %(kind)s of %(committee)s on %(date)s is recorded.") % words)
    else:
        messages.success(request, _("The %(kind)s of %(committee)s on %(date)s is corrected.") % words)
    return redirect("committee-research")


def _edit(request, research: Research | None):
    initial = {}
    if research is not None:
        initial = {
            "committee": research.committee,
            "kind": research.kind,
            "date": research.date,
            "subject": research.subject,
            "participants": research.participants,
            "members": list(research.members.all()),
            "findings": research.findings,
        }
    elif request.GET.get("committee", "").isdigit():
        initial["committee"] = request.GET["committee"]
    form = CommitteeResearchForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            if research is None:
                done = services_research.committee_research_add(by=request.user, **form.service_kwargs())
            else:
                done = services_research.committee_research_change(
                    research=research, by=request.user, **form.service_kwargs()
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            return _saved(request, done, research is None)
    status = 400 if request.method == "POST" else 200
    context = {"form": form, "research": research}
    return render(request, "members/staff/committee_research_form.html", context, status=status)


@capability_required("committees.research")
def research_new(request):
    return _edit(request, None)


@capability_required("committees.research")
def research_edit(request, pk: int):
    research = get_object_or_404(Research.objects.select_related("committee"), pk=pk, committee__isnull=False)
    return _edit(request, research)
