"""History entry (补录) of meetings: a consultation held before the portal, entered later by the office with its real
date, its record and its participation, and the topics it consulted.

The same rules as a meeting made through the pages (`services`, `rules`), save the one that refuses the past:
here the meeting must have taken place already. It is entered held (recorded, when its record has a summary),
with its history lines dated at its real times; it is marked 补录 (`consult_portal.backfill`) and audited
("meeting_backfill"). `meeting_backfill` also updates a meeting it entered before (the ledger import's update).
"""

import re
from collections.abc import Iterable, Sequence
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from consult_portal import audit, backfill, office
from consult_portal.models import Area
from topics.models import Topic, TopicEvent

from . import rules
from .models import Meeting, MeetingTransition, Platform, RecordItem
from .services import AUDIT_FIELDS, _check_platform_free, _check_times
from .services_record import replace_open_items

M = Meeting.Status
NOT_YET = gettext_lazy("A meeting entered later has taken place already: choose a time in the past.")
NO_RESEARCH_NOTE = gettext_lazy("Entered later (补录): research not recorded.")
# A past record's suggestions and consensus, as the office writes them: one a line, or separated by ；.
ITEM_SEPARATORS = re.compile(r"[；;\n]+")
PARTICIPATION = ("residents_invited", "residents_attended", "departments_count", "member_times")
HISTORY_FIELDS = [
    *AUDIT_FIELDS,
    *PARTICIPATION,
    "summary",
    "answers",
    "ledger_ref",
    "backfilled_at",
]


def check_in_the_past(starts_at: datetime, ends_at: datetime) -> None:
    """History mode's rule instead of `rules.check_not_in_past`: the meeting took place, so it has started."""
    if starts_at >= rules.now():
        raise ValidationError({"starts_at": ValidationError(NOT_YET, code="not_yet")})


def town_of(platform: Platform) -> Area | None:
    """The town a platform serves (a village platform's town), None for a county platform."""
    area = platform.area
    if area.level == Area.Level.TOWN:
        return area
    if area.level == Area.Level.VILLAGE:
        return area.parent
    return None


def county_topics() -> bool:
    """Whether a topic may belong to the county rather than a town (then a county platform's meeting needs no town)."""
    return Topic._meta.get_field("town").null


def history_topic(
    *,
    title: str,
    town: Area | None,
    year: int,
    by,
    source: str = Topic.Source.PARTY,
    category: str = "",
    requesting_body: str = "",
    recommended_by=None,
    description: str = "",
) -> Topic:
    """The topic of `town` (None: the county's) and `year` called `title`, entered consulted when the portal has none
    (补录)."""
    topic = Topic.objects.filter(title=title.strip(), town=town, year=year).order_by("pk").first()
    if topic is not None:
        return topic
    if source == Topic.Source.PARTY and not requesting_body.strip():
        requesting_body = town.name if town is not None else office.current().office_name
    topic = Topic(
        title=title.strip(),
        description=(description or title).strip(),
        source=source,
        category=category or Topic.Category.LIVELIHOOD,
        town=town,
        year=year,
        status=Topic.Status.CONSULTED,
        requesting_body=requesting_body.strip() if source == Topic.Source.PARTY else "",
        recommended_by=recommended_by if source == Topic.Source.MEMBER else None,
        created_by=by if by is not None and by.is_authenticated else None,
    )
    topic.full_clean(exclude=["tracking_code"])
    topic.save()
    TopicEvent.objects.create(
        topic=topic, actor=topic.created_by, action="backfill", to_status=topic.status, internal_note=str(_("补录"))
    )
    audit.record(
        actor=by,
        action="topic_backfill",
        obj=topic,
        after=audit.snapshot(topic, ["title", "source", "category", "town", "year", "status"]),
    )
    return topic


@transaction.atomic
def meeting_backfill(
    *,
    by,
    platform: Platform,
    starts_at: datetime,
    ends_at: datetime,
    title: str,
    topics: Iterable[Topic] = (),
    form: str = Meeting.Form.MEETING,
    place: str = "",
    host: str = "",
    organiser: str = "",
    summary: str = "",
    answers: str = "",
    attendance_count: int | None = None,
    walk_in_count: int | None = None,
    residents_invited: int | None = None,
    residents_attended: int | None = None,
    departments_count: int | None = None,
    member_times: int | None = None,
    items: Sequence[tuple[str, str]] = (),
    no_research_reason: str = "",
    ledger_ref: str = "",
    meeting: Meeting | None = None,
) -> Meeting:
    """Enter a meeting held in the past (补录), or update one entered so before (`meeting`), all or nothing.

    It is held, or recorded when the record has a summary; `items` are its suggestion and consensus items
    (kind, text) — on an update the ones no outcome was made from yet are replaced, those handed over stay.
    """
    errors = {}
    if not title.strip():
        errors["title"] = _("Give the meeting a title.")
    if form not in Meeting.Form.values:
        errors["form"] = _("Unknown consultation form.")
    if any(kind not in RecordItem.Kind.values or not text.strip() for kind, text in items):
        errors["items"] = _("Each record item needs a kind and a text.")
    if items and not summary.strip():
        errors["summary"] = _("The record needs a summary.")
    if errors:
        raise ValidationError(errors)
    _check_times(starts_at, ends_at)
    check_in_the_past(starts_at, ends_at)
    participation = {
        "residents_invited": residents_invited,
        "residents_attended": residents_attended,
        "departments_count": departments_count,
        "member_times": member_times,
    }
    rules.check_participation(**participation, walk_in_count=walk_in_count, attendance_count=attendance_count)
    Platform.objects.select_for_update().filter(pk=platform.pk).first()
    _check_platform_free(platform, starts_at, ends_at, exclude_pk=meeting.pk if meeting else None)
    before = None
    if meeting is not None:
        meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
        if not meeting.is_backfilled:
            raise ValidationError(_("Only a meeting entered later can be changed through history entry."))
        before = audit.snapshot(meeting, HISTORY_FIELDS)
    else:
        meeting = Meeting()
        backfill.mark(meeting, by)
    status = M.RECORDED if summary.strip() else M.HELD
    values = dict(
        title=title.strip(),
        platform=platform,
        form=form,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip() or platform.address,
        host=host.strip(),
        organiser=organiser.strip(),
        status=status,
        summary=summary.strip(),
        answers=answers.strip(),
        attendance_count=attendance_count,
        walk_in_count=walk_in_count,
        no_research_reason=no_research_reason.strip() or meeting.no_research_reason or str(NO_RESEARCH_NOTE),
        ledger_ref=ledger_ref.strip(),
        **participation,
    )
    for key, value in values.items():
        setattr(meeting, key, value)
    meeting.full_clean(exclude=["checkin_token", "notice_number"], validate_unique=True)
    creating = meeting.pk is None
    meeting.save()
    meeting.topics.set(list(topics))
    if creating:
        RecordItem.objects.bulk_create(
            [RecordItem(meeting=meeting, kind=kind, text=text.strip()) for kind, text in items]
        )
    else:
        _replace_open_items(meeting, items)
    _history_lines(meeting, by)
    action = "meeting_backfill" if creating else "meeting_backfill_update"
    after = audit.snapshot(meeting, HISTORY_FIELDS) | {"items": [[kind, text.strip()] for kind, text in items]}
    audit.record(actor=by, action=action, obj=meeting, before=before, after=after)
    return meeting


def _replace_open_items(meeting: Meeting, items: Sequence[tuple[str, str]]) -> None:
    """The record items no outcome was made from become `items`; those handed over stay as they were, and an item of
    `items` that one of them already is, is not entered again."""
    wanted = [(kind, text.strip()) for kind, text in items]
    for item in RecordItem.objects.filter(meeting=meeting, outcome__isnull=False):
        if (item.kind, item.text) in wanted:
            wanted.remove((item.kind, item.text))
    replace_open_items(meeting, wanted)


def _history_lines(meeting: Meeting, by) -> None:
    """The meeting's history, at its real times: planned, held at its start, recorded at its end."""
    MeetingTransition.objects.filter(meeting=meeting).delete()
    note = str(_("补录"))
    actor = by if by is not None and by.is_authenticated else None
    steps = [("", M.PLANNED, meeting.starts_at), (M.PLANNED, M.HELD, meeting.starts_at)]
    if meeting.status == M.RECORDED:
        steps.append((M.HELD, M.RECORDED, meeting.ends_at))
    for from_status, to_status, at in steps:
        line = MeetingTransition.objects.create(
            meeting=meeting, actor=actor, from_status=from_status, to_status=to_status, reason=note
        )
        MeetingTransition.objects.filter(pk=line.pk).update(at=at)


def backfilled(queryset):
    """The meetings entered later, newest entry first."""
    return queryset.filter(backfilled_at__isnull=False).order_by("-backfilled_at", "-pk")
