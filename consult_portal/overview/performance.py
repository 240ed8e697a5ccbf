"""履职量化考核: each member's points for a year, computed by the database from what is recorded.

Beside the counts (meetings attended, research, topics recommended), points for quality (#16, against 重数量轻质量):
recommended topics accepted, suggestions adopted and, on top, fully implemented, and the items the member
supervised that residents are satisfied with (the satisfaction rate of `outcomes.selectors`: verified answers and
tallies, at least SATISFIED_ITEM_ANSWERS counted and SATISFIED_ITEM_PERCENT satisfied). Meetings attended are
confirmed check-ins only (`Participant.objects.checked_in()`).

Every count is a correlated subquery, so one query returns the whole ranking, whatever the number of
members or activities, and counts never multiply each other as joins would.
"""

from dataclasses import dataclass

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from members.models import Member, PerformanceWeights
from members.selectors import sunk_members, year_days
from outcomes.models import OutcomeItem
from outcomes.selectors import with_counted_answers
from sessions.models import Participant, Research
from topics.models import Topic

ACCEPTED = (Topic.Status.ACCEPTED, Topic.Status.PLANNED, Topic.Status.CONSULTED, Topic.Status.CONCLUDED)
ADOPTED = (OutcomeItem.Status.IMPLEMENTED, OutcomeItem.Status.PARTLY)
SATISFIED_ITEM_ANSWERS = 5
SATISFIED_ITEM_PERCENT = 80
# (annotation on the member, weight field): the member model already uses names like "research".
ACTIVITIES = (
    ("attended", "meeting_attended"),
    ("researched", "research"),
    ("recommended", "topic_recommended"),
    ("accepted", "topic_accepted"),
    ("adopted", "suggestion_adopted"),
    ("implemented", "suggestion_implemented"),
    ("satisfied", "supervised_satisfied"),
)
LABELS = {
    "attended": _("Meetings attended"),
    "researched": _("Research"),
    "recommended": _("Topics recommended"),
    "accepted": _("Topics accepted"),
    "adopted": _("Suggestions adopted"),
    "implemented": _("Suggestions fully implemented"),
    "satisfied": _("Supervised items residents are satisfied with"),
}
QUALITY = ("accepted", "adopted", "implemented", "satisfied")


def _count(queryset: QuerySet, member_field: str):
    counted = queryset.filter(**{member_field: OuterRef("pk")}).order_by().values(member_field)
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), Value(0))


def satisfied_items(year: int) -> QuerySet:
    """The items published in `year` that residents are satisfied with: at least SATISFIED_ITEM_ANSWERS answers
    counted and SATISFIED_ITEM_PERCENT satisfied."""
    items = with_counted_answers(OutcomeItem.objects.filter(published_at__year=year))
    return items.annotate(satisfied_100=F("counted_satisfied") * 100).filter(
        counted_total__gte=SATISFIED_ITEM_ANSWERS, satisfied_100__gte=F("counted_total") * SATISFIED_ITEM_PERCENT
    )


def ranking(*, year: int, town=None, weights: PerformanceWeights | None = None) -> QuerySet:
    """Active members (those sunk into `town` during `year` when given) with their counts per activity and their
    points for `year`, best first."""
    weights = weights or PerformanceWeights.current()
    members = Member.objects.filter(is_active=True).select_related("sector")
    if town is not None:
        members = members.filter(pk__in=sunk_members(town, *year_days(year)))
    raised = OutcomeItem.objects.filter(record_item__meeting__starts_at__year=year)
    supervised = OutcomeItem.supervisors.through.objects.filter(outcomeitem__in=satisfied_items(year).values("pk"))
    members = members.annotate(
        attended=_count(Participant.objects.checked_in().filter(meeting__starts_at__year=year), "member"),
        researched=_count(Research.members.through.objects.filter(research__date__year=year), "member"),
        recommended=_count(Topic.objects.filter(year=year), "recommended_by"),
        accepted=_count(Topic.objects.filter(year=year, status__in=ACCEPTED), "recommended_by"),
        adopted=_count(raised.filter(status__in=ADOPTED), "record_item__proposer"),
        implemented=_count(raised.filter(status=OutcomeItem.Status.IMPLEMENTED), "record_item__proposer"),
        satisfied=_count(supervised, "member"),
    )
    points = sum((F(name) * getattr(weights, weight) for name, weight in ACTIVITIES), Value(0))
    return members.annotate(points=points).order_by("-points", "name", "pk")


def member_record(*, member: Member, year: int) -> Member | None:
    return ranking(year=year).filter(pk=member.pk).first()


@dataclass(frozen=True)
class Line:
    """One line of a member's breakdown: what was counted, how many, the points for each, the points."""

    key: str
    label: str
    count: int
    weight: int
    quality: bool

    @property
    def points(self) -> int:
        return self.count * self.weight


def breakdown(record: Member, weights: PerformanceWeights | None = None) -> list[Line]:
    """The member's points line by line (a row of `ranking`), the counts first, then the quality."""
    weights = weights or PerformanceWeights.current()
    return [
        Line(name, str(LABELS[name]), getattr(record, name), getattr(weights, weight), name in QUALITY)
        for name, weight in ACTIVITIES
    ]
