"""Reads for the platform registry, the "五有" check and the coverage of towns and villages."""

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db.models import (
    BooleanField,
    Case,
    Count,
    DateTimeField,
    Exists,
    ExpressionWrapper,
    F,
    Func,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult_portal.access import object_for_user
from consult_portal.models import Area, in_town

from .models import Meeting, Platform

ACTIVITY_WINDOW = timedelta(days=365)
RECENT_MEETINGS = 10

# "五有": four items confirmed on a date, and activities (meetings held); see `with_five_haves`.
FIVE_HAVES = (
    ("organisation", "organisation_confirmed_on", _("Has an organisation")),
    ("sign", "sign_confirmed_on", _("Has a sign")),
    ("staff", "staff_confirmed_on", _("Has staff")),
    ("rules", "rules_confirmed_on", _("Has rules")),
)
FIVE = len(FIVE_HAVES) + 1


def _count(queryset: QuerySet):
    """COUNT(*) of a correlated queryset as a scalar subquery."""
    counted = queryset.order_by().annotate(n=Func(F("pk"), function="COUNT", output_field=IntegerField())).values("n")
    return Coalesce(Subquery(counted[:1]), Value(0))


def _latest_start(meetings: QuerySet):
    """MAX(starts_at) of a correlated queryset as a scalar subquery, NULL when empty."""
    latest = (
        meetings.order_by()
        .annotate(last=Func(F("starts_at"), function="MAX", output_field=DateTimeField()))
        .values("last")
    )
    return Subquery(latest[:1])


def _activities(since: datetime, until: datetime) -> QuerySet:
    # Only a meeting that took place counts as an activity of its platform.
    return Meeting.objects.held(since=since, until=until).filter(platform=OuterRef("pk"))


def with_five_haves(platforms: QuerySet, *, on: date, since: datetime, until: datetime) -> QuerySet:
    """The one definition of "五有" met, for the registry, its export and the station assessment: annotate each
    platform with `five_{key}` for each of the four items (True when confirmed on or before the day `on`),
    `activity_count` (meetings held there from `since` until `until`) and `five_met`, how many of the five it meets
    (activities: at least one meeting held). It meets the standard when `five_met` is FIVE (`meets_five_haves`)."""
    confirmed = {f"five_{key}": Q(**{f"{field}__lte": on}) for key, field, _label in FIVE_HAVES}
    platforms = platforms.annotate(
        **{name: ExpressionWrapper(q, output_field=BooleanField()) for name, q in confirmed.items()},
        activity_count=_count(_activities(since, until)),
    )
    met = [Case(When(q, then=1), default=0) for q in confirmed.values()]
    return platforms.annotate(
        five_met=sum(met, Case(When(activity_count__gt=0, then=1), default=0))
    )


def meets_five_haves() -> Q:
    """Platforms from `with_five_haves` meeting all five."""
    return Q(five_met=FIVE)


def with_activity(platforms: QuerySet, now: datetime | None = None) -> QuerySet:
    """Annotate each platform with the "五有" check as of today (`with_five_haves`: activities are the meetings held
    in the last 12 months) and the last of those meetings' start."""
    now = now or timezone.now()
    since = now - ACTIVITY_WINDOW
    checked = with_five_haves(platforms, on=timezone.localdate(now), since=since, until=now)
    return checked.annotate(last_activity_at=_latest_start(_activities(since, now)))


@dataclass(frozen=True)
class FiveHaves:
    """The "五有" standard as of today: four confirmed items plus activities in the last 12 months."""

    items: tuple[tuple[str, str, date | None], ...]  # (key, label, confirmed on; None while not confirmed)
    activity_count: int
    last_activity_at: datetime | None
    met_count: int

    @property
    def has_activities(self) -> bool:
        return self.activity_count > 0

    @property
    def meets_all(self) -> bool:
        return self.met_count == FIVE


def five_haves(platform: Platform) -> FiveHaves:
    """The check of a platform read through `with_activity`, as its annotations say."""
    return FiveHaves(
        items=tuple(
            (key, label, getattr(platform, field) if getattr(platform, f"five_{key}") else None)
            for key, field, label in FIVE_HAVES
        ),
        activity_count=platform.activity_count,
        last_activity_at=platform.last_activity_at,
        met_count=platform.five_met,
    )


def staff_platforms(*, town=None, filters: dict | None = None, search: str = "") -> QuerySet:
    """The registry: scoped to a town and its villages for liaison staff, filtered and searched."""
    platforms = Platform.objects.select_related("area", "area__parent", "sector")
    if town is not None:
        platforms = platforms.filter(in_town(town))
    filters = filters or {}
    for field in ("level", "kind"):
        if filters.get(field):
            platforms = platforms.filter(**{field: filters[field]})
    if filters.get("town"):
        platforms = platforms.filter(in_town(filters["town"]))
    if filters.get("pilot"):
        platforms = platforms.filter(is_pilot=True)
    if search:
        platforms = platforms.filter(name__icontains=search)
    return with_activity(platforms).order_by("level", "area__code", "name", "pk")


def platform_for_staff(*, pk: int, town=None) -> Platform:
    """One platform with its activity; outside the user's town it does not exist for them."""
    platforms = Platform.objects.select_related("area", "area__parent", "sector")
    if town is not None:
        platforms = platforms.filter(in_town(town))
    return with_activity(platforms).get(pk=pk)


def recent_meetings(platform: Platform, limit: int = RECENT_MEETINGS) -> list[Meeting]:
    return list(platform.meetings.order_by("-starts_at", "-id")[:limit])


def year_bounds(year: int) -> tuple[datetime, datetime]:
    """The start of the year and of the next, in the portal's time zone."""
    return (
        timezone.make_aware(datetime(year, 1, 1)),
        timezone.make_aware(datetime(year + 1, 1, 1)),
    )


def coverage(*, year: int, town=None) -> QuerySet:
    """Every town followed by its villages, with platforms and consultations held in the year.

    A town's figures include its villages'; a village has no children, so the same expressions give
    a village its own. One query whatever the number of areas, platforms and meetings.
    """
    start, end = year_bounds(year)
    areas = Area.objects.filter(level__in=[Area.Level.TOWN, Area.Level.VILLAGE])
    if town is not None:
        areas = areas.filter(in_town(town, ""))
    here = in_town(OuterRef("pk"))
    held = Meeting.objects.held(since=start, until=end)
    villages = Area.objects.filter(parent=OuterRef("pk"), level=Area.Level.VILLAGE)
    return areas.annotate(
        platform_count=_count(Platform.objects.filter(here)),
        meeting_count=_count(held.filter(in_town(OuterRef("pk"), "platform__area"))),
        village_count=_count(villages),
        villages_with_platform=_count(villages.filter(Exists(Platform.objects.filter(area=OuterRef("pk"))))),
        town_code=Case(When(level=Area.Level.VILLAGE, then=F("parent__code")), default=F("code")),
    ).order_by("town_code", "level", "code")


def town_of(area: str = "platform__area"):
    """The town of the area reached through `area` (a meeting's: "platform__area"): the area itself for a town, its
    town for a village, None for the county. The one rule by which a meeting, its record and its participants
    belong to a town or, at a county-level platform, to the county (`OutcomeItem.derive_town` says the same of a
    loaded meeting)."""
    return Case(
        When(**{f"{area}__level": Area.Level.TOWN}, then=F(area)),
        When(**{f"{area}__level": Area.Level.VILLAGE}, then=F(f"{area}__parent")),
        default=None,
        output_field=IntegerField(),
    )


def held_by_town(*, since, until) -> dict:
    """{town id, or None for the county: consultations held from `since` until `until`}: one GROUP BY query. The
    coverage page, the dashboard and /stats/ count meetings per town with this."""
    rows = (
        Meeting.objects.held(since=since, until=until)
        .order_by()
        .annotate(town_key=town_of())
        .values("town_key")
        .annotate(n=Count("pk"))
    )
    return {row["town_key"]: row["n"] for row in rows}


def below_target(held: int, target: int) -> bool:
    """A town is below target when it held fewer consultations than the target (the coverage page's badge, the
    dashboard's headline)."""
    return held < target


def county_coverage(*, year: int) -> dict:
    """The county's own row of the coverage: its county-level platforms and the consultations held there in the
    year (they belong to no town, and count for the whole county only). Two queries."""
    start, end = year_bounds(year)
    return {
        "platform_count": Platform.objects.filter(area__level=Area.Level.COUNTY).count(),
        "meeting_count": held_by_town(since=start, until=end).get(None, 0),
    }


def platform_for_user(request, pk: int, *, write: bool = False) -> Platform:
    """The platform as this staff user may see it (liaison staff: their town's), or 404; `write` refuses readers."""
    return object_for_user(
        request, lambda town: platform_for_staff(pk=pk, town=town), write=write, capability="meetings.change"
    )
