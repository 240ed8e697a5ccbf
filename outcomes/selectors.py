"""Reads on outcome items: the lists of staff, units, members and residents, and satisfaction rates."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, ExtractYear
from django.http import Http404

from consult_portal.access import object_for_user
from consult_portal.periods import Period
from members.models import Member

from .models import (
    SATISFIED_RATINGS,
    OutcomeEvent,
    OutcomeItem,
    ProgressUpdate,
    Rating,
    SatisfactionResponse,
    SurveyTally,
    overdue_q,
)

OS = OutcomeItem.Status


@dataclass(frozen=True)
class Satisfaction:
    """Satisfaction rate = (very satisfied + satisfied + basically satisfied) / all answers counted: the verified
    online answers (phone confirmed by SMS code, the latest of each phone) and the staff's tallies."""

    satisfied: int = 0
    total: int = 0

    @property
    def rate(self) -> float | None:
        return self.satisfied / self.total if self.total else None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"

    def __add__(self, other: "Satisfaction") -> "Satisfaction":
        return Satisfaction(self.satisfied + other.satisfied, self.total + other.total)


GROUPS = {
    "item": "item_id",
    "unit": "item__unit_id",
    "town": "item__town_id",
    "year": "year",
    None: None,
}


def satisfaction(items: QuerySet | None = None, by: str | None = None, *, _verified: bool = True) -> dict:
    """THE satisfaction rate (群众满意度), the one the assessments, the rankings, the dashboard and /stats/ use: of
    the given items (all published ones by default) grouped by `by` — "item", "unit", "town" (None for county-wide
    items) or "year" (of the hand-over) — or as one figure when `by` is None. It counts verified online answers and
    the staff's tallies only; answers without a confirmed phone are shown apart (`unverified`) and never count.

    Two queries whatever the number of items: one over the online responses, one over the staff's tallies.
    """
    items = items if items is not None else OutcomeItem.objects.filter(published_at__isnull=False)
    key = GROUPS[by]
    year = {"year": ExtractYear("item__handed_over_on")} if by == "year" else {}
    responses = SatisfactionResponse.objects.filter(item__in=items, verified=_verified).annotate(**year)
    tallies = SurveyTally.objects.filter(item__in=items).annotate(**year)
    if not _verified:
        tallies = tallies.none()
    if key:
        responses, tallies = responses.values(key), tallies.values(key)
    found: dict = {}

    def add(rows):
        for row in rows:
            k = row.get(key) if key else None
            found[k] = found.get(k, Satisfaction()) + Satisfaction(row["sat"] or 0, row["total"] or 0)

    counts = {"total": Count("pk"), "sat": Count("pk", filter=Q(rating__in=SATISFIED_RATINGS))}
    add(responses.annotate(**counts) if key else [responses.aggregate(**counts)])
    sums = {
        "total": Sum("sample_size"),
        "sat": Sum("very_satisfied") + Sum("satisfied") + Sum("basically_satisfied"),
    }
    add(tallies.annotate(**sums) if key else [tallies.aggregate(**sums)])
    if not key:
        return {None: found.get(None, Satisfaction())}
    return found


def unverified(items: QuerySet | None = None, by: str | None = None) -> dict:
    """The online answers without a confirmed phone, shaped as `satisfaction`: kept and shown apart, never counted
    in a rate."""
    return satisfaction(items, by, _verified=False)


def with_counted_answers(items: QuerySet) -> QuerySet:
    """Each item with `counted_satisfied` and `counted_total`: its answers as `satisfaction` counts them (verified
    online answers and the staff's tallies), computed in SQL for rules that need one item's rate inside a query
    (the members' points for the items they supervised)."""

    def per_item(rows: QuerySet, expression):
        rows = rows.filter(item=OuterRef("pk")).order_by().values("item").annotate(n=expression).values("n")
        return Coalesce(Subquery(rows[:1], output_field=IntegerField()), Value(0))

    verified = SatisfactionResponse.objects.filter(verified=True)
    tallies = SurveyTally.objects.all()
    return items.annotate(
        counted_satisfied=per_item(verified.filter(rating__in=SATISFIED_RATINGS), Count("pk"))
        + per_item(tallies, Sum("very_satisfied") + Sum("satisfied") + Sum("basically_satisfied")),
        counted_total=per_item(verified, Count("pk")) + per_item(tallies, Sum("sample_size")),
    )


def rating_counts(item: OutcomeItem) -> dict[int, int]:
    """Counted answers per rating (5 … 1) of one item: verified online answers and tallies together."""
    counts = dict.fromkeys(range(5, 0, -1), 0)
    for row in item.responses.filter(verified=True).values("rating").annotate(n=Count("pk")):
        counts[row["rating"]] += row["n"]
    sums = item.tallies.aggregate(*(Sum(name) for name in SurveyTally.COUNTS))
    for rating, name in zip(range(5, 0, -1), SurveyTally.COUNTS, strict=True):
        counts[rating] += sums[f"{name}__sum"] or 0
    return counts


def rating_rows(item: OutcomeItem) -> list[tuple[int, str, int]]:
    """(rating, label, count) from very satisfied down to very dissatisfied, for a page's table."""
    return [(rating, Rating(rating).label, count) for rating, count in rating_counts(item).items()]


def with_history(queryset: QuerySet) -> QuerySet:
    """An item with what its detail page shows: progress and photos, history and who did it, supervisors."""
    return queryset.select_related("unit", "town", "meeting__platform", "topic", "record_item").prefetch_related(
        Prefetch("updates", ProgressUpdate.objects.select_related("author").prefetch_related("photos")),
        Prefetch("events", OutcomeEvent.objects.select_related("actor")),
        "supervisors",
    )


def published(town=None, status: str = "") -> QuerySet:
    """Published outcomes (公示), newest first, for the public list."""
    items = OutcomeItem.objects.filter(published_at__isnull=False).select_related("unit", "town", "meeting")
    if town is not None:
        items = items.filter(town=town)
    if status:
        items = items.filter(status=status)
    return items.order_by("-published_at", "-pk")


def staff_items(*, town=None, filters: dict | None = None) -> QuerySet:
    """The staff list: the whole county, or one town's items for its liaison staff."""
    filters = filters or {}
    # The supervisors counted for the page's items only: Count("supervisors") would group every item first (#17).
    supervisors = (
        OutcomeItem.supervisors.through.objects.filter(outcomeitem=OuterRef("pk"))
        .order_by()
        .values("outcomeitem")
        .annotate(n=Count("pk"))
        .values("n")
    )
    items = OutcomeItem.objects.select_related("unit", "town", "meeting").annotate(
        n_supervisors=Coalesce(Subquery(supervisors[:1], output_field=IntegerField()), Value(0))
    )
    if town is not None:
        items = items.filter(town=town)
    elif filters.get("town"):
        items = items.filter(town=filters["town"])
    if filters.get("q"):
        items = items.filter(Q(text__icontains=filters["q"]) | Q(contact_name__icontains=filters["q"]))
    if filters.get("status") == "open":
        items = items.filter(status__in=OutcomeItem.OPEN)
    elif filters.get("status") == "final":
        items = items.filter(status__in=OutcomeItem.FINAL)
    elif filters.get("status") == "solved":
        items = items.filter(status__in=SOLVED_STATUSES)
    elif filters.get("status"):
        items = items.filter(status=filters["status"])
    if filters.get("unit"):
        items = items.filter(unit=filters["unit"])
    if filters.get("overdue"):
        items = items.filter(overdue_q())
    if filters.get("year"):
        items = items.filter(handed_over_q(filters["year"]))
    if filters.get("meeting"):
        items = items.filter(meeting=filters["meeting"])
    return items.order_by("deadline", "pk")


def unit_items(*, unit, filters: dict | None = None) -> QuerySet:
    """A responsible unit's own items, the open ones first by deadline."""
    filters = filters or {}
    items = OutcomeItem.objects.filter(unit=unit).select_related("town", "meeting")
    if filters.get("status"):
        items = items.filter(status=filters["status"])
    if filters.get("overdue"):
        items = items.filter(overdue_q())
    return items.order_by("closed_at", "deadline", "pk")


def item_for_user(request, pk: int, *, write: bool = False) -> OutcomeItem:
    """The outcome item as this staff user may see it (liaison staff: their town's), with its history, or 404;
    `write` refuses readers. Every staff view, sheet and document of one item goes through here."""

    def lookup(town):
        items = with_history(OutcomeItem.objects.all())
        return (items if town is None else items.filter(town=town)).get(pk=pk)

    return object_for_user(request, lookup, write=write, capability="outcomes.change")


def unit_item_for_user(request, pk: int) -> OutcomeItem:
    """An item handed to the user's own unit, or 404 (a unit never learns of another unit's items)."""
    unit_id = request.user.unit_id
    if unit_id is None:
        raise PermissionDenied  # a unit login not yet linked to its unit
    try:
        return with_history(OutcomeItem.objects.filter(unit_id=unit_id)).get(pk=pk)
    except OutcomeItem.DoesNotExist:
        raise Http404 from None


def supervised_item_for_user(request, pk: int) -> OutcomeItem:
    """An item the user's member record supervises (督办), with its history, or 404; a login not linked to a member
    record is refused."""
    member_id = Member.objects.filter(user=request.user).values_list("pk", flat=True).first()
    if member_id is None:
        raise PermissionDenied  # a member login not yet linked to a member record
    try:
        return with_history(OutcomeItem.objects.filter(supervisors=member_id)).get(pk=pk)
    except OutcomeItem.DoesNotExist:
        raise Http404 from None


def pending_return(item: OutcomeItem) -> OutcomeEvent | None:
    """The office's return of the unit's last answer while the unit has not answered again: its note says what the
    answer lacks (the banner on the unit's page of the item)."""
    if item.status not in OutcomeItem.OPEN:
        return None
    answered_or_returned = [OutcomeEvent.Kind.ANSWERED, OutcomeEvent.Kind.RETURNED]
    last = item.events.filter(kind__in=answered_or_returned).order_by("-at", "-pk").first()
    return last if last is not None and last.kind == OutcomeEvent.Kind.RETURNED else None


# Problems solved (解决问题) count the items whose result was implemented, fully or in part.
SOLVED_STATUSES = (OS.IMPLEMENTED, OS.PARTLY)


def problems_solved_total(items: QuerySet | None = None) -> int:
    """The problems solved by `items` (all outcome items by default): the sum of `problems_solved` over those
    implemented or partly implemented (`SOLVED_STATUSES`). One query; the dashboard, /stats/ and their exports
    filter `items` (by year, town…) and count with this, never by re-summing themselves."""
    items = OutcomeItem.objects.all() if items is None else items
    total = items.filter(status__in=SOLVED_STATUSES).aggregate(n=Sum("problems_solved"))["n"]
    return total or 0


def handed_over_q(period, path: str = "") -> Q:
    """Items handed over in `period` (a `consult_portal.periods.Period`, a year, or "2021-2026"), through `path`
    (e.g. "item__"): the year an item counts in is the year of its hand-over (`handed_over_on`, the real day for
    one entered later). The dashboard, /stats/, the staff home, the assessment and the lists they link to count
    items of a period with this."""
    return Period.of(period).q(f"{path}handed_over_on")
