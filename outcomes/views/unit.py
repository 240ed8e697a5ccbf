"""The responsible unit's pages: its own items, progress with photos, and the final answer."""

from urllib.parse import urlencode

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from consult_portal.access import capability_required
from consult_portal.forms import ListFilterForm
from consult_portal.paging import lazy_page
from consult_portal.photo_fields import photos_not_stored

from .. import selectors, services
from ..forms.unit import AnswerForm, ProgressForm
from ..models import OutcomeItem

PAGE_SIZE = 25


class UnitItemFilterForm(ListFilterForm):
    status = forms.ChoiceField(
        label=gettext_lazy("Status"), required=False, choices=[("", "—"), *OutcomeItem.Status.choices]
    )
    overdue = forms.ChoiceField(
        label=gettext_lazy("Deadline"), required=False, choices=[("", "—"), ("1", gettext_lazy("Overdue only"))]
    )


def _unit_id(request) -> int:
    if request.user.unit_id is None:
        raise PermissionDenied  # a unit login not yet linked to its unit sees nothing
    return request.user.unit_id


def with_days(item: OutcomeItem, today) -> OutcomeItem:
    """Set `days_left` (0 or more) or `days_late` on an item the unit still has, for outcomes/_deadline.html."""
    item.days_left = item.days_late = None
    if item.status in OutcomeItem.OPEN:
        days = (item.deadline - today).days
        item.days_left, item.days_late = (days, None) if days >= 0 else (None, -days)
    return item


@capability_required("units.report")
def item_list(request):
    unit_id = _unit_id(request)
    form = UnitItemFilterForm(request.GET or None)
    data = form.cleaned_data if form.is_valid() else {}
    paginator = Paginator(selectors.unit_items(unit=unit_id, filters=data), PAGE_SIZE)
    today = timezone.localdate()
    # Read only when the rows are not kept rendered (the template's figures_cache, #17).
    page = lazy_page(paginator, request.GET.get("page"), each=lambda item: with_days(item, today))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    return render(request, "outcomes/unit/list.html", {"form": form, "page": page, "query": query})


@capability_required("units.report")
def item_detail(request, pk: int, bound: dict | None = None, status: int = 200):
    item = selectors.unit_item_for_user(request, pk)
    with_days(item, timezone.localdate())
    bound = bound or {}
    is_open = item.status in OutcomeItem.OPEN
    context = {
        "item": item,
        "is_open": is_open,
        "errors": bound.get("errors", []),
        "returned": selectors.pending_return(item),  # shown until the unit answers again
    }
    if is_open:
        context |= {
            "progress_form": bound.get("progress") or ProgressForm(prefix="progress"),
            "answer_form": bound.get("answer") or AnswerForm(prefix="answer"),
        }
    return render(request, "outcomes/unit/detail.html", context, status=status)


def _refuse(request, pk: int, name: str, form, error: ValidationError | None = None):
    bound = {name: form, "errors": list(error.messages) if error else []}
    return item_detail(request, pk, bound=bound, status=400)


@capability_required("units.report")
@require_POST
def post_progress(request, pk: int):
    item = selectors.unit_item_for_user(request, pk)
    form = ProgressForm(request.POST, request.FILES, prefix="progress")
    if item.status not in OutcomeItem.OPEN:
        return _refuse(
            request, pk, "progress", form, ValidationError(_("Progress can only be posted on an open item."))
        )
    if not form.is_valid():
        return _refuse(request, pk, "progress", form)
    data = form.cleaned_data
    try:
        services.outcome_post_progress(
            item=item, text=data["text"], by=request.user, on=data["date"], photos=data["photos"]
        )
    except ValidationError as error:
        return _refuse(request, pk, "progress", form, error)
    except OSError:
        photos_not_stored(form)
        return _refuse(request, pk, "progress", form)
    messages.success(request, _("Your progress on outcome item %(number)s is recorded.") % {"number": item.pk})
    return redirect("outcomes:unit-detail", pk=pk)


@capability_required("units.report")
@require_POST
def answer(request, pk: int):
    item = selectors.unit_item_for_user(request, pk)
    form = AnswerForm(request.POST, prefix="answer")
    if item.status not in OutcomeItem.OPEN:
        return _refuse(request, pk, "answer", form, ValidationError(_("Only an open item can be answered.")))
    if not form.is_valid():
        return _refuse(request, pk, "answer", form)
    data = form.cleaned_data
    try:
        services.outcome_answer(
            item=item, answer=data["answer"], status=data["status"], reason=data["reason"], by=request.user
        )
    except ValidationError as error:
        return _refuse(request, pk, "answer", form, error)
    # No message: the item's page says, once, that the answer is with the office (unit/detail.html).
    return redirect("outcomes:unit-detail", pk=pk)
