from datetime import date

from django.conf import settings
from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from consult_portal.access import object_for_user
from consult_portal.models import Area, in_town
from consult_portal.periods import Period

from .models import Assignment, Member


def member_for_user(user) -> Member | None:
    return Member.objects.select_related("sector", "committee").filter(user=user).first()


def assignments(member: Member):
    return Assignment.objects.filter(member=member).select_related("area__parent").order_by("-starts_on")


def running(start: date, end: date | None = None, prefix: str = "") -> Q:
    """Assignments running at some time from `start` to `end`, both days included (on the day `start` alone when
    `end` is None): begun by the end and not ended before the start. Through `prefix`, e.g. "assignments__"."""
    end = end or start
    return Q(**{f"{prefix}starts_on__lte": end}) & (
        Q(**{f"{prefix}ends_on__isnull": True}) | Q(**{f"{prefix}ends_on__gte": start})
    )


def current(prefix: str = "") -> Q:
    """Assignments running today (through `prefix`, e.g. "assignments__"): begun, and not ended."""
    return running(timezone.localdate(), prefix=prefix)


def sunk_into(town, start: date, end: date | None = None) -> Q:
    """委员下沉 "sunk into a town in a period": assignments into `town` or one of its villages running at some time
    from `start` to `end` (see `running`). `town` may be an OuterRef. The one definition that the registry, the
    back-office home, the dashboard, the member ranking and the station assessment count with."""
    return running(start, end) & in_town(town)


def sunk_members(town, start: date, end: date | None = None) -> QuerySet:
    """The ids of the members sunk into `town` from `start` to `end`, for `Member.objects.filter(pk__in=...)`."""
    return Assignment.objects.filter(sunk_into(town, start, end)).values("member_id")


def year_days(year: int) -> tuple[date, date]:
    """The first and the last day of `year`: the period of a yearly figure."""
    return date(year, 1, 1), date(year, 12, 31)


def active_members(period, town=None) -> QuerySet:
    """The active members of a period's figures: all active members for the county, those sunk into `town` at some
    time in the period for a town (`sunk_into`). The dashboard's "active members" and the list it links to."""
    members = Member.objects.filter(is_active=True)
    if town is not None:
        members = members.filter(pk__in=sunk_members(town, *Period.of(period).days()))
    return members


def took_part_q(period, town=None) -> Q:
    """Members who took part (参与履职) in `period`: checked in at a meeting that started in it, or took part in a
    research record dated in it; for a town, a meeting at its platforms or research for its meetings or topics.
    The one definition of the dashboard's "members who took part", its list, and /stats/."""
    period = Period.of(period)
    participant = Member._meta.get_field("participations").related_model  # sessions' models, without the import
    research = Member._meta.get_field("research").related_model
    # Confirmed check-ins only: sessions' rule (`Participant.objects.checked_in()`).
    attended = participant.objects.checked_in().filter(period.q("meeting__starts_at"), kind=participant.Kind.MEMBER)
    researched = research.members.through.objects.filter(period.q("research__date"))
    if town is not None:
        attended = attended.filter(in_town(town, "meeting__platform__area"))
        researched = researched.filter(
            in_town(town, "research__meeting__platform__area") | Q(research__topic__town=town)
        )
    return Q(pk__in=attended.values("member_id")) | Q(pk__in=researched.values("member_id"))


def registry(*, town=None, filters: dict | None = None) -> QuerySet:
    """The staff member list; liaison staff see the members sunk into their town or its villages."""
    members = Member.objects.select_related("sector", "committee").prefetch_related(
        Prefetch(
            "assignments",
            queryset=Assignment.objects.filter(current()).select_related("area__parent").order_by("area__code"),
            to_attr="current_assignments",
        )
    )
    filters = filters or {}
    period = filters.get("active_in")
    for place in (town, filters.get("town")):
        if place is not None and period is None:
            members = members.filter(pk__in=sunk_members(place, timezone.localdate()))
    if period is not None:
        # The dashboard's members of a period: active, sunk into the town during it; and who took part, if asked.
        place = town or filters.get("town")
        members = members.filter(pk__in=active_members(period, place).values("pk"))
        if filters.get("took_part"):
            members = members.filter(took_part_q(period, place))
    for field in ("level", "sector", "committee"):
        if filters.get(field):
            members = members.filter(**{field: filters[field]})
    if filters.get("q"):
        members = members.filter(Q(name__icontains=filters["q"]) | Q(expertise__icontains=filters["q"]))
    return members.order_by("name", "pk")


def coverage(*, town=None) -> dict:
    """Towns and villages against the members sunk there now; villages with nobody, members with no place,
    and members stretched over more than MEMBER_MAX_PLACES places. Three queries whatever the size."""
    areas = Area.objects.filter(level__in=[Area.Level.TOWN, Area.Level.VILLAGE]).select_related("parent")
    running = Assignment.objects.filter(current(), member__is_active=True).select_related("member")
    members = Member.objects.filter(is_active=True)
    if town is not None:
        areas = areas.filter(in_town(town, ""))
        running = running.filter(in_town(town))
    by_area: dict[int, list[Member]] = {}
    for assignment in running.order_by("member__name", "pk"):
        by_area.setdefault(assignment.area_id, []).append(assignment.member)
    rows = [{"area": area, "members": by_area.get(area.pk, [])} for area in areas.order_by("code")]
    places = members.annotate(places=Count("assignments", filter=current("assignments__"), distinct=True))
    stretched = places.filter(places__gt=settings.MEMBER_MAX_PLACES)
    if town is not None:
        stretched = stretched.filter(pk__in=running.values("member_id"))
    return {
        "rows": rows,
        "villages_without": sum(1 for r in rows if r["area"].level == Area.Level.VILLAGE and not r["members"]),
        # Members with no place are the county office's business; a town's staff see their own town.
        "unassigned": list(places.filter(places=0).order_by("name")) if town is None else [],
        "stretched": list(stretched.order_by("-places", "name")),
        "max_places": settings.MEMBER_MAX_PLACES,
    }


def registry_member_for_user(request, pk: int, *, write: bool = False) -> Member:
    """A member of the registry as this staff user may see them (liaison staff: those sunk into their town), or
    404; `write` refuses readers."""
    return object_for_user(
        request, lambda town: registry(town=town).get(pk=pk), write=write, capability="members.change"
    )
