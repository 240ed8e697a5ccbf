"""Handing items to units and following them: office and liaison staff write (liaison staff for their own town),
leaders read."""

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from consult_portal import office
from consult_portal.access import can, capability_required, town_scope
from consult_portal.models import Area, ResponsibleUnit
from consult_portal.paging import lazy_page
from consult_portal.periods import Period
from sessions import selectors as meeting_selectors
from sessions.models import Meeting, RecordItem
from topics.models import Topic

from .. import selectors, services, services_problems, services_survey
from ..forms.staff import (
    DeadlineForm,
    HandOverForm,
    OutcomeFilterForm,
    ProblemsForm,
    ReturnForm,
    SupervisorsForm,
    TallyForm,
    YearForm,
)
from ..models import OutcomeItem
from ..sheets import assignment_sheet

OS = OutcomeItem.Status
PAGE_SIZE = 25


@capability_required("outcomes.view")
def item_list(request):
    town = town_scope(request.user)
    form = OutcomeFilterForm(request.GET or None, town_scope=town)
    filters = form.cleaned_data if form.is_valid() else {}
    # Read only when the rows are not kept rendered (the template's figures_cache, #17).
    page = lazy_page(Paginator(selectors.staff_items(town=town, filters=filters), PAGE_SIZE), request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(
        request,
        "outcomes/staff/list.html",
        {"form": form, "page": page, "query": query, "town": town, "today": timezone.localdate()},
    )


def _source(request) -> dict:
    """Where a new item comes from — a record item, a meeting or a topic — checked against the user's town."""
    town = town_scope(request.user)
    params = request.GET if request.method == "GET" else request.POST
    try:
        if params.get("record_item"):
            record_item = RecordItem.objects.select_related("meeting").get(pk=int(params["record_item"]))
            meeting_selectors.meeting_for_staff(pk=record_item.meeting_id, town=town)
            return {"record_item": record_item, "meeting": record_item.meeting}
        if params.get("meeting"):
            return {"meeting": meeting_selectors.meeting_for_staff(pk=int(params["meeting"]), town=town)}
        if params.get("topic"):
            topics = Topic.objects.all() if town is None else Topic.objects.filter(town=town)
            return {"topic": topics.get(pk=int(params["topic"]))}
    except (ValueError, RecordItem.DoesNotExist, Meeting.DoesNotExist, Topic.DoesNotExist):
        raise Http404 from None
    raise Http404


@capability_required("outcomes.change")
def item_new(request):
    source = _source(request)
    record_item = source.get("record_item")
    initial = {"text": record_item.text} if record_item else {}
    form = HandOverForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = services.outcome_hand_over(
                by=request.user,
                text=data["text"],
                unit=data["unit"],
                contact_name=data["contact_name"],
                contact_phone=data["contact_phone"],
                deadline=data["deadline"],
                supervisors=data["supervisors"],
                problems_solved=data["problems_solved"],
                **source,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            names = {"item": Truncator(item.text).chars(30), "unit": item.unit.name}
            messages.success(request, _("“%(item)s” is handed to %(unit)s.") % names)
            if item.meeting_id:
                return redirect("outcomes:staff-meeting", pk=item.meeting_id)
            return redirect("outcomes:staff-detail", pk=item.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "outcomes/staff/new.html", {"form": form, **source}, status=status)


def _forms(item: OutcomeItem, bound: dict) -> dict:
    forms = {}
    if item.status == OS.ANSWERED:
        forms["return_form"] = bound.get("return") or ReturnForm(prefix="return")
    if item.status in (*OutcomeItem.OPEN, OS.ANSWERED):
        forms["deadline_form"] = bound.get("deadline") or DeadlineForm(
            prefix="deadline", initial={"deadline": item.deadline}
        )
    forms["problems_form"] = bound.get("problems") or ProblemsForm(
        prefix="problems", initial={"problems_solved": item.problems_solved}
    )
    forms["supervisors_form"] = bound.get("supervisors") or SupervisorsForm(
        prefix="supervisors", initial={"supervisors": list(item.supervisors.all())}
    )
    if item.published_at:
        forms["tally_form"] = bound.get("tally") or TallyForm(prefix="tally")
    return forms


@capability_required("outcomes.view")
def item_detail(request, pk: int, bound: dict | None = None, status: int = 200):
    item = selectors.item_for_user(request, pk)
    bound = bound or {}
    can_act = can(request.user, "outcomes.change")
    context = {
        "item": item,
        "can_act": can_act,
        "overdue": item.is_overdue(),
        "today": timezone.localdate(),
        "satisfaction": selectors.satisfaction(OutcomeItem.objects.filter(pk=item.pk)).get(None),
        "unverified": selectors.unverified(OutcomeItem.objects.filter(pk=item.pk)).get(None),
        "ratings": selectors.rating_rows(item) if item.published_at else [],
        "tallies": item.tallies.select_related("entered_by") if item.published_at else [],
        "action_errors": bound.get("errors", []),
    }
    if can_act:
        context |= _forms(item, bound)
    return render(request, "outcomes/staff/detail.html", context, status=status)


@capability_required("outcomes.change")
@require_POST
def item_action(request, pk: int, action: str):
    item = selectors.item_for_user(request, pk, write=True)
    user = request.user
    form = None
    forms = {
        "return": ReturnForm,
        "deadline": DeadlineForm,
        "supervisors": SupervisorsForm,
        "tally": TallyForm,
        "problems": ProblemsForm,
    }
    name = {"item": Truncator(item.text).chars(30), "unit": item.unit.name}
    try:
        if action == "accept":
            services.outcome_accept(item=item, by=user)
            message = _("The answer on “%(item)s” is accepted.") % name
        elif action in forms:
            form = forms[action](request.POST, prefix=action)
            if not form.is_valid():
                return item_detail(request, pk, bound={action: form}, status=400)
            data = form.cleaned_data
            if action == "return":
                services.outcome_return(item=item, note=data["note"], by=user)
                message = _("The answer on “%(item)s” is returned to %(unit)s.") % name
            elif action == "deadline":
                services.outcome_change_deadline(item=item, deadline=data["deadline"], reason=data["reason"], by=user)
                when = {"date": formats.date_format(data["deadline"], "DATE_FORMAT")}
                message = _("The deadline of “%(item)s” is now %(date)s.") % (name | when)
            elif action == "supervisors":
                services.outcome_set_supervisors(item=item, members=data["supervisors"], by=user)
                count = len(data["supervisors"])
                message = ngettext(
                    "“%(item)s” has %(count)d supervising member now.",
                    "“%(item)s” has %(count)d supervising members now.",
                    count,
                ) % (name | {"count": count})
            elif action == "problems":
                count = data["problems_solved"]
                services_problems.outcome_set_problems_solved(item=item, problems_solved=count, by=user)
                message = ngettext(
                    "“%(item)s” solves %(count)d problem now.", "“%(item)s” solves %(count)d problems now.", count
                ) % (name | {"count": count})
            else:
                services_survey.survey_tally_add(item=item, by=user, **data)
                message = _("The survey results are added to “%(item)s”.") % name
        else:
            raise Http404
    except ValidationError as error:
        bound = {"errors": list(error.messages)}
        if form is not None:
            bound[action] = form
        return item_detail(request, pk, bound=bound, status=400)
    messages.success(request, message)
    return redirect("outcomes:staff-detail", pk=pk)


def _sheet_context(items) -> dict:
    return {
        "sheets": [assignment_sheet(item) for item in items],
        "office_name": office.current().office_name,
        "today": timezone.localdate(),
    }


@capability_required("outcomes.view")
def item_sheet(request, pk: int):
    """交办单: the assignment sheet of one item, to print, stamp and send."""
    return render(request, "outcomes/staff/sheet.html", _sheet_context([selectors.item_for_user(request, pk)]))


@capability_required("outcomes.view")
def meeting_items(request, pk: int):
    """A meeting's suggestions and consensus, each handed over or waiting to be."""
    meeting = meeting_selectors.meeting_for_user(request, pk)
    record = RecordItem.objects.filter(meeting=meeting).select_related("outcome__unit", "proposer").order_by("pk")
    others = meeting.outcomes.filter(record_item__isnull=True).select_related("unit").order_by("pk")
    return render(
        request,
        "outcomes/staff/meeting.html",
        {
            "meeting": meeting,
            "record": record,
            "others": others,
            "can_act": can(request.user, "outcomes.change") and meeting.is_held,
            "today": timezone.localdate(),
        },
    )


@capability_required("outcomes.view")
def meeting_sheets(request, pk: int):
    """The assignment sheets of every item of a meeting, one per page."""
    meeting = meeting_selectors.meeting_for_user(request, pk)
    items = list(
        OutcomeItem.objects.filter(meeting=meeting).select_related("unit", "meeting__platform", "topic").order_by("pk")
    )
    return render(request, "outcomes/staff/sheet.html", _sheet_context(items) | {"meeting": meeting})


def satisfaction_scope(request):
    """(form, year, town, items): the year asked for and its published items, in the reader's town for liaison
    staff; the satisfaction page and its .xlsx exports read the same."""
    town = town_scope(request.user)
    form = YearForm(request.GET or None)
    year = Period.of((form.cleaned_data.get("year") if form.is_valid() else None) or timezone.localdate().year)
    items = OutcomeItem.objects.filter(selectors.handed_over_q(year), published_at__isnull=False)
    if town is not None:
        items = items.filter(town=town)
    return form, year, town, items


@capability_required("outcomes.view")
def satisfaction_summary(request):
    """Satisfaction rates of the year's published items by unit and by town, and the year's overall rate."""
    form, year, town, items = satisfaction_scope(request)
    by_unit = selectors.satisfaction(items, by="unit")
    by_town = selectors.satisfaction(items, by="town")
    units = ResponsibleUnit.objects.filter(pk__in=[k for k in by_unit if k]).order_by("name")
    towns = Area.objects.filter(pk__in=[k for k in by_town if k]).order_by("code")
    return render(
        request,
        "outcomes/staff/satisfaction.html",
        {
            "form": form,
            "year": year,
            "town": town,
            "overall": selectors.satisfaction(items).get(None),
            "unverified": selectors.unverified(items).get(None),
            "can_see_anomalies": can(request.user, "outcomes.anomalies"),
            "unit_rows": [(unit, by_unit[unit.pk]) for unit in units],
            "town_rows": [(area, by_town[area.pk]) for area in towns],
            "county_wide": by_town.get(None),
        },
    )
