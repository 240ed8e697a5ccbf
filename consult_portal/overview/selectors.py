"""Reads that combine the apps for the home page and the back-office landing."""

from django.db.models import Count, Q
from django.utils import timezone

from consult_portal.models import in_town
from consult_portal.periods import Period
from outcomes.models import OutcomeItem, overdue_q
from sessions.models import Meeting
from topics.models import ConsultationPlan, Topic

from . import stats


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


# The topics of a year that were accepted: those that went on to the plan and beyond.
ACCEPTED = (Topic.Status.ACCEPTED, Topic.Status.PLANNED, Topic.Status.CONSULTED, Topic.Status.CONCLUDED)


def back_office_counts(*, town=None, year=None, figures: stats.Dashboard | None = None) -> dict:
    """The landing figures: what waits now (topics to triage, meetings to come, items overdue today whatever their
    year), and the period's figures (this year by default), which are the dashboard's own (`stats.compute`, or
    `figures` when given: the kept ones) so that the two pages agree."""
    period = Period.of(year)
    now = timezone.localtime()
    topics = Topic.objects.all()
    meetings = Meeting.objects.all()
    outcomes = OutcomeItem.objects.all()
    if town is not None:
        topics = topics.filter(town=town)
        meetings = meetings.filter(in_town(town, "platform__area"))
        outcomes = outcomes.filter(town=town)
    counts = topics.aggregate(
        topics_to_triage=Count("pk", filter=Q(status__in=[Topic.Status.SUBMITTED, Topic.Status.VISITING]))
    )
    counts |= meetings.aggregate(
        meetings_upcoming=Count(
            "pk", filter=Q(starts_at__gte=now, status__in=[Meeting.Status.PLANNED, Meeting.Status.NOTICE_PUBLISHED])
        ),
    )
    counts |= outcomes.aggregate(overdue_now=Count("pk", filter=overdue_q(now.date())))
    f = (figures or stats.compute(period=period, town=town)).total
    counts |= {
        "topics_this_year": f.topics_total,
        "topics_accepted": sum(f.statuses[s] for s in ACCEPTED),
        "meetings_held": f.meetings_held,
        "outcomes_handed_over": f.outcomes,
        "outcomes_open": f.in_progress,
        "outcomes_overdue": f.overdue,
        "outcomes_implemented": f.implemented,
        "problems_solved": f.problems_solved,
        "members_active": f.members_active,
        "members_took_part": f.members_took_part,
        "year": period,
    }
    return counts
