from dataclasses import dataclass

from django.db.models import Count, IntegerField, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from consult_portal.access import object_for_user
from consult_portal.models import in_town
from consult_portal.periods import Period

from .models import Meeting, MeetingTransition, Participant, RecordRevision, Research
from .selectors_public import public_meetings, with_sequence


def _count_per_meeting(rows: QuerySet):
    """The number of `rows` of each meeting, as a subquery: counted for the page's 25 meetings only, where a
    COUNT(DISTINCT) over joins would group every meeting before the LIMIT (#17)."""
    counted = rows.filter(meeting=OuterRef("pk")).order_by().values("meeting").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted[:1], output_field=IntegerField()), Value(0))


def staff_meetings(*, town=None, filters: dict | None = None) -> QuerySet:
    meetings = Meeting.objects.select_related("platform__area").annotate(
        topic_count=_count_per_meeting(Meeting.topics.through.objects.all()),
        participant_count=_count_per_meeting(Participant.objects.all()),
    )
    if town is not None:
        meetings = meetings.filter(in_town(town, "platform__area"))
    filters = filters or {}
    if filters.get("status"):
        meetings = meetings.filter(status=filters["status"])
    if filters.get("form"):
        meetings = meetings.filter(form=filters["form"])
    if filters.get("town"):
        meetings = meetings.filter(in_town(filters["town"], "platform__area"))
    if filters.get("held"):
        meetings = meetings.held()
    if filters.get("year"):
        meetings = meetings.filter(Period.of(filters["year"]).q("starts_at"))
    if filters.get("q"):
        meetings = meetings.filter(title__icontains=filters["q"])
    return meetings.order_by("-starts_at", "-id")


def meeting_for_staff(*, pk: int, town=None) -> Meeting:
    meetings = Meeting.objects.select_related("platform__area__parent").prefetch_related(
        "topics__town",
        Prefetch("participants", queryset=Participant.objects.select_related("member__sector").order_by("kind", "pk")),
        Prefetch("research", queryset=Research.objects.prefetch_related("members").order_by("-date", "-pk")),
        Prefetch("transitions", queryset=MeetingTransition.objects.select_related("actor").order_by("at", "pk")),
        Prefetch("revisions", queryset=RecordRevision.objects.select_related("actor").order_by("at", "pk")),
        "record_items__proposer",
        "photos",
    )
    if town is not None:
        meetings = meetings.filter(in_town(town, "platform__area"))
    return meetings.get(pk=pk)


def invitations_for_member(member) -> QuerySet:
    return (
        Participant.objects.filter(member=member, invited=True)
        .exclude(meeting__status__in=[Meeting.Status.CANCELLED])
        .select_related("meeting__platform")
        .order_by("meeting__starts_at")
    )


def meeting_for_member(member, pk: int) -> Meeting:
    """A meeting the member is invited to or came to, with their participation (`mine`), whether its notice is
    public (`is_public`) and what its page and calendar file show; Meeting.DoesNotExist otherwise."""
    meeting = (
        with_sequence(Meeting.objects.filter(pk=pk, participants__member=member))
        .select_related("platform__area__parent")
        .prefetch_related("topics")
        .get()
    )
    meeting.mine = Participant.objects.get(meeting=meeting, member=member)
    meeting.is_public = public_meetings().filter(pk=pk).exists()
    return meeting


def attended_by_member(member) -> QuerySet:
    """The meetings a member checked in at (confirmed check-ins): what their attendance record shows."""
    return (
        Participant.objects.checked_in()
        .filter(member=member)
        .select_related("meeting__platform")
        .order_by("-meeting__starts_at")
    )


def research_by_member(member) -> QuerySet:
    return Research.objects.filter(members=member).select_related("meeting", "topic").order_by("-date", "-pk")


def meeting_for_user(request, pk: int, *, write: bool = False) -> Meeting:
    """The meeting as this staff user may see it (liaison staff: their town's), or 404; `write` refuses readers.
    Every view, document and export of one meeting goes through here."""
    return object_for_user(
        request, lambda town: meeting_for_staff(pk=pk, town=town), write=write, capability="meetings.change"
    )


@dataclass(frozen=True)
class Participation:
    """Participation at meetings (参与): residents invited and attending, departments and member-times, summed over
    the meetings where each was recorded. The rate is attending over invited, over the meetings where both were
    recorded (a meeting with only one of them would skew it)."""

    meetings: int = 0  # meetings with any participation figure recorded
    invited: int = 0
    attended: int = 0
    departments: int = 0
    member_times: int = 0
    rate_invited: int = 0  # the invited and attending of the meetings where both are recorded: the rate's terms
    rate_attended: int = 0

    @property
    def rate(self) -> float | None:
        return self.rate_attended / self.rate_invited if self.rate_invited else None

    @property
    def percent(self) -> str:
        return "—" if self.rate is None else f"{self.rate * 100:.1f}%"


PARTICIPATION_FIELDS = ("residents_invited", "residents_attended", "departments_count", "member_times")


def participation_totals(meetings: QuerySet | None = None) -> Participation:
    """The participation of `meetings` (held meetings by default; pass e.g. `Meeting.objects.held(year=2025)` or a
    town's), in one query. Use for the dashboard, /stats/ and their exports: `.invited`, `.attended`, `.rate`
    (None without data), `.percent`, `.departments`, `.member_times`."""
    meetings = Meeting.objects.held() if meetings is None else meetings
    both = Q(residents_invited__gt=0, residents_attended__isnull=False)
    any_recorded = Q()
    for field in PARTICIPATION_FIELDS:
        any_recorded |= Q(**{f"{field}__isnull": False})
    sums = meetings.order_by().aggregate(
        meetings=Count("pk", filter=any_recorded),
        invited=Sum("residents_invited"),
        attended=Sum("residents_attended"),
        departments=Sum("departments_count"),
        member_times=Sum("member_times"),
        rate_invited=Sum("residents_invited", filter=both),
        rate_attended=Sum("residents_attended", filter=both),
    )
    return Participation(**{key: value or 0 for key, value in sums.items()})


def meetings_by_form(meetings: QuerySet | None = None) -> list[tuple[str, str, int]]:
    """(form, its label, number of `meetings` in it) for every form of consultation, 媒体监督 included, in the
    order of `Meeting.Form`, zeros too (held meetings by default); one query. For the statistics by form."""
    meetings = Meeting.objects.held() if meetings is None else meetings
    counts = dict(meetings.order_by().values_list("form").annotate(n=Count("pk")))
    return [(value, str(label), counts.get(value, 0)) for value, label in Meeting.Form.choices]


def held_sums(meetings: QuerySet) -> dict:
    """What the listed held meetings add up to: residents who came of their own accord and the participation
    (`participation_totals`), the sums behind the dashboard's figures of the same meetings. Two queries."""
    walk_ins = meetings.order_by().aggregate(n=Sum("walk_in_count", default=0))["n"]
    return {"walk_ins": walk_ins, "participation": participation_totals(meetings)}
