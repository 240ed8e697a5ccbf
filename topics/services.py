"""Writes on topics: submission, status changes and the annual plan.

Each write keeps the topic, its history entry (TopicEvent) and the audit log together in one
transaction; a resident who left a phone number is told of status changes by SMS through the outbox.
Residents' personal data (name, phone) stays out of the audit snapshots.
"""

from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Count, Max, Q
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from consult_portal import audit
from consult_portal.models import Area, Notification, ResponsibleUnit
from consult_portal.notifications import notify as queue_notification
from members.models import Member

from . import notices, selectors
from .models import ConsultationPlan, PlanEntry, Topic, TopicEvent, TopicPhoto

S = Topic.Status
# The statuses in which a topic closes (closed_at): nothing more happens to it. A merged topic closes with the
# topic it went into.
CLOSING = (S.CONCLUDED, S.DECLINED, S.FORWARDED)

# Which status may follow which. Declined, merged, forwarded and concluded are final.
ALLOWED_TRANSITIONS: dict[str, tuple[str, ...]] = {
    S.SUBMITTED: (S.VISITING, S.ACCEPTED, S.DECLINED, S.MERGED, S.FORWARDED),
    S.VISITING: (S.ACCEPTED, S.DECLINED, S.MERGED, S.FORWARDED),
    S.ACCEPTED: (S.PLANNED, S.CONSULTED, S.DECLINED, S.MERGED),
    S.PLANNED: (S.CONSULTED, S.DECLINED),
    S.CONSULTED: (S.CONCLUDED,),
    S.CONCLUDED: (),
    S.DECLINED: (),
    S.MERGED: (),
    S.FORWARDED: (),
}

# The fields the audit log keeps for a topic: everything but the submitter's personal data.
AUDIT_FIELDS = [
    "title",
    "source",
    "category",
    "town",
    "village",
    "status",
    "year",
    "requesting_body",
    "document_number",
    "requested_on",
    "recommended_by",
    "merged_into",
    "forwarded_to",
    "public_reason",
    "closed_at",
]


def _label(status: str) -> str:
    return str(dict(Topic.Status.choices).get(status, status))


def _track_link(topic: Topic) -> str:
    return f"/topics/track/{topic.tracking_code}/"


def _text_submitter(
    topic: Topic, *, kind: str, dedup_key: str, subject, body: str = "", link: str | None = None
) -> None:
    """Queue an SMS to the resident who left a phone, worded in the portal's language whatever the staff use; with
    the link to the topic's page unless told another."""
    with translation.override(settings.LANGUAGE_CODE):
        text = subject()
    queue_notification(
        channel=Notification.Channel.SMS,
        kind=kind,
        subject=text,
        body=body,
        address=topic.submitter_phone,
        dedup_key=dedup_key,
        obj=topic,
        link=link or _track_link(topic),
    )


@transaction.atomic
def topic_submit(
    *,
    title: str,
    description: str,
    source: str,
    category: str,
    town: Area | None,
    year: int,
    village: Area | None = None,
    submitter_name: str = "",
    submitter_phone: str = "",
    consent: bool = False,
    requesting_body: str = "",
    document_number: str = "",
    requested_on: date | None = None,
    recommended_by: Member | None = None,
    reasons: str = "",
    evidence: str = "",
    by=None,
    notify: bool = True,
    submission_key: str | None = None,
) -> Topic:
    """Create a topic from any of the three sources, with its first history entry.

    `by` is the login that entered it (None for the public form); `consent` is the submitter's
    agreement to be contacted, required when a phone number is given. `submission_key` is the
    public form's one-time key (see `resident_topic_submit`).
    """
    if not title.strip() or not description.strip():
        raise ValidationError(_("A topic needs a title and a description."))
    if source not in Topic.Source.values:
        raise ValidationError(_("Unknown topic source."))
    if town is not None and town.level != Area.Level.TOWN:  # None: a county-level topic
        raise ValidationError(_("The town must be a town or street."))
    if village is not None and (
        town is None or village.level != Area.Level.VILLAGE or village.parent_id != town.pk
    ):
        raise ValidationError(_("The village must belong to the town."))
    if source == Topic.Source.PARTY and not requesting_body.strip():
        raise ValidationError(_("A party and government request needs the body that asked for it."))
    if source == Topic.Source.MEMBER and recommended_by is None:
        raise ValidationError(_("A member recommendation needs the recommending member."))
    if submitter_phone and not consent:
        raise ValidationError(_("A phone number can only be kept with the submitter's consent."))

    topic = Topic.objects.create(
        title=title.strip(),
        description=description.strip(),
        source=source,
        category=category,
        town=town,
        village=village,
        year=year,
        submitter_name=submitter_name,
        submitter_phone=submitter_phone,
        consent_at=timezone.now() if submitter_phone else None,
        requesting_body=requesting_body,
        document_number=document_number,
        requested_on=requested_on,
        recommended_by=recommended_by,
        reasons=reasons,
        evidence=evidence,
        submission_key=submission_key,
        created_by=by,
    )
    TopicEvent.objects.create(topic=topic, actor=by, action="submit", from_status="", to_status=topic.status)
    if by is not None:
        audit.record(actor=by, action="topic_submit", obj=topic, after=audit.snapshot(topic, AUDIT_FIELDS))
    if notify and topic.source == Topic.Source.RESIDENT:
        notices.new_resident_topic(topic, by=by)  # the office and the town's liaison staff, or their daily digest
    if notify and topic.submitter_phone:
        _text_submitter(
            topic,
            kind="topic_received",
            dedup_key=f"topic-received:{topic.pk}",
            subject=lambda: _("Your topic has been received. Tracking code: %(code)s") % {"code": topic.tracking_code},
        )
    return topic


def _cannot_go(from_status: str, to_status: str) -> ValidationError:
    names = {"from": _label(from_status), "to": _label(to_status)}
    return ValidationError(_("A topic cannot go from “%(from)s” to “%(to)s”.") % names)


@transaction.atomic
def topic_change_status(
    *,
    topic: Topic,
    to_status: str,
    by,
    action: str,
    public_note: str = "",
    internal_note: str = "",
    merged_into: Topic | None = None,
    forwarded_to: ResponsibleUnit | None = None,
    notify: bool = True,
    closed_at: datetime | None = None,
) -> Topic:
    """Move a topic to `to_status`, write the history entry and the audit record; return the fresh topic.

    Declining needs a public note (it becomes the reason the submitter reads); merging needs the
    topic it is merged into; forwarding needs the unit. A topic that closes (CLOSING) is dated `closed_at`, now
    by default, and so are the topics merged into it; one merged into a closed topic closes now.
    """
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    from_status = topic.status
    if to_status not in ALLOWED_TRANSITIONS.get(from_status, ()):
        raise _cannot_go(from_status, to_status)
    before = audit.snapshot(topic, AUDIT_FIELDS)
    if to_status == S.DECLINED and not public_note.strip():
        raise ValidationError(_("Declining a topic needs a reason the submitter can read."))
    if to_status == S.MERGED:
        if merged_into is None or merged_into.pk == topic.pk:
            raise ValidationError(_("Choose another topic to merge this one into."))
        if merged_into.status in (S.MERGED, S.DECLINED):
            raise ValidationError(_("A topic cannot be merged into a merged or declined topic."))
        topic.merged_into = merged_into
    if to_status == S.FORWARDED:
        if forwarded_to is None:
            raise ValidationError(_("Choose the unit the topic is forwarded to."))
        topic.forwarded_to = forwarded_to
    if to_status in (S.DECLINED, S.MERGED, S.FORWARDED) and public_note.strip():
        topic.public_reason = public_note.strip()
    topic.status = to_status
    if to_status in CLOSING:
        topic.closed_at = closed_at or timezone.now()
    elif to_status == S.MERGED and merged_into.closed_at is not None:
        topic.closed_at = timezone.now()
    topic.save(update_fields=["status", "merged_into", "forwarded_to", "public_reason", "closed_at", "updated_at"])
    if to_status in CLOSING:
        Topic.objects.filter(merged_into=topic, closed_at__isnull=True).update(closed_at=topic.closed_at)

    event = TopicEvent.objects.create(
        topic=topic,
        actor=by,
        action=action,
        from_status=from_status,
        to_status=to_status,
        public_note=public_note,
        internal_note=internal_note,
    )
    audit.record(
        actor=by, action=f"topic_{action}", obj=topic, before=before, after=audit.snapshot(topic, AUDIT_FIELDS)
    )
    if notify and topic.submitter_phone:
        _text_submitter(
            topic,
            kind="topic_status",
            dedup_key=f"topic-status:{topic.pk}:{event.pk}",
            subject=lambda: (
                _("Your topic %(code)s is now: %(status)s")
                % {"code": topic.tracking_code, "status": topic.get_status_display()}
            ),
            body=public_note,
        )
    return topic


@transaction.atomic
def topic_conclude_if_done(*, topic: Topic, by, notify: bool = True) -> Topic | None:
    """Conclude (已办结) a consulted topic once every outcome item behind it (`selectors.outcome_items`: the topics
    merged into it included) is final and published, dated by the last publication. Its submitter, and those of the
    topics merged into it, get one SMS each with the link to rate it: the survey of its one result, else the topic's
    page, which shows each result with its survey. Returns the concluded topic, or None while anything is still open
    (or there is nothing to conclude).

    Called by the publication of a result (outcomes.services.outcome_publish), in its transaction; `topic` may be a
    merged topic: the one it went into is concluded."""
    topic = Topic.objects.select_for_update().get(pk=selectors.primary(topic).pk)
    if topic.status != S.CONSULTED:
        return None
    # A published item is final (the outcome_published_only_when_final constraint).
    items = selectors.outcome_items(topic).aggregate(
        total=Count("pk"), unpublished=Count("pk", filter=Q(published_at__isnull=True)), last=Max("published_at")
    )
    if not items["total"] or items["unpublished"]:
        return None
    topic = topic_change_status(
        topic=topic, to_status=S.CONCLUDED, by=by, action="conclude", notify=False, closed_at=items["last"]
    )
    if notify:
        # The survey of the one result, else the topic's page, which links to each result and its survey.
        results = list(selectors.published_results(topic).values_list("pk", flat=True)[:2])
        survey = reverse("outcomes:survey", args=results) if len(results) == 1 else None
        told = Topic.objects.filter(Q(pk=topic.pk) | Q(merged_into=topic)).exclude(submitter_phone="").order_by("pk")
        for submitted in told:
            _text_submitter(
                submitted,
                kind="topic_concluded",
                dedup_key=f"topic-concluded:{submitted.pk}",
                subject=lambda code=submitted.tracking_code: (
                    _("Your topic %(code)s is concluded. See the result and tell us how satisfied you are:")
                    % {"code": code}
                ),
                link=survey,
            )
    return topic


@transaction.atomic
def topic_close(*, topic: Topic, by, public_note: str, internal_note: str = "") -> Topic:
    """Staff close (已办结) a consulted topic that has no outcome items, with a note its submitter reads (and is sent).

    A topic with outcome items closes by itself when their results are all published (`topic_conclude_if_done`)."""
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if topic.status != S.CONSULTED:
        raise _cannot_go(topic.status, S.CONCLUDED)
    if not public_note.strip():
        raise ValidationError(_("Closing a topic needs a note the submitter can read."))
    if selectors.outcome_items(topic).exists():
        raise ValidationError(
            _("This topic has outcome items: it closes by itself once all their results are published."),
            code="has_outcomes",
        )
    return topic_change_status(
        topic=topic,
        to_status=S.CONCLUDED,
        by=by,
        action="conclude",
        public_note=public_note.strip(),
        internal_note=internal_note.strip(),
    )


@transaction.atomic
def plan_add_topic(
    *,
    topic: Topic,
    quarter: int,
    platform_level: str,
    by,
    plan: ConsultationPlan | None = None,
    year: int | None = None,
    public_note: str = "",
    internal_note: str = "",
    notify: bool = True,
) -> PlanEntry:
    """Enter an accepted topic in the annual plan of its year or of a later one, which takes topics while it is a
    draft; the topic becomes "planned". Without `plan`, the plan of `year` (the topic's year by default), created as a
    draft by its first entry. A topic carried over from an earlier year keeps its year and its history, with a line
    saying so.

    Every rule is checked under the plan's and the topic's locks before anything is written.
    """
    year = plan.year if plan is not None else year or topic.year
    if year < topic.year:
        raise ValidationError(
            _("A topic goes into the plan of the year it was submitted in or of a later year."), code="plan_too_early"
        )
    if not 1 <= quarter <= 4:
        raise ValidationError(_("The quarter must be 1 to 4."))
    if platform_level not in PlanEntry.PlatformLevel.values:
        raise ValidationError(_("Unknown platform level."))
    plans = ConsultationPlan.objects.select_for_update()
    plan = plans.get(pk=plan.pk) if plan is not None else plans.filter(year=year).first()
    if plan is not None and plan.status != ConsultationPlan.Status.DRAFT:
        raise ValidationError(_("Only a draft plan takes topics."), code="plan_not_draft")
    topic = Topic.objects.select_for_update().get(pk=topic.pk)
    if S.PLANNED not in ALLOWED_TRANSITIONS.get(topic.status, ()):
        raise _cannot_go(topic.status, S.PLANNED)
    plan = plan or plan_get_or_create(year=year, by=by)
    entry = PlanEntry.objects.create(plan=plan, topic=topic, quarter=quarter, platform_level=platform_level)
    after = audit.snapshot(entry, ["plan", "topic", "quarter", "platform_level"])
    if plan.year != topic.year:
        after["carried_over_from"] = topic.year
        with translation.override(settings.LANGUAGE_CODE):
            note = _("Carried over from %(from)s to the %(to)s plan.") % {"from": topic.year, "to": plan.year}
        status = topic.status
        TopicEvent.objects.create(
            topic=topic, actor=by, action="carry_over", from_status=status, to_status=status, public_note=note
        )
    audit.record(actor=by, action="plan_entry_add", obj=entry, after=after)
    entry.topic = topic_change_status(
        topic=topic,
        to_status=S.PLANNED,
        by=by,
        action="plan",
        public_note=public_note,
        internal_note=internal_note,
        notify=False,  # a draft is no plan yet: its residents hear of it when it is published (plan_publish)
    )
    if notify:
        notices.plan_awaits_approval(plan)
    return entry


def resident_topic_submit(
    *,
    submission_key: str,
    title: str,
    description: str,
    category: str,
    town: Area,
    village: Area | None = None,
    photos=(),
    submitter_name: str = "",
    submitter_phone: str = "",
    consent: bool = False,
) -> tuple[Topic, bool]:
    """群众出题 from the public form: (topic, created). The same submission key twice (a double
    click, a resent form) returns the first topic and creates nothing.

    `photos` are cleaned images (consult_portal.images.clean_image: .image and .thumbnail).
    """
    existing = Topic.objects.filter(submission_key=submission_key).first()
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            topic = topic_submit(
                title=title,
                description=description,
                source=Topic.Source.RESIDENT,
                category=category,
                town=town,
                village=village,
                year=timezone.localdate().year,
                submitter_name=submitter_name,
                submitter_phone=submitter_phone,
                consent=consent,
                submission_key=submission_key,
            )
            for photo in photos:
                TopicPhoto.objects.create(topic=topic, image=photo.image, thumbnail=photo.thumbnail)
    except IntegrityError:
        existing = Topic.objects.filter(submission_key=submission_key).first()
        if existing is None:
            raise
        return existing, False
    return topic, True


@transaction.atomic
def topic_add_note(*, topic: Topic, by, public_note: str = "", internal_note: str = "") -> TopicEvent:
    """A history entry without a status change: a public note the submitter reads, or an internal one."""
    if not public_note.strip() and not internal_note.strip():
        raise ValidationError(_("Write a public or an internal note."))
    event = TopicEvent.objects.create(
        topic=topic,
        actor=by,
        action="note",
        from_status=topic.status,
        to_status=topic.status,
        public_note=public_note.strip(),
        internal_note=internal_note.strip(),
    )
    Topic.objects.filter(pk=topic.pk).update(updated_at=timezone.now())
    audit.record(
        actor=by,
        action="topic_note",
        obj=topic,
        after={"public_note": event.public_note, "internal_note": event.internal_note},
    )
    return event


PLAN_AUDIT_FIELDS = ["year", "status", "approved_by", "approved_on", "document_number", "published_at"]


@transaction.atomic
def plan_get_or_create(*, year: int, by) -> ConsultationPlan:
    """The plan of a year, created as a draft the first time it is needed."""
    plan, created = ConsultationPlan.objects.get_or_create(year=year)
    if created:
        audit.record(actor=by, action="plan_create", obj=plan, after=audit.snapshot(plan, PLAN_AUDIT_FIELDS))
    return plan


@transaction.atomic
def plan_approve(
    *, plan: ConsultationPlan, by, approved_by: str, approved_on: date, document_number: str = ""
) -> ConsultationPlan:
    """Record the approval of a draft plan (主席会议 / 党委常委会), with its date and document number."""
    plan = ConsultationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != ConsultationPlan.Status.DRAFT:
        raise ValidationError(_("Only a draft plan can be approved."))
    if not approved_by.strip() or approved_on is None:
        raise ValidationError(_("Say who approved the plan and when."))
    before = audit.snapshot(plan, PLAN_AUDIT_FIELDS)
    plan.status = ConsultationPlan.Status.APPROVED
    plan.approved_by = approved_by.strip()
    plan.approved_on = approved_on
    plan.document_number = document_number.strip()
    plan.save()
    after = audit.snapshot(plan, PLAN_AUDIT_FIELDS)
    audit.record(actor=by, action="plan_approve", obj=plan, before=before, after=after)
    return plan


@transaction.atomic
def plan_publish(*, plan: ConsultationPlan, by, notify: bool = True) -> ConsultationPlan:
    """Publish an approved plan: it becomes visible to the public, and the residents whose topics are in it are
    told by SMS."""
    plan = ConsultationPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status != ConsultationPlan.Status.APPROVED:
        raise ValidationError(_("Only an approved plan can be published."))
    before = audit.snapshot(plan, PLAN_AUDIT_FIELDS)
    plan.status = ConsultationPlan.Status.PUBLISHED
    plan.published_at = timezone.now()
    plan.save()
    after = audit.snapshot(plan, PLAN_AUDIT_FIELDS)
    audit.record(actor=by, action="plan_publish", obj=plan, before=before, after=after)
    if notify:
        notices.plan_published(plan)
    return plan
