"""The figures of a period (a year, or a span of years such as 2021–2026) for the dashboard, the public
statistics, the staff home and their downloads (#7, #14, #16).

Every figure is a database aggregate (conditional counts grouped by town), so a county of any size costs the same
few queries; `compute(period=…, town=…)` is a plain function of (period, scope) so that it can be cached. Each
thing counts in the year it happened, so a span's figure is the sum of its years'. Definitions, for a period P and
a town (its villages included) or the whole county; the README's "Figures" says the same:

- Consultations held: `Meeting.objects.held()` that started in P, at a platform of the town; a county-level
  platform's meetings belong to the county (`sessions.selectors_platforms.town_of`). Target: the office's setting
  per town and year times the years of P; a town's target counts only its own meetings; the headline is the
  number of towns that met their target (`below_target`, as on the coverage page).
- Topics received: topics of P's years (their `year`) in the town, by source and by status; county-level topics
  (no town) belong to the county.
- Suggestions raised / consensus reached: the record items of the meetings held in P, by the meeting's town.
- Outcome items: items handed over in P (`outcomes.selectors.handed_over_q`, the hand-over date), by the item's
  town (county-wide items count for the county). Implemented = status implemented; being handled = open
  (`OutcomeItem.OPEN`); overdue = `overdue_q` today. Problems solved = `problems_solved` summed over the items
  implemented or partly implemented (`outcomes.selectors.SOLVED_STATUSES`).
- Adoption rate (采纳率) = record items of P's meetings handed to a unit ÷ all record items of those meetings.
- Implementation rate (落实率) = items implemented or partly implemented ÷ items with a final result.
- Satisfaction rate (满意率): `outcomes.selectors.satisfaction` of the published items handed over in P.
- Participation: residents invited / attending, departments and member-times recorded for P's held meetings
  (`sessions.selectors.participation_totals`); residents who came of their own accord (the records' count),
  residents concerned taking part as participants.
- Members' participation = active members (for a town: sunk into it during P) who took part in P
  (`members.selectors.took_part_q`) ÷ those active members.
"""

from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, F, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult_portal import office
from consult_portal.models import Area, in_town
from consult_portal.periods import Period
from members.selectors import active_members, took_part_q
from outcomes.models import OutcomeItem, SatisfactionResponse, overdue_q
from outcomes.selectors import SOLVED_STATUSES, Satisfaction, handed_over_q, satisfaction
from sessions.models import Meeting, Participant, RecordItem, held_q
from sessions.selectors import PARTICIPATION_FIELDS, Participation
from sessions.selectors_platforms import below_target, town_of
from topics.models import Topic

OS = OutcomeItem.Status
FINAL = (OS.IMPLEMENTED, OS.PARTLY, OS.NOT_FEASIBLE)
FIRST_YEAR = 2000
SUMMED = (
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
    "problems_solved",
    "survey_responses",
)


def _rate(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def ratio(rate: float | None) -> float | None:
    """A rate as a number for a CSV or spreadsheet cell: a percentage to one decimal, None (an empty cell) when
    there is no base."""
    return None if rate is None else round(rate * 100, 1)


@dataclass
class Figures:
    """The counts of one town, of the county's own level (`town` None in `Dashboard.county_wide`), or of the whole
    scope (`Dashboard.total`); rates are computed from them."""

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
    problems_solved: int = 0
    satisfaction: Satisfaction = field(default_factory=Satisfaction)
    participation: Participation = field(default_factory=Participation)
    survey_responses: int = 0
    members_active: int | None = None
    members_took_part: int | None = None

    def add(self, other: "Figures") -> None:
        for name in SUMMED:
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for key in self.topics:
            self.topics[key] += other.topics[key]
        for key in self.statuses:
            self.statuses[key] += other.statuses[key]
        self.satisfaction += other.satisfaction
        mine, theirs = self.participation, other.participation
        self.participation = Participation(
            **{name: getattr(mine, name) + getattr(theirs, name) for name in Participation.__dataclass_fields__}
        )

    @property
    def topics_total(self) -> int:
        return sum(self.topics.values())

    @property
    def record_items(self) -> int:
        return self.suggestions + self.consensus

    @property
    def target_met(self) -> bool:
        return not below_target(self.meetings_held, self.target)

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
    period: Period
    town: Area | None
    towns: list  # every town of the county, in code order
    total: Figures  # the scope's: for the county, the towns' and the county level's added up
    by_town: list  # Figures per town: every town for the county, the one town otherwise
    county_wide: Figures  # the county's own level: county-level platforms' meetings, county topics and items

    @property
    def year(self) -> Period:
        return self.period

    @property
    def towns_met(self) -> int:
        """The towns that held at least their target (the headline; the coverage page counts the others)."""
        return sum(1 for f in self.by_town if f.target_met)

    @property
    def rows(self) -> list:
        """The table's rows: each town, then the county's own level (for the county); they add up to `total`."""
        return [*self.by_town, self.county_wide] if self.town is None else list(self.by_town)


def _grouped(queryset, key, **aggregates) -> dict:
    """{town id or None: {aggregate: value}}: one GROUP BY query."""
    rows = queryset.order_by().annotate(town_key=key).values("town_key").annotate(**aggregates)
    return {row.pop("town_key"): row for row in rows}


def _participation_sums() -> dict:
    """The sums of `sessions.selectors.participation_totals`, per group: the same terms, so the rows add up to it."""
    both = Q(residents_invited__gt=0, residents_attended__isnull=False)
    any_recorded = Q()
    for name in PARTICIPATION_FIELDS:
        any_recorded |= Q(**{f"{name}__isnull": False})
    return {
        "p_meetings": Count("pk", filter=any_recorded),
        "p_invited": Sum("residents_invited"),
        "p_attended": Sum("residents_attended"),
        "p_departments": Sum("departments_count"),
        "p_member_times": Sum("member_times"),
        "p_rate_invited": Sum("residents_invited", filter=both),
        "p_rate_attended": Sum("residents_attended", filter=both),
    }


def compute(*, year=None, period=None, town: Area | None = None, members: bool = True) -> Dashboard:
    """The figures of `period` (or `year`; this year by default) for `town` (None: the whole county, with each
    town's figures and the county's own level)."""
    period = Period.of(period if period is not None else year)
    since, until = period.bounds()
    towns = list(Area.objects.filter(level=Area.Level.TOWN).order_by("code"))
    scoped = towns if town is None else [town]
    meetings = Meeting.objects.held(since=since, until=until)
    topics = Topic.objects.filter(period.year_q("year"))
    record_items = RecordItem.objects.filter(held_q("meeting__", since=since, until=until))
    participants = Participant.objects.filter(
        held_q("meeting__", since=since, until=until), kind=Participant.Kind.RESIDENT
    )
    outcomes = OutcomeItem.objects.filter(handed_over_q(period))
    published = outcomes.filter(published_at__isnull=False)
    responses = SatisfactionResponse.objects.filter(item__in=published, **ONLINE_COUNTED)
    if town is not None:
        meetings = meetings.filter(in_town(town, "platform__area"))
        topics = topics.filter(town=town)
        record_items = record_items.filter(in_town(town, "meeting__platform__area"))
        participants = participants.filter(in_town(town, "meeting__platform__area"))
        outcomes, published = outcomes.filter(town=town), published.filter(town=town)
        responses = responses.filter(item__town=town)

    meeting_rows = _grouped(
        meetings, town_of(), held=Count("pk"), walk_ins=Sum("walk_in_count", default=0), **_participation_sums()
    )
    topic_rows = _grouped(
        topics,
        F("town"),
        **{f"source_{s}": Count("pk", filter=Q(source=s)) for s in Topic.Source.values},
        **{f"status_{s}": Count("pk", filter=Q(status=s)) for s in Topic.Status.values},
    )
    item_rows = _grouped(
        record_items,
        town_of("meeting__platform__area"),
        suggestions=Count("pk", filter=Q(kind=RecordItem.Kind.SUGGESTION)),
        consensus=Count("pk", filter=Q(kind=RecordItem.Kind.CONSENSUS)),
        handed_over=Count("pk", filter=Q(outcome__isnull=False)),
    )
    participant_rows = _grouped(participants, town_of("meeting__platform__area"), residents=Count("pk"))
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
        problems=Sum("problems_solved", filter=Q(status__in=SOLVED_STATUSES), default=0),
    )
    response_rows = _grouped(responses, F("item__town"), n=Count("pk"))
    rates = satisfaction(published, by="town")
    goal = office.current().meetings_per_town_target * len(period.years)

    def figures_for(key, area) -> Figures:
        f = Figures(town=area, target=goal if area is not None else 0)
        row = meeting_rows.get(key, {})
        f.meetings_held, f.walk_ins = row.get("held", 0), row.get("walk_ins", 0)
        f.participation = Participation(
            **{name: row.get(f"p_{name}") or 0 for name in Participation.__dataclass_fields__}
        )
        row = topic_rows.get(key, {})
        f.topics = {s: row.get(f"source_{s}", 0) for s in Topic.Source.values}
        f.statuses = {s: row.get(f"status_{s}", 0) for s in Topic.Status.values}
        row = item_rows.get(key, {})
        f.suggestions, f.consensus = row.get("suggestions", 0), row.get("consensus", 0)
        f.handed_over = row.get("handed_over", 0)
        f.resident_participants = participant_rows.get(key, {}).get("residents", 0)
        row = outcome_rows.get(key, {})
        f.outcomes, f.problems_solved = row.get("total", 0), row.get("problems", 0)
        for name in ("implemented", "partly", "not_feasible", "answered", "in_progress", "overdue"):
            setattr(f, name, row.get(name, 0))
        f.satisfaction = rates.get(key, Satisfaction())
        f.survey_responses = response_rows.get(key, {}).get("n", 0)
        return f

    by_town = [figures_for(t.pk, t) for t in scoped]
    county_wide = figures_for(None, None) if town is None else Figures()
    total = Figures(town=town, target=goal * len(scoped))
    for f in [*by_town, county_wide]:
        total.add(f)
    if members:
        total.members_active, total.members_took_part = _members(period=period, town=town)
    return Dashboard(period=period, town=town, towns=towns, total=total, by_town=by_town, county_wide=county_wide)


# The online answers a figure counts: those the satisfaction rate counts (verified), shown beside it.
ONLINE_COUNTED = {"verified": True}


def _members(*, period: Period, town: Area | None) -> tuple[int, int]:
    """(active members of the scope, those of them who took part in the scope in `period`): one query."""
    counts = active_members(period, town).aggregate(
        active=Count("pk"), took_part=Count("pk", filter=took_part_q(period, town))
    )
    return counts["active"], counts["took_part"]


def years(today: date | None = None) -> list[int]:
    """The years to choose from, newest first: from the first year with a topic or a meeting (at most ten back) to
    this year."""
    this_year = (today or timezone.localdate()).year
    firsts = [
        Topic.objects.aggregate(first=Min("year"))["first"],
        Meeting.objects.aggregate(first=Min("starts_at"))["first"],
    ]
    firsts = [f if isinstance(f, int) else timezone.localtime(f).year for f in firsts if f is not None]
    first = max(min(firsts, default=this_year), this_year - 9, FIRST_YEAR)
    return list(range(this_year, first - 1, -1))


# The public subset: counts only, never a name or a phone. Rates are percentages (a number, blank without base).
PUBLIC_COLUMNS = (
    ("town", _("Town / street")),
    ("meetings_held", _("Consultations held")),
    ("target", _("Target")),
    ("party", _("Party and government request")),
    ("resident", _("Residents' suggestion")),
    ("member", _("Member recommendation")),
    ("topics_total", _("Topics received")),
    ("suggestions", _("Suggestions raised")),
    ("consensus", _("Consensus reached")),
    ("outcomes", _("Items handed over")),
    ("implemented", _("Outcome items implemented")),
    ("problems_solved", _("Problems solved")),
    ("residents_invited", _("Residents invited")),
    ("residents_attended", _("Residents attending")),
    ("participation", _("Residents' participation rate (%)")),
    ("departments", _("Departments taking part")),
    ("member_times", _("Member-times")),
    ("satisfaction", _("Satisfaction rate (%)")),
)
RATE_COLUMNS = ("participation", "satisfaction")


def public_row(figures: Figures, name: str, *, text: bool = True) -> dict:
    """One row of /stats/ (`text`: rates as "87.5%" or "—") or of its CSV (rates as numbers, None when none)."""
    show = percent if text else ratio
    return {
        "town": name,
        "meetings_held": figures.meetings_held,
        "target": figures.target,
        "party": figures.topics[Topic.Source.PARTY],
        "resident": figures.topics[Topic.Source.RESIDENT],
        "member": figures.topics[Topic.Source.MEMBER],
        "topics_total": figures.topics_total,
        "suggestions": figures.suggestions,
        "consensus": figures.consensus,
        "outcomes": figures.outcomes,
        "implemented": figures.implemented,
        "problems_solved": figures.problems_solved,
        "residents_invited": figures.participation.invited,
        "residents_attended": figures.participation.attended,
        "participation": show(figures.participation.rate),
        "departments": figures.participation.departments,
        "member_times": figures.participation.member_times,
        "satisfaction": show(figures.satisfaction.rate),
    }
