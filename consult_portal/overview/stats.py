"""The year's figures for the dashboard, the public statistics and their downloads (#7).

Every figure is a database aggregate (conditional counts grouped by town), so a county of any size costs the
same ten queries. Definitions, for a year Y and a town (its villages included) or the whole county:

- Consultations held: meetings in status "held" or "record completed" that started in Y, at a platform of
  the town (or anywhere, for the county, county-level platforms included). Target: the office's setting
  per town and year (MEETINGS_PER_TOWN_TARGET, 2, by default); the county's target is that times the number of towns.
- Topics received: topics of year Y in the town, by source (党政点题/群众出题/委员荐题) and by status.
- Suggestions raised / consensus reached: the suggestion and consensus items recorded for the meetings of
  Y held in the town.
- Outcome items: items handed over in Y whose town is the town (county-wide items count for the county only).
  Problems solved = items implemented; in progress = assigned or in progress; overdue = in progress past the
  handling deadline today.
- Adoption rate (采纳率) = record items (suggestions and consensus) of the year's meetings that were handed to a
  unit as outcome items ÷ all record items of those meetings.
- Implementation rate (落实率) = items implemented or partly implemented ÷ items with a final result
  (implemented, partly implemented, not feasible for now).
- Satisfaction rate (满意率) = (very satisfied + satisfied + basically satisfied) ÷ all answers, online and
  the staff's tallies, for the published items handed over in Y (outcomes.selectors.satisfaction).
- Residents' voluntary participation: residents' topics (群众出题) and their share of all topics, residents who
  came of their own accord to the year's held meetings (the record's count), residents concerned who took
  part as participants, and residents' online satisfaction answers.
- Members' participation = active members (for a town: those sunk into it during Y, members.selectors.sunk_into)
  who checked in at a meeting or took part in a research record of the town in Y ÷ those active members.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Case, Count, F, IntegerField, Min, Q, Sum, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult_portal import office
from consult_portal.models import Area, in_town
from members.models import Member
from members.selectors import sunk_members, year_days
from outcomes.models import OutcomeItem, SatisfactionResponse, overdue_q
from outcomes.selectors import Satisfaction, satisfaction
from sessions.models import Meeting, Participant, RecordItem, Research, held_q
from topics.models import Topic

OS = OutcomeItem.Status
FINAL = (OS.IMPLEMENTED, OS.PARTLY, OS.NOT_FEASIBLE)
FIRST_YEAR = 2000


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


@dataclass
class Figures:
    """The counts of one town, or of the county (`town` None); rates are computed from them."""

    town: Area | None = None
    target: int = 0
    meetings_held: int = 0
    walk_ins: int = 0
    topics: dict = field(default_factory=lambda: dict.fromkeys(Topic.Source.values, 0))
    statuses: dict = field(default_factory=lambda: dict.fromkeys(Topic.Status.values, 0))
    suggestions: int = 0
    consensus: int = 0
    handed_over: int = 0
    resident_participants: int = 0
    outcomes: int = 0
    implemented: int = 0
    partly: int = 0
    not_feasible: int = 0
    answered: int = 0
    in_progress: int = 0
    overdue: int = 0
    satisfaction: Satisfaction = field(default_factory=Satisfaction)
    survey_responses: int = 0
    members_active: int | None = None
    members_took_part: int | None = None

    def add(self, other: "Figures") -> None:
        for name in (
            "meetings_held",
            "walk_ins",
            "suggestions",
            "consensus",
            "handed_over",
            "resident_participants",
            "outcomes",
            "implemented",
            "partly",
            "not_feasible",
            "answered",
            "in_progress",
            "overdue",
            "survey_responses",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key in self.topics:
            self.topics[key] += other.topics[key]
        for key in self.statuses:
            self.statuses[key] += other.statuses[key]
        self.satisfaction += other.satisfaction

    @property
    def topics_total(self) -> int:
        return sum(self.topics.values())

    @property
    def record_items(self) -> int:
        return self.suggestions + self.consensus

    @property
    def target_met(self) -> bool:
        return self.meetings_held >= self.target

    @property
    def concluded(self) -> int:
        return self.implemented + self.partly + self.not_feasible

    @property
    def adoption_rate(self) -> float | None:
        return _rate(self.handed_over, self.record_items)

    @property
    def implementation_rate(self) -> float | None:
        return _rate(self.implemented + self.partly, self.concluded)

    @property
    def resident_topic_share(self) -> float | None:
        return _rate(self.topics[Topic.Source.RESIDENT], self.topics_total)

    @property
    def members_rate(self) -> float | None:
        if self.members_active is None:
            return None
        return _rate(self.members_took_part or 0, self.members_active)


@dataclass
class Dashboard:
    year: int
    town: Area | None
    towns: list  # every town of the county, in code order
    total: Figures
    by_town: list  # Figures per town: every town for the county, the one town otherwise
    county_wide: Figures  # what belongs to no town: county-level platforms' meetings, county-wide items


def _town_of(area: str):
    """The town of the area reached through `area`: itself for a town, its parent for a village, else None."""
    return Case(
        When(**{f"{area}__level": Area.Level.TOWN}, then=F(area)),
        When(**{f"{area}__level": Area.Level.VILLAGE}, then=F(f"{area}__parent")),
        default=None,
        output_field=IntegerField(),
    )


def _grouped(queryset, key, **aggregates) -> dict:
    """{town id or None: {aggregate: value}}: one GROUP BY query."""
    rows = queryset.order_by().annotate(town_key=key).values("town_key").annotate(**aggregates)
    return {row.pop("town_key"): row for row in rows}


def compute(*, year: int, town: Area | None = None, members: bool = True) -> Dashboard:
    """The figures of `year` for `town` (None: the whole county, with each town's figures)."""
    towns = list(Area.objects.filter(level=Area.Level.TOWN).order_by("code"))
    scoped = towns if town is None else [town]
    meetings = Meeting.objects.held(year=year)
    topics = Topic.objects.filter(year=year)
    record_items = RecordItem.objects.filter(held_q("meeting__", year=year))
    participants = Participant.objects.filter(held_q("meeting__", year=year), kind=Participant.Kind.RESIDENT)
    outcomes = OutcomeItem.objects.filter(created_at__year=year)
    responses = SatisfactionResponse.objects.filter(item__created_at__year=year, item__published_at__isnull=False)
    if town is not None:
        meetings = meetings.filter(in_town(town, "platform__area"))
        topics = topics.filter(town=town)
        record_items = record_items.filter(in_town(town, "meeting__platform__area"))
        participants = participants.filter(in_town(town, "meeting__platform__area"))
        outcomes = outcomes.filter(town=town)
        responses = responses.filter(item__town=town)

    meeting_rows = _grouped(
        meetings, _town_of("platform__area"), held=Count("pk"), walk_ins=Sum("walk_in_count", default=0)
    )
    topic_rows = _grouped(
        topics,
        F("town"),
        **{f"source_{s}": Count("pk", filter=Q(source=s)) for s in Topic.Source.values},
        **{f"status_{s}": Count("pk", filter=Q(status=s)) for s in Topic.Status.values},
    )
    item_rows = _grouped(
        record_items,
        _town_of("meeting__platform__area"),
        suggestions=Count("pk", filter=Q(kind=RecordItem.Kind.SUGGESTION)),
        consensus=Count("pk", filter=Q(kind=RecordItem.Kind.CONSENSUS)),
        handed_over=Count("pk", filter=Q(outcome__isnull=False)),
    )
    participant_rows = _grouped(participants, _town_of("meeting__platform__area"), residents=Count("pk"))
    outcome_rows = _grouped(
        outcomes,
        F("town"),
        total=Count("pk"),
        implemented=Count("pk", filter=Q(status=OS.IMPLEMENTED)),
        partly=Count("pk", filter=Q(status=OS.PARTLY)),
        not_feasible=Count("pk", filter=Q(status=OS.NOT_FEASIBLE)),
        answered=Count("pk", filter=Q(status=OS.ANSWERED)),
        in_progress=Count("pk", filter=Q(status__in=OutcomeItem.OPEN)),
        overdue=Count("pk", filter=overdue_q()),
    )
    response_rows = _grouped(responses, F("item__town"), n=Count("pk"))
    rates = satisfaction(outcomes.filter(published_at__isnull=False), by="town")

    def figures_for(key, area) -> Figures:
        f = Figures(town=area, target=office.current().meetings_per_town_target if area is not None else 0)
        row = meeting_rows.get(key, {})
        f.meetings_held, f.walk_ins = row.get("held", 0), row.get("walk_ins", 0)
        row = topic_rows.get(key, {})
        f.topics = {s: row.get(f"source_{s}", 0) for s in Topic.Source.values}
        f.statuses = {s: row.get(f"status_{s}", 0) for s in Topic.Status.values}
        row = item_rows.get(key, {})
        f.suggestions, f.consensus = row.get("suggestions", 0), row.get("consensus", 0)
        f.handed_over = row.get("handed_over", 0)
        f.resident_participants = participant_rows.get(key, {}).get("residents", 0)
        row = outcome_rows.get(key, {})
        f.outcomes = row.get("total", 0)
        for name in ("implemented", "partly", "not_feasible", "answered", "in_progress", "overdue"):
            setattr(f, name, row.get(name, 0))
        f.satisfaction = rates.get(key, Satisfaction())
        f.survey_responses = response_rows.get(key, {}).get("n", 0)
        return f

    by_town = [figures_for(t.pk, t) for t in scoped]
    county_wide = figures_for(None, None) if town is None else Figures()
    total = Figures(town=town, target=office.current().meetings_per_town_target * len(scoped))
    for f in [*by_town, county_wide]:
        total.add(f)
    if members:
        total.members_active, total.members_took_part = _members(year=year, town=town)
    return Dashboard(year=year, town=town, towns=towns, total=total, by_town=by_town, county_wide=county_wide)


def _members(*, year: int, town: Area | None) -> tuple[int, int]:
    """(active members of the scope, those of them who attended or researched in the scope in `year`): one query."""
    members = Member.objects.filter(is_active=True)
    attended = Participant.objects.filter(
        kind=Participant.Kind.MEMBER, checked_in_at__isnull=False, meeting__starts_at__year=year
    )
    researched = Research.members.through.objects.filter(research__date__year=year)
    if town is not None:
        members = members.filter(pk__in=sunk_members(town, *year_days(year)))
        attended = attended.filter(in_town(town, "meeting__platform__area"))
        researched = researched.filter(
            in_town(town, "research__meeting__platform__area") | Q(research__topic__town=town)
        )
    took_part = Q(pk__in=attended.values("member_id")) | Q(pk__in=researched.values("member_id"))
    counts = members.aggregate(active=Count("pk"), took_part=Count("pk", filter=took_part))
    return counts["active"], counts["took_part"]


def years(today: date | None = None) -> list[int]:
    """The years to choose from, newest first: from the first topic's year (at most ten back) to this year."""
    this_year = (today or timezone.localdate()).year
    first = Topic.objects.aggregate(first=Min("year"))["first"] or this_year
    first = max(first, this_year - 9, FIRST_YEAR)
    return list(range(this_year, first - 1, -1))


# The public subset: counts only, never a name or a phone.
PUBLIC_COLUMNS = (
    ("town", _("Town / street")),
    ("meetings_held", _("Consultations held")),
    ("target", _("Target")),
    ("party", _("Party and government request")),
    ("resident", _("Residents' suggestion")),
    ("member", _("Member recommendation")),
    ("topics_total", _("Topics received")),
    ("implemented", _("Outcome items implemented")),
    ("satisfaction", _("Satisfaction rate")),
)


def public_row(figures: Figures, name: str) -> dict:
    return {
        "town": name,
        "meetings_held": figures.meetings_held,
        "target": figures.target,
        "party": figures.topics[Topic.Source.PARTY],
        "resident": figures.topics[Topic.Source.RESIDENT],
        "member": figures.topics[Topic.Source.MEMBER],
        "topics_total": figures.topics_total,
        "implemented": figures.implemented,
        "satisfaction": figures.satisfaction.percent,
    }
