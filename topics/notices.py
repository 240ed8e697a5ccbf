"""Who hears of a topic besides its submitter (whose SMS are in services.py): the office and the town's liaison staff
of a new resident's topic, one by one or in one daily digest as each chose; the leaders of a draft plan that waits
for their approval; and, once the plan is published, the residents whose topics are in it (nothing for a draft).

Every message is an outbox row in the transaction of the change (the digest: of its daily run), with a dedup key
naming the event, so a step repeated adds nothing.
"""

from datetime import date, datetime, time, timedelta

from django.conf import settings
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consult_portal import notifications
from consult_portal.models import Notification, Role, User

from .models import ConsultationPlan, Topic

KIND_NEW = "topic_new"
KIND_DIGEST = "topic_digest"
KIND_PLAN_APPROVAL = "plan_approval"
KIND_PLAN_PUBLISHED = "plan_published"
DIGEST_LINES = 50  # a digest lists this many topics, then says how many more


def handling_staff(town_id: int | None):
    """Who handles a new resident's topic: the office, and the liaison staff of its town."""
    who = Q(groups__name=Role.OFFICE)
    if town_id:
        who |= Q(groups__name=Role.LIAISON, town_id=town_id)
    return User.objects.filter(who, is_active=True).distinct().order_by("pk")


def _digest_takers(users) -> set[int]:
    return {pk for pk, chosen in notifications.preferences(users).items() if chosen.topic_digest}


def new_resident_topic(topic: Topic, *, by=None) -> int:
    """Tell the office and the town's liaison staff of a new resident's topic, except those who take the daily
    digest (and whoever entered it); return how many messages were queued."""
    staff = [user for user in handling_staff(topic.town_id) if by is None or user.pk != by.pk]
    digest = _digest_takers(staff)
    return notifications.tell_users(
        [user for user in staff if user.pk not in digest],
        kind=KIND_NEW,
        key=f"topic-new:{topic.pk}",
        subject=lambda: _("New residents' topic from %(town)s: %(title)s")
        % {"town": topic.town_name, "title": topic.title},
        body=topic.description,
        link=reverse("topics:staff-detail", args=[topic.pk]),
        obj=topic,
    )


def _day_span(day: date) -> tuple[datetime, datetime]:
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _lines(topics: list[Topic]) -> str:
    lines = [f"- {t.tracking_code} {t.town_name}: {t.title}" for t in topics[:DIGEST_LINES]]
    if len(topics) > DIGEST_LINES:
        more = len(topics) - DIGEST_LINES
        lines.append(ngettext("…and %(count)d more.", "…and %(count)d more.", more) % {"count": more})
    return "\n".join(lines)


def send_topic_digest(day: date | None = None) -> int:
    """One message for each user who takes the digest, listing the residents' topics that came in on `day`
    (yesterday by default) in their scope: all of them for the office, their town's for liaison staff. Run daily;
    a second run of the same day adds nothing. Returns how many messages were queued."""
    day = day or timezone.localdate() - timedelta(days=1)
    start, end = _day_span(day)
    topics = list(
        Topic.objects.filter(source=Topic.Source.RESIDENT, created_at__gte=start, created_at__lt=end)
        .select_related("town")
        .order_by("created_at", "pk")
    )
    if not topics:
        return 0
    staff = User.objects.filter(
        Q(groups__name=Role.OFFICE) | Q(groups__name=Role.LIAISON, town__isnull=False), is_active=True
    )
    staff = list(staff.distinct().order_by("pk"))
    digest = _digest_takers(staff)
    queued = 0
    for user in staff:
        if user.pk not in digest:
            continue
        mine = topics if user.has_role(Role.OFFICE) else [t for t in topics if t.town_id == user.town_id]
        if not mine:
            continue
        one = mine[0] if len(mine) == 1 else None
        link = reverse("topics:staff-detail", args=[one.pk]) if one else reverse("topics:staff-list")
        if one is None:
            link += "?source=resident&status=submitted"
        queued += notifications.tell_users(
            [user],
            kind=KIND_DIGEST,
            key=f"topic-digest:{day:%Y%m%d}",
            subject=lambda mine=mine: ngettext(
                "%(count)d new residents' topic on %(day)s",
                "%(count)d new residents' topics on %(day)s",
                len(mine),
            )
            % {"count": len(mine), "day": day.isoformat()},
            body=lambda mine=mine: _lines(mine),
            link=link,
            obj=one,
        )
    return queued


def plan_awaits_approval(plan: ConsultationPlan) -> int:
    """Tell the leaders that a draft plan waits for their approval: at its first entry, and again on a later day
    whose entries changed it (at most one message a day); return how many messages were queued."""
    if plan.status != ConsultationPlan.Status.DRAFT:
        return 0
    count = plan.entries.count()
    leaders = User.objects.filter(groups__name=Role.LEADER, is_active=True).distinct().order_by("pk")
    return notifications.tell_users(
        leaders,
        kind=KIND_PLAN_APPROVAL,
        key=f"plan-approval:{plan.pk}:{timezone.localdate():%Y%m%d}",
        subject=lambda: _("The %(year)s consultation plan waits for your approval") % {"year": plan.year},
        body=lambda: ngettext(
            "The draft holds %(count)d topic.", "The draft holds %(count)d topics.", count
        )
        % {"count": count},
        link=reverse("topics:plan-manage", args=[plan.year]),
        obj=plan,
    )


def plan_published_topics(plan: ConsultationPlan):
    """The residents' topics whose submitters are texted when the plan is published: those in it (or merged into
    one that is) with a phone left. The publishing page counts them before it asks to confirm."""
    in_plan = Topic.objects.filter(plan_entry__plan=plan)
    return (
        Topic.objects.filter(Q(pk__in=in_plan) | Q(merged_into__in=in_plan, status=Topic.Status.MERGED))
        .exclude(submitter_phone="")
        .order_by("pk")
    )


def plan_published(plan: ConsultationPlan) -> int:
    """Text each resident whose topic is in the published plan (or was merged into one that is), with the link to
    follow it; return how many SMS were queued."""
    queued = 0
    for topic in plan_published_topics(plan):
        with translation.override(settings.LANGUAGE_CODE):
            text = _("Your topic %(code)s is in the %(year)s consultation plan, now published. Follow it here:") % {
                "code": topic.tracking_code,
                "year": plan.year,
            }
        queued += notifications.notify(
            channel=Notification.Channel.SMS,
            kind=KIND_PLAN_PUBLISHED,
            subject=text,
            address=topic.submitter_phone,
            dedup_key=f"plan-published:{plan.pk}:{topic.pk}",
            link=reverse("topics:track-detail", args=[topic.tracking_code]),
            obj=topic,
        ).queued
    return queued
