"""考核: the liaison stations' yearly score, computed by the database from what is recorded.

Each station (one per town) earns, for each criterion, the criterion's points in proportion to how far it met it:

- consultations held at the town's and its villages' platforms against the yearly target (capped at the target);
- outcome items of the town handed over in the year that are implemented (a partly implemented item counts half);
- the satisfaction rate of those items once published (online responses and staff tallies);
- the share of the town's platforms meeting "五有" (sessions.selectors_platforms.with_five_haves) at the end of the
  year, or today for the year under way: the four items confirmed by then and a consultation held there during
  the year;
- the share of the members sunk into the town during the year who attended a meeting or took part in research there.

Every count is a correlated subquery on the towns, so one query returns all of them, plus two for the satisfaction
rates and one for the weights, whatever the number of towns, meetings, items or members.
"""

import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Exists, F, Func, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult_portal import office
from consult_portal.models import Area, in_town
from members.models import Assignment, Member
from members.selectors import sunk_into, year_days
from outcomes.models import OutcomeItem
from outcomes.selectors import Satisfaction, handed_over_q, satisfaction
from sessions.models import Meeting, Participant, Platform, Research, StationAssessmentWeights
from sessions.selectors_platforms import held_by_town, meets_five_haves, with_five_haves, year_bounds

# (key, label): the key names both the weight field and the criterion.
CRITERIA = (
    ("consultations", _("Consultations held")),
    ("outcomes", _("Outcome items implemented")),
    ("satisfaction", _("Satisfaction rate")),
    ("platforms", _("Platforms meeting the five-haves standard")),
    ("members", _("Sunk members taking part")),
)
TENTH = Decimal("0.1")


def commended_places(station_count: int) -> int:
    """The top third, rounded up: the number of places proposed for commendation."""
    return math.ceil(station_count / 3)


def _count(queryset: QuerySet):
    """COUNT(*) of a correlated queryset as a scalar subquery."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField())).values("n")
    return Coalesce(Subquery(counted[:1]), Value(0))


def _points(weight: int, numerator: int, denominator: int) -> Decimal:
    """`weight` × numerator / denominator, at most `weight`, to a tenth of a point; nothing when there is no base."""
    if denominator <= 0:
        return Decimal(0)
    share = min(Decimal(numerator) / Decimal(denominator), Decimal(1))
    return (weight * share).quantize(TENTH, rounding=ROUND_HALF_UP)


def _towns(year: int) -> QuerySet:
    start, end = year_bounds(year)
    first_day, last_day = year_days(year)
    town = OuterRef("pk")
    # Inside a subquery over members or platforms, the town is one level further out.
    outer_town = OuterRef(OuterRef("pk"))
    held = Meeting.objects.held(since=start, until=end)
    items = OutcomeItem.objects.filter(handed_over_q(year), town=town)
    platforms = Platform.objects.filter(in_town(town))
    # A confirmation dated later than today has not happened yet, in the year under way as on the registry's page.
    on = min(last_day, timezone.localdate())
    five_haves = with_five_haves(platforms, on=on, since=start, until=end).filter(meets_five_haves())
    assigned = Assignment.objects.filter(sunk_into(outer_town, *year_days(year)), member=OuterRef("pk"))
    sunk = Member.objects.filter(Exists(assigned), is_active=True)
    attended = Participant.objects.checked_in().filter(  # confirmed check-ins only (#16)
        in_town(outer_town, "meeting__platform__area"),
        member=OuterRef("pk"),
        meeting__starts_at__gte=start,
        meeting__starts_at__lt=end,
    )
    researched = Research.objects.filter(
        in_town(outer_town, "meeting__platform__area") | Q(topic__town=outer_town),
        members=OuterRef("pk"),
        date__gte=first_day,
        date__lte=last_day,
    )
    return (
        Area.objects.filter(level=Area.Level.TOWN)
        .annotate(
            held=_count(held.filter(in_town(town, "platform__area"))),
            handed=_count(items),
            implemented=_count(items.filter(status=OutcomeItem.Status.IMPLEMENTED)),
            partly=_count(items.filter(status=OutcomeItem.Status.PARTLY)),
            platform_count=_count(platforms),
            five_haves=_count(five_haves),
            sunk=_count(sunk),
            active=_count(sunk.filter(Exists(attended) | Exists(researched))),
        )
        .order_by("code")
    )


@dataclass(frozen=True)
class Criterion:
    key: str
    label: str
    weight: int
    points: Decimal


@dataclass
class StationScore:
    town: Area
    held: int
    target: int
    handed: int
    implemented: int
    partly: int
    satisfaction: Satisfaction
    platform_count: int
    five_haves: int
    sunk: int
    active: int
    criteria: tuple[Criterion, ...] = ()
    total: Decimal = Decimal(0)
    rank: int = 0
    commended: bool = False

    def points(self, key: str) -> Decimal:
        return next(c.points for c in self.criteria if c.key == key)


def _score(town: Area, rate: Satisfaction, weights: StationAssessmentWeights, goal: int) -> StationScore:
    score = StationScore(
        town=town,
        held=town.held,
        target=goal,
        handed=town.handed,
        implemented=town.implemented,
        partly=town.partly,
        satisfaction=rate,
        platform_count=town.platform_count,
        five_haves=town.five_haves,
        sunk=town.sunk,
        active=town.active,
    )
    shares = {
        # A target of 0 is met by anyone.
        "consultations": (score.held, goal) if goal > 0 else (1, 1),
        "outcomes": (2 * score.implemented + score.partly, 2 * score.handed),
        "satisfaction": (rate.satisfied, rate.total),
        "platforms": (score.five_haves, score.platform_count),
        "members": (score.active, score.sunk),
    }
    score.criteria = tuple(
        Criterion(key, str(label), getattr(weights, key), _points(getattr(weights, key), *shares[key]))
        for key, label in CRITERIA
    )
    score.total = sum((c.points for c in score.criteria), Decimal(0))
    return score


def ranking(*, year: int, weights: StationAssessmentWeights | None = None) -> list[StationScore]:
    """Every liaison station's score for `year`, best first.

    Equal totals share a rank; the stations ranked within the top third (ceil(n / 3) of n stations) with a total
    above nothing are marked for commendation (拟表彰).
    """
    weights = weights or StationAssessmentWeights.current()
    goal = office.current().meetings_per_town_target
    start, end = year_bounds(year)
    published = OutcomeItem.objects.filter(handed_over_q(year), published_at__isnull=False, town__isnull=False)
    rates = satisfaction(published, by="town")
    scores = [_score(town, rates.get(town.pk, Satisfaction()), weights, goal) for town in _towns(year)]
    scores.sort(key=lambda s: (-s.total, s.town.code))
    commended = commended_places(len(scores))
    for position, score in enumerate(scores, start=1):
        previous = scores[position - 2] if position > 1 else None
        score.rank = previous.rank if previous is not None and previous.total == score.total else position
        score.commended = score.rank <= commended and score.total > 0
    return scores


@dataclass
class LevelFigures:
    """The figures of the assessment's other rows: the county's own level (not a station, not scored) or the whole
    county (the stations and the county level added up)."""

    held: int = 0
    target: int = 0
    handed: int = 0
    implemented: int = 0
    partly: int = 0
    satisfaction: Satisfaction = Satisfaction()

    def __add__(self, other: "LevelFigures") -> "LevelFigures":
        return LevelFigures(
            *(getattr(self, f) + getattr(other, f) for f in ("held", "target", "handed", "implemented", "partly")),
            satisfaction=self.satisfaction + other.satisfaction,
        )


def county_level(*, year: int) -> LevelFigures:
    """The county's own row: consultations held at county-level platforms (`town_of` None) and the county-wide items
    handed over in `year`, with their satisfaction. Four queries."""
    start, end = year_bounds(year)
    items = OutcomeItem.objects.filter(handed_over_q(year), town__isnull=True)
    counts = items.aggregate(
        handed=Count("pk"),
        implemented=Count("pk", filter=Q(status=OutcomeItem.Status.IMPLEMENTED)),
        partly=Count("pk", filter=Q(status=OutcomeItem.Status.PARTLY)),
    )
    rate = satisfaction(items.filter(published_at__isnull=False))[None]
    return LevelFigures(held=held_by_town(since=start, until=end).get(None, 0), satisfaction=rate, **counts)


def whole_county(scores: list[StationScore], county: LevelFigures) -> LevelFigures:
    """The stations' rows and the county's row added up: the assessment table's total."""
    total = county
    for s in scores:
        total = total + LevelFigures(s.held, s.target, s.handed, s.implemented, s.partly, s.satisfaction)
    return total
