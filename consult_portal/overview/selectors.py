"""Reads that combine the apps for the home page and the back-office landing."""

from django.db.models import Count, Q
from django.utils import timezone

from consult_portal.models import in_town
from members.models import Member
from members.selectors import sunk_members
from outcomes.models import OutcomeItem, overdue_q
from sessions.models import Meeting, held_q
from topics.models import ConsultationPlan, Topic


def upcoming_public_meetings(limit: int = 5):
    return (
        Meeting.objects.filter(status=Meeting.Status.NOTICE_PUBLISHED, starts_at__gte=timezone.now())
        .select_related("platform__area")
        .order_by("starts_at")[:limit]
    )


def published_outcomes(limit: int = 5):
    return (
        OutcomeItem.objects.filter(published_at__isnull=False)
        .select_related("unit", "meeting__platform__area")
        .order_by("-published_at")[:limit]
    )


def latest_published_plan_year() -> int | None:
    return (
        ConsultationPlan.objects.filter(status=ConsultationPlan.Status.PUBLISHED)
        .order_by("-year")
        .values_list("year", flat=True)
        .first()
    )


def back_office_counts(*, town=None, year: int | None = None) -> dict:
    """The landing figures, one aggregate query per app, scoped to a town when given."""
    now = timezone.localtime()
    year = year or now.year
    topics = Topic.objects.all()
    meetings = Meeting.objects.all()
    outcomes = OutcomeItem.objects.all()
    members = Member.objects.filter(is_active=True)
    if town is not None:
        topics = topics.filter(town=town)
        meetings = meetings.filter(in_town(town, "platform__area"))
        outcomes = outcomes.filter(town=town)
        members = members.filter(pk__in=sunk_members(town, now.date()))
    counts = topics.aggregate(
        topics_to_triage=Count("pk", filter=Q(status__in=[Topic.Status.SUBMITTED, Topic.Status.VISITING])),
        topics_this_year=Count("pk", filter=Q(year=year)),
        topics_accepted=Count(
            "pk",
            filter=Q(
                year=year,
                status__in=[
                    Topic.Status.ACCEPTED,
                    Topic.Status.PLANNED,
                    Topic.Status.CONSULTED,
                    Topic.Status.CONCLUDED,
                ],
            ),
        ),
    )
    counts |= meetings.aggregate(
        meetings_upcoming=Count(
            "pk", filter=Q(starts_at__gte=now, status__in=[Meeting.Status.PLANNED, Meeting.Status.NOTICE_PUBLISHED])
        ),
        meetings_held=Count("pk", filter=held_q(year=year)),
    )
    counts |= outcomes.aggregate(
        outcomes_open=Count("pk", filter=Q(status__in=OutcomeItem.OPEN)),
        outcomes_overdue=Count("pk", filter=overdue_q(now.date())),
        outcomes_implemented=Count("pk", filter=Q(status=OutcomeItem.Status.IMPLEMENTED)),
    )
    counts["members_active"] = members.count()
    counts["year"] = year
    return counts
