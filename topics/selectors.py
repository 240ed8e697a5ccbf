import re
from difflib import SequenceMatcher

from django.db.models import Q, QuerySet

from consult_portal.access import object_for_user
from consult_portal.periods import Period

from .models import ConsultationPlan, Topic, TopicEvent

SORTS = {
    "new": ("-created_at", "-id"),
    "old": ("created_at", "id"),
    "title": ("title", "id"),
    "status": ("status", "-created_at"),
}


def tidy_tracking_code(text: str) -> str:
    """A tracking code as stored, from what was typed: "abcd efgh" and "ABCD-EFGH" are "ABCDEFGH"."""
    return re.sub(r"[\s-]", "", text).upper()


def staff_topics(
    *, town=None, filters: dict | None = None, search: str = "", sort: str = "new", phone_tail: str = ""
) -> QuerySet:
    """The triage list: scoped to a town for liaison staff, filtered, searched and sorted.

    The search finds words of the title or description, and a topic by its exact tracking code; `phone_tail`, the
    last four digits of the submitter's phone, is for the views that audit the search (topic_list)."""
    topics = Topic.objects.select_related("town", "village")
    if town is not None:
        topics = topics.filter(town=town)
    for field, value in (filters or {}).items():
        if isinstance(value, Period):
            topics = topics.filter(value.year_q(field))  # a topic counts in its year
        elif value not in (None, ""):
            topics = topics.filter(**{field: value})
    if search:
        # Chinese has no letter case: a plain LIKE skips UPPER() on every row and can use the trigram indexes.
        lookup = "icontains" if search.lower() != search.upper() else "contains"
        matches = Q(**{f"title__{lookup}": search}) | Q(**{f"description__{lookup}": search})
        code = tidy_tracking_code(search)
        if code and len(code) <= Topic._meta.get_field("tracking_code").max_length:
            matches |= Q(tracking_code=code)
        topics = topics.filter(matches)
    if phone_tail:
        topics = topics.filter(submitter_phone__endswith=phone_tail)
    return topics.order_by(*SORTS.get(sort, SORTS["new"]))


def topic_for_staff(*, pk: int, town=None) -> Topic:
    """One topic with what its page shows; a topic outside the user's town does not exist for them."""
    topics = Topic.objects.select_related(
        "town", "village", "merged_into", "forwarded_to", "recommended_by", "created_by"
    ).prefetch_related("photos", "duplicates")
    if town is not None:
        topics = topics.filter(town=town)
    return topics.get(pk=pk)


def topic_history(topic: Topic) -> QuerySet:
    return TopicEvent.objects.filter(topic=topic).select_related("actor").order_by("at", "id")


def public_history(topic: Topic) -> QuerySet:
    """What a submitter may read: status changes and public notes; never actors or internal notes."""
    return TopicEvent.objects.filter(topic=topic).only("at", "action", "to_status", "public_note").order_by("at", "id")


def topic_by_code(code: str) -> Topic:
    return Topic.objects.select_related("town", "village", "merged_into").get(tracking_code=code)


def primary(topic: Topic) -> Topic:
    """The topic that goes on: the one a merged topic went into, else the topic itself."""
    return topic.merged_into if topic.status == Topic.Status.MERGED and topic.merged_into_id else topic


def outcome_items(topic: Topic) -> QuerySet:
    """The outcome items behind a topic: its own, those of the topics merged into it, and those of the meetings it was
    consulted at that name no topic (a meeting on several topics hands its items over as the meeting's).

    Read through the reverse relations (`Topic.outcomes`, `Topic.meetings`): topics imports no app built on it.
    The topics' and meetings' ids are read first (a few each): with them as lists the database finds the items by
    its indexes, where the same two subqueries inside an OR made it read all 50,000 items (#17)."""
    group = list(Topic.objects.filter(Q(pk=topic.pk) | Q(merged_into_id=topic.pk)).values_list("pk", flat=True))
    meetings = list(topic.meetings.model.objects.filter(topics__in=group).values_list("pk", flat=True).distinct())
    return topic.outcomes.model.objects.filter(Q(topic__in=group) | Q(topic__isnull=True, meeting__in=meetings))


def published_results(topic: Topic) -> QuerySet:
    """The published results (公示) behind a topic, or behind the one it was merged into: its tracking page's."""
    items = outcome_items(primary(topic)).filter(published_at__isnull=False)
    return items.select_related("unit").order_by("published_at", "pk")


def likely_duplicates(topic: Topic, limit: int = 5, threshold: float = 0.5) -> list[tuple[Topic, float]]:
    """Other open topics of the same village (or town when no village) whose titles look alike."""
    candidates = Topic.objects.exclude(pk=topic.pk).exclude(status__in=[Topic.Status.MERGED, Topic.Status.DECLINED])
    if topic.village_id:
        candidates = candidates.filter(village_id=topic.village_id)
    else:
        candidates = candidates.filter(town_id=topic.town_id)
    scored = []
    for other in candidates.only("id", "title", "tracking_code", "status", "created_at").order_by("-created_at")[:200]:
        ratio = SequenceMatcher(None, topic.title, other.title).ratio()
        if ratio >= threshold:
            scored.append((other, round(ratio, 2)))
    scored.sort(key=lambda pair: -pair[1])
    return scored[:limit]


# A topic in one of these statuses is done with: nothing is merged into it.
FINISHED = (Topic.Status.MERGED, Topic.Status.DECLINED, Topic.Status.FORWARDED, Topic.Status.CONCLUDED)


def merge_candidates(topic: Topic) -> QuerySet:
    """The topics `topic` may be merged into: the other open topics of its town, newest first."""
    return (
        Topic.objects.filter(town_id=topic.town_id)
        .exclude(pk=topic.pk)
        .exclude(status__in=FINISHED)
        .only("id", "title", "tracking_code", "status", "created_at")
        .order_by("-created_at", "-id")
    )


def published_plan(year: int) -> ConsultationPlan:
    return ConsultationPlan.objects.get(year=year, status=ConsultationPlan.Status.PUBLISHED)


def plan_entries(plan: ConsultationPlan, town=None) -> QuerySet:
    entries = plan.entries.select_related("topic__town", "topic__village").order_by(
        "quarter", "topic__town__code", "id"
    )
    if town is not None:
        entries = entries.filter(topic__town=town)
    return entries


def topic_for_user(request, pk: int, *, write: bool = False) -> Topic:
    """The topic as this staff user may see it (liaison staff: their town's), or 404; `write` refuses readers."""
    return object_for_user(
        request, lambda town: topic_for_staff(pk=pk, town=town), write=write, capability="topics.change"
    )
