"""履职量化考核: each member's points for a year, computed by the database from what is recorded.

Every count is a correlated subquery, so one query returns the whole ranking, whatever the number of
members or activities, and counts never multiply each other as joins would.
"""

from django.db.models import Count, F, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from members.models import Member, PerformanceWeights
from members.selectors import sunk_members, year_days
from outcomes.models import OutcomeItem
from sessions.models import Participant, Research
from topics.models import Topic

ACCEPTED = (Topic.Status.ACCEPTED, Topic.Status.PLANNED, Topic.Status.CONSULTED, Topic.Status.CONCLUDED)
ADOPTED = (OutcomeItem.Status.IMPLEMENTED, OutcomeItem.Status.PARTLY)
# (annotation on the member, weight field): the member model already uses names like "research".
ACTIVITIES = (
    ("attended", "meeting_attended"),
    ("researched", "research"),
    ("recommended", "topic_recommended"),
    ("accepted", "topic_accepted"),
    ("adopted", "suggestion_adopted"),
)


def _count(queryset: QuerySet, member_field: str):
    counted = queryset.filter(**{member_field: OuterRef("pk")}).order_by().values(member_field)
    return Coalesce(Subquery(counted.annotate(n=Count("pk")).values("n")[:1], output_field=IntegerField()), Value(0))


def ranking(*, year: int, town=None, weights: PerformanceWeights | None = None) -> QuerySet:
    """Active members (those sunk into `town` during `year` when given) with their counts per activity and their
    points for `year`, best first."""
    weights = weights or PerformanceWeights.current()
    members = Member.objects.filter(is_active=True).select_related("sector")
    if town is not None:
        members = members.filter(pk__in=sunk_members(town, *year_days(year)))
    members = members.annotate(
        attended=_count(
            Participant.objects.checked_in().filter(meeting__starts_at__year=year), "member"
        ),
        researched=_count(Research.members.through.objects.filter(research__date__year=year), "member"),
        recommended=_count(Topic.objects.filter(year=year), "recommended_by"),
        accepted=_count(Topic.objects.filter(year=year, status__in=ACCEPTED), "recommended_by"),
        adopted=_count(
            OutcomeItem.objects.filter(status__in=ADOPTED, record_item__meeting__starts_at__year=year),
            "record_item__proposer",
        ),
    )
    points = sum((F(name) * getattr(weights, weight) for name, weight in ACTIVITIES), Value(0))
    return members.annotate(points=points).order_by("-points", "name", "pk")


def member_record(*, member: Member, year: int) -> Member | None:
    return ranking(year=year).filter(pk=member.pk).first()
