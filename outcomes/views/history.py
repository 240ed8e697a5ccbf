"""History entry (补录), for office staff only: the page listing what was entered later — meetings and outcome items
with who entered them and when — with the forms and the ledger imports, and the form of a past outcome item."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from consult_portal import imports
from consult_portal.access import capability_required
from sessions.history_forms import add_errors
from sessions.models import Meeting

from .. import history
from ..history_forms import HistoryItemForm
from ..models import OutcomeItem

LEDGERS = ("history_meetings", "history_outcomes")
PAGE_SIZE = 50


@require_safe
@capability_required("history.enter")
def history_index(request):
    show = "items" if request.GET.get("show") == "items" else "meetings"
    if show == "items":
        rows = (
            OutcomeItem.objects.filter(backfilled_at__isnull=False)
            .select_related("unit", "meeting", "backfilled_by")
            .order_by("-handed_over_on", "-pk")
        )
    else:
        rows = (
            Meeting.objects.filter(backfilled_at__isnull=False)
            .select_related("platform", "backfilled_by")
            .order_by("-starts_at", "-pk")
        )
    context = {
        "show": show,
        "page": Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page")),
        "query": f"show={show}",
        "ledgers": [imports.get(kind) for kind in LEDGERS],
    }
    return render(request, "outcomes/staff/history.html", context)


@require_http_methods(["GET", "POST"])
@capability_required("history.enter")
def item_new(request):
    initial = {"meeting": request.GET.get("meeting")} if request.GET.get("meeting", "").isdigit() else {}
    form = HistoryItemForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = history.outcome_backfill(
                by=request.user,
                meeting=data["meeting"],
                text=data["text"],
                unit=data["unit"],
                contact_name=data["contact_name"],
                contact_phone=data.get("contact_phone") or "",
                handed_over_on=data["handed_over_on"],
                deadline=data["deadline"],
                status=data["status"],
                answer=data["answer"],
                answered_on=data["answered_on"],
                reason=data["reason"],
                closed_on=data["closed_on"],
                published_on=data["published_on"],
                problems_solved=data["problems_solved"],
                tallies=form.tallies(),
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The outcome item “%(text)s” is entered (补录).") % {"text": item.text[:40]})
            return redirect("outcomes:staff-detail", pk=item.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "outcomes/staff/history_item.html", {"form": form}, status=status)
