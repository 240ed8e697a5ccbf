"""History entry (补录), for office staff only: the page listing what was entered later — meetings and outcome items
with who entered them and when — with the forms and the ledger imports, and the form of a past outcome item."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from consult_portal import imports
from consult_portal.access import capability_required
from sessions.history_forms import add_errors
from sessions.models import Meeting

from .. import history
from ..history_forms import HistoryItemForm
from ..models import OutcomeEvent, OutcomeItem, SurveyTally

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
    return _item_form(request, initial=initial)


@require_http_methods(["GET", "POST"])
@capability_required("history.enter")
def item_edit(request, pk: int):
    """Complete or correct an item entered later: its answer, publication or survey came after it was entered."""
    item = get_object_or_404(OutcomeItem.objects.filter(backfilled_at__isnull=False).select_related("meeting"), pk=pk)
    return _item_form(request, item=item, initial=_initial(item))


def _initial(item: OutcomeItem) -> dict:
    answered = item.events.filter(kind=OutcomeEvent.Kind.ANSWERED).order_by("-at").first()
    tally = item.tallies.filter(backfilled_at__isnull=False).order_by("date", "pk").first()
    initial = {
        "meeting": item.meeting_id,
        "text": item.text,
        "unit": item.unit_id,
        "contact_name": item.contact_name,
        "contact_phone": item.contact_phone,
        "handed_over_on": item.handed_over_on,
        "deadline": item.deadline,
        "status": item.status,
        "answer": item.answer,
        "reason": item.reason,
        "answered_on": timezone.localdate(answered.at) if answered else None,
        "closed_on": timezone.localdate(item.closed_at) if item.closed_at else None,
        "published_on": timezone.localdate(item.published_at) if item.published_at else None,
        "problems_solved": item.problems_solved,
    }
    if tally is not None:
        initial |= {"tally_method": tally.method, "tally_date": tally.date}
        initial |= {name: getattr(tally, name) for name in SurveyTally.COUNTS}
    return initial


def _item_form(request, *, item: OutcomeItem | None = None, initial: dict):
    form = HistoryItemForm(request.POST or None, initial=initial)
    if item is not None:
        form.fields["meeting"].disabled = True
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        tallies = form.tallies()
        if item is not None:  # the form shows the first survey; the others stay as they were
            kept = item.tallies.filter(backfilled_at__isnull=False).order_by("date", "pk")[1:]
            tallies += [history.Tally(t.method, t.date, *(getattr(t, n) for n in SurveyTally.COUNTS)) for t in kept]
        try:
            item = history.outcome_backfill(
                by=request.user,
                meeting=item.meeting if item is not None else data["meeting"],
                topic=item.topic if item is not None else None,
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
                tallies=tallies,
                ledger_ref=item.ledger_ref if item is not None else "",
                item=item,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The outcome item “%(text)s” is entered (补录).") % {"text": item.text[:40]})
            return redirect("outcomes:staff-detail", pk=item.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "outcomes/staff/history_item.html", {"form": form, "item": item}, status=status)
