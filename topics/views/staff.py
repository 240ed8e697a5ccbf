"""Triage and selection for office and liaison staff; leaders read."""

import re
from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.http import require_POST

from consult_portal import audit
from consult_portal.access import can, capability_required, town_scope
from consult_portal.forms import ListFilterForm
from consult_portal.models import Area
from consult_portal.paging import CappedPaginator, DeepPaginator, lazy_page
from consult_portal.periods import PeriodField
from consult_portal.phones import normalize_phone

from .. import selectors, services
from ..forms import (
    CloseForm,
    ForwardForm,
    MergeForm,
    NoteForm,
    PartyTopicForm,
    PlanApproveForm,
    PlanEntryForm,
    ReasonForm,
    VisitForm,
)
from ..models import ConsultationPlan, Topic

S = Topic.Status
PAGE_SIZE = 25
SEARCH_COUNT_CAP = 1000
# A search counts its matches only to the end of the page after the one shown (a row read per match, #17).
SEARCH_PAGES_AHEAD = 1


class TopicFilterForm(ListFilterForm):
    q = forms.CharField(
        label=gettext_lazy("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": gettext_lazy("Words or a tracking code")}),
    )
    # Office and liaison staff only (`phone_search`); each search is audited (topic_list).
    phone_tail = forms.CharField(
        label=gettext_lazy("Phone's last four digits"),
        required=False,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )
    source = forms.ChoiceField(label=gettext_lazy("Source"), required=False, choices=[("", "—"), *Topic.Source.choices])
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=[("", "—"), *S.choices])
    category = forms.ChoiceField(
        label=gettext_lazy("Category"), required=False, choices=[("", "—"), *Topic.Category.choices]
    )
    town = forms.ModelChoiceField(label=pgettext_lazy("area", "Town"), required=False, queryset=Area.objects.none())
    year = PeriodField(label=gettext_lazy("Year"))
    sort = forms.ChoiceField(
        label=gettext_lazy("Sort"),
        required=False,
        choices=[
            ("new", gettext_lazy("Newest first")),
            ("old", gettext_lazy("Oldest first")),
            ("title", gettext_lazy("Title")),
            ("status", gettext_lazy("Status")),
        ],
    )

    def __init__(self, *args, phone_search: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        if not phone_search:
            del self.fields["phone_tail"]

    def clean_phone_tail(self):
        tail = normalize_phone(self.cleaned_data["phone_tail"])
        if tail and not re.fullmatch(r"\d{4}", tail, re.ASCII):
            raise ValidationError(_("Enter exactly the last four digits of the phone."), code="phone_tail")
        return tail


@capability_required("topics.view")
def topic_list(request):
    town = town_scope(request.user)
    phone_search = can(request.user, "topics.change")
    form = TopicFilterForm(request.GET or None, town_scope=town, phone_search=phone_search)
    data = form.cleaned_data if form.is_valid() else {}
    filters = {k: data.get(k) for k in ("source", "status", "category", "town", "year")}
    phone_tail = data.get("phone_tail", "")
    topics = selectors.staff_topics(
        town=town, filters=filters, search=data.get("q", ""), sort=data.get("sort") or "new", phone_tail=phone_tail
    )
    if data.get("q") or phone_tail:
        paginator = CappedPaginator(topics, PAGE_SIZE, cap=SEARCH_COUNT_CAP, ahead=SEARCH_PAGES_AHEAD)
    else:
        paginator = DeepPaginator(topics, PAGE_SIZE)
    # Read only when the rows are not kept rendered (the template's figures_cache, #17).
    page = lazy_page(paginator, request.GET.get("page"))
    if phone_tail:
        # Residents' phones are personal data: who looked for which number ending, in which town, and how many came up.
        audit.record(
            actor=request.user,
            action="phone_search",
            after={"phone_tail": phone_tail, "town": town.pk if town else None, "found": page.paginator.count},
            request=request,
        )
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    # The export has no phone search: its link leaves the phone's digits out.
    export_query = urlencode({k: v for k, v in request.GET.items() if k not in ("page", "phone_tail") and v})
    context = {"form": form, "page": page, "query": query, "export_query": export_query, "town": town}
    context["phone_tail"] = phone_tail
    return render(request, "topics/staff/list.html", context)


ACTIONS = {
    # action: (form class, target status or None for a note, label)
    "accept": (NoteForm, S.ACCEPTED),
    "visit": (VisitForm, S.VISITING),
    "decline": (ReasonForm, S.DECLINED),
    "merge": (MergeForm, S.MERGED),
    "forward": (ForwardForm, S.FORWARDED),
    "note": (NoteForm, None),
    # A consulted topic with no outcome items; one with items closes when their results are published.
    "close": (CloseForm, S.CONCLUDED),
}


def _action_forms(topic: Topic, scope, bound: dict | None = None) -> dict:
    allowed = services.ALLOWED_TRANSITIONS.get(topic.status, ())
    forms_ = {}
    for name, (form_class, target) in ACTIONS.items():
        if target is not None and target not in allowed:
            continue
        if name == "close" and selectors.outcome_items(topic).exists():
            continue
        kwargs = {"prefix": name}
        if form_class is MergeForm:
            kwargs.update(topic=topic, scope=scope)
        forms_[name] = (bound or {}).get(name) or form_class(**kwargs)
    return forms_


@capability_required("topics.view")
def topic_detail(request, pk: int, bound_forms: dict | None = None, status: int = 200, revealed: bool = False):
    topic = selectors.topic_for_user(request, pk)
    scope = town_scope(request.user)
    can_act = can(request.user, "topics.change")
    response = render(
        request,
        "topics/staff/detail.html",
        {
            "topic": topic,
            "history": selectors.topic_history(topic),
            "duplicates": selectors.likely_duplicates(topic) if topic.status in (S.SUBMITTED, S.VISITING) else [],
            "action_forms": _action_forms(topic, scope, bound_forms) if can_act else {},
            "can_act": can_act,
            # Office and liaison staff handling the topic may call the resident back; each reveal is audited.
            "can_reveal": can_act and bool(topic.submitter_phone),
            "revealed": revealed,
        },
        status=status,
    )
    add_never_cache_headers(response)
    return response


def _reveal_phone(request, pk: int):
    """Show the submitter's full number once, after writing who asked for it into the audit log."""
    topic = selectors.topic_for_user(request, pk)
    if not topic.submitter_phone:
        raise Http404
    audit.personal_data_viewed(
        actor=request.user, obj=topic, fields=["submitter_name", "submitter_phone"], request=request
    )
    return topic_detail(request, pk, revealed=True)


@capability_required("topics.change")
@require_POST
def topic_action(request, pk: int, action: str):
    if action == "reveal-phone":
        return _reveal_phone(request, pk)
    if action not in ACTIONS:
        raise Http404
    topic = selectors.topic_for_user(request, pk, write=True)
    form_class, target = ACTIONS[action]
    kwargs = {"prefix": action}
    if form_class is MergeForm:
        kwargs.update(topic=topic, scope=town_scope(request.user))
    form = form_class(request.POST, **kwargs)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if target is None:
                services.topic_add_note(
                    topic=topic, by=request.user, public_note=data["public_note"], internal_note=data["internal_note"]
                )
            elif action == "close":
                services.topic_close(
                    topic=topic, by=request.user, public_note=data["public_note"], internal_note=data["internal_note"]
                )
            else:
                services.topic_change_status(
                    topic=topic,
                    to_status=target,
                    by=request.user,
                    action=action,
                    public_note=data.get("public_note", ""),
                    internal_note=data.get("internal_note", ""),
                    merged_into=data.get("target"),
                    forwarded_to=data.get("unit"),
                )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _topic_said(action, topic, data))
            return redirect("topics:staff-detail", pk=topic.pk)
    return topic_detail(request, pk, bound_forms={action: form}, status=400)


def _topic_said(action: str, topic: Topic, data: dict) -> str:
    """What the page says once an action on a topic is done: the topic and the change."""
    names = {"title": topic.title}
    if action == "accept":
        return _("Topic “%(title)s” is accepted.") % names
    if action == "visit":
        return _("Topic “%(title)s” is to be visited and checked.") % names
    if action == "decline":
        return _("Topic “%(title)s” is declined.") % names
    if action == "merge":
        return _("Topic “%(title)s” is merged into “%(other)s”.") % (names | {"other": data["target"].title})
    if action == "forward":
        return _("Topic “%(title)s” is forwarded to %(unit)s.") % (names | {"unit": data["unit"].name})
    if action == "note":
        return _("A note is added to topic “%(title)s”.") % names
    if action == "close":
        return _("Topic “%(title)s” is concluded.") % names
    status = Topic.Status(ACTIONS[action][1]).label
    return _("Topic “%(title)s” is now “%(status)s”.") % (names | {"status": status})


@capability_required("topics.change")
def party_topic_new(request):
    scope = town_scope(request.user)
    form = PartyTopicForm(request.POST or None, town_scope=scope)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            topic = services.topic_submit(
                source=Topic.Source.PARTY,
                by=request.user,
                **{
                    k: data[k]
                    for k in (
                        "title",
                        "description",
                        "category",
                        "town",
                        "village",
                        "year",
                        "requesting_body",
                        "document_number",
                        "requested_on",
                    )
                },
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Topic “%(title)s” is registered.") % {"title": topic.title})
            return redirect("topics:staff-detail", pk=topic.pk)
    return render(request, "topics/staff/party_new.html", {"form": form})


@capability_required("topics.view")
def plan_manage(request, year: int):
    scope = town_scope(request.user)
    plan = ConsultationPlan.objects.filter(year=year).first()
    user = request.user
    may_add = can(user, "plans.change")  # the service refuses a plan that is no longer a draft
    can_edit = may_add and (plan is None or plan.status == ConsultationPlan.Status.DRAFT)
    can_approve = can(user, "plans.approve") and plan is not None and plan.status == plan.Status.DRAFT
    can_publish = can(user, "plans.publish") and plan is not None and plan.status == plan.Status.APPROVED
    # Every accepted topic in no plan, of this year or carried over from an earlier one.
    candidates = (
        Topic.objects.filter(year__lte=year, status=S.ACCEPTED, plan_entry__isnull=True)
        .select_related("town")
        .order_by("-year", "town__code", "id")
    )
    entry_form = approve_form = None
    if request.method == "POST":
        action = request.POST.get("action")
        try:
            if action == "add" and may_add:
                entry_form = PlanEntryForm(request.POST, topics=candidates)
                if entry_form.is_valid():
                    services.plan_add_topic(plan=plan, year=year, by=user, **entry_form.cleaned_data)
                    added = {"title": entry_form.cleaned_data["topic"].title, "year": year}
                    messages.success(request, _("“%(title)s” is added to the draft %(year)s plan.") % added)
                    return redirect("topics:plan-manage", year=year)
            elif action == "approve" and can_approve:
                approve_form = PlanApproveForm(request.POST, instance=plan)
                if approve_form.is_valid():
                    services.plan_approve(plan=plan, by=user, **approve_form.cleaned_data)
                    messages.success(request, _("The %(year)s plan is approved.") % {"year": year})
                    return redirect("topics:plan-manage", year=year)
            else:
                return render(request, "403.html", status=403)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
    return render(
        request,
        "topics/staff/plan.html",
        {
            "year": year,
            "plan": plan,
            "entries": selectors.plan_entries(plan, town=scope) if plan else [],
            "entry_form": (entry_form or PlanEntryForm(topics=candidates)) if can_edit else None,
            "approve_form": approve_form or (PlanApproveForm(instance=plan) if can_approve else None),
            "can_publish": can_publish,
            "this_year": timezone.localdate().year,
        },
        status=400 if request.method == "POST" else 200,
    )


@capability_required("topics.view")
def plan_current(request):
    return redirect("topics:plan-manage", year=timezone.localdate().year)
