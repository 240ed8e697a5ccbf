from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult_portal.backfill import Backfilled
from consult_portal.media import RandomName
from consult_portal.models import Area, ResponsibleUnit
from members.models import Member
from sessions.models import Meeting, RecordItem
from topics.models import Topic


def overdue_q(today=None, path: str = "") -> Q:
    """Overdue (超期): an item the unit still has (`OutcomeItem.OPEN`) whose handling deadline has passed — due
    yesterday or earlier; an item due today is not overdue yet. Through `path`, e.g. "item__". The one definition
    that the lists, the exports, the back-office home, the dashboard and the escalation count with;
    `OutcomeItem.is_overdue` says the same of a loaded row."""
    return Q(**{f"{path}status__in": OutcomeItem.OPEN, f"{path}deadline__lt": today or timezone.localdate()})


class OutcomeItemQuerySet(models.QuerySet):
    def open(self) -> "OutcomeItemQuerySet":
        """The items the unit still has: the deadline runs."""
        return self.filter(status__in=OutcomeItem.OPEN)

    def overdue(self, today=None) -> "OutcomeItemQuerySet":
        """The items overdue on `today` (see `overdue_q`)."""
        return self.filter(overdue_q(today))

    def with_overdue(self, today=None) -> "OutcomeItemQuerySet":
        """Each item with `overdue`, True when it is overdue on `today`: for rows read with values()."""
        return self.annotate(overdue=models.ExpressionWrapper(overdue_q(today), output_field=models.BooleanField()))


class OutcomeItem(Backfilled):
    """成果: one item handed to a responsible unit with a handling deadline."""

    class Status(models.TextChoices):
        ASSIGNED = "assigned", _("Assigned")
        IN_PROGRESS = "in_progress", _("In progress")
        ANSWERED = "answered", _("Answer awaiting acceptance")
        IMPLEMENTED = "implemented", _("Implemented")
        PARTLY = "partly", _("Partly implemented")
        NOT_FEASIBLE = "not_feasible", _("Not feasible for now")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), null=True, blank=True, on_delete=models.PROTECT, related_name="outcomes"
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.PROTECT, related_name="outcomes"
    )
    record_item = models.OneToOneField(
        RecordItem,
        verbose_name=_("record item"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outcome",
    )
    text = models.TextField(_("text"))
    # 解决问题: an outcome may solve several of residents' problems (the seeds count 558 problems from 490 outcomes).
    problems_solved = models.PositiveIntegerField(
        _("problems solved"),
        default=1,
        validators=[MinValueValidator(1, _("An outcome solves at least one problem: enter 1 or more."))],
        help_text=_("How many of residents' problems this item solves when implemented."),
    )
    unit = models.ForeignKey(
        ResponsibleUnit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="outcomes"
    )
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    # The day the item was handed to the unit: the year it counts in (dashboard, statistics). Today for an item
    # handed over through the pages, the real day for one entered later (补录).
    handed_over_on = models.DateField(_("handed over on"), default=timezone.localdate, db_index=True)
    deadline = models.DateField(_("handling deadline"), db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ASSIGNED)
    answer = models.TextField(_("handling answer"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    # The unit's proposed final status and, for "not feasible", its reason; the office accepts or returns it.
    answer_status = models.CharField(
        _("result reported"),
        max_length=12,
        blank=True,
        choices=[(s, label) for s, label in Status.choices if s in ("implemented", "partly", "not_feasible")],
    )
    # The town the item belongs to (from the meeting's platform or the topic); empty for county-wide items.
    town = models.ForeignKey(
        Area,
        verbose_name=_("town"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="outcomes",
        limit_choices_to={"level": Area.Level.TOWN},
    )
    # The day the overdue escalation was queued: the daily scan skips items already escalated.
    escalated_on = models.DateField(_("escalated on"), null=True, blank=True)
    supervisors = models.ManyToManyField(
        Member, verbose_name=_("supervising members"), blank=True, related_name="supervised_outcomes"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The assignment sheet's number (2026-交-017), given once at the hand-over (consult_portal.numbering).
    number = models.CharField(_("assignment number"), max_length=20, blank=True, editable=False)
    # 补录: the number of the item's row in the office's ledger (台账), which a re-upload of the ledger matches.
    ledger_ref = models.CharField(_("ledger number"), max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = OutcomeItemQuerySet.as_manager()

    FINAL = (Status.IMPLEMENTED, Status.PARTLY, Status.NOT_FEASIBLE)
    # Open on the unit's side: the deadline runs, reminders go out, and it can be overdue.
    OPEN = (Status.ASSIGNED, Status.IN_PROGRESS)

    class Meta:
        verbose_name = _("outcome item")
        verbose_name_plural = _("outcome items")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                name="outcome_has_meeting_or_topic", condition=Q(meeting__isnull=False) | Q(topic__isnull=False)
            ),
            models.CheckConstraint(
                name="outcome_not_feasible_has_reason",
                condition=(~Q(status="not_feasible") & ~Q(answer_status="not_feasible")) | ~Q(reason=""),
            ),
            models.CheckConstraint(
                name="outcome_published_only_when_final",
                condition=Q(published_at__isnull=True) | Q(status__in=["implemented", "partly", "not_feasible"]),
            ),
            models.UniqueConstraint(fields=["number"], condition=~Q(number=""), name="outcome_number_once"),
            models.UniqueConstraint(fields=["ledger_ref"], condition=~Q(ledger_ref=""), name="outcome_ledger_ref_once"),
            models.CheckConstraint(name="outcome_solves_at_least_one_problem", condition=Q(problems_solved__gte=1)),
        ]
        indexes = [
            models.Index(fields=["unit", "status"]),
            models.Index(fields=["status", "deadline"]),
            models.Index(fields=["town", "status"]),
            # The published outcomes, newest first: the home page and /outcomes/ (#17).
            models.Index(
                fields=["published_at", "id"], name="outcome_published_id_idx", condition=Q(published_at__isnull=False)
            ),
            # The staff list, by deadline.
            models.Index(fields=["deadline", "id"], name="outcome_deadline_id_idx"),
        ]

    def __str__(self):
        return self.text[:60]

    def save(self, *args, **kwargs):
        if self._state.adding and self.town_id is None:
            self.town = self.derive_town(self.meeting, self.topic)
        super().save(*args, **kwargs)

    @staticmethod
    def derive_town(meeting: Meeting | None, topic: Topic | None) -> Area | None:
        """The town of the meeting's platform (a village platform's town), else the topic's town."""
        if meeting is not None:
            area = meeting.platform.area
            if area.level == Area.Level.TOWN:
                return area
            if area.level == Area.Level.VILLAGE:
                return area.parent
        return topic.town if topic is not None else None

    def is_overdue(self, today=None) -> bool:
        """This item is overdue on `today` (the rule of `overdue_q`, for a loaded row)."""
        return self.status in self.OPEN and self.deadline < (today or timezone.localdate())

    @property
    def satisfaction_open(self) -> bool:
        return self.published_at is not None


class OutcomeEvent(models.Model):
    """The item's history: every change, who and when, and the supervising members' comments."""

    class Kind(models.TextChoices):
        HANDED_OVER = "handed_over", _("Handed over")
        PROGRESS = "progress", _("Progress reported")
        ANSWERED = "answered", _("Answer submitted")
        ACCEPTED = "accepted", _("Answer accepted")
        RETURNED = "returned", _("Answer returned")
        PUBLISHED = "published", _("Result published")
        DEADLINE = "deadline", _("Deadline changed")
        SUPERVISORS = "supervisors", _("Supervisors changed")
        COMMENT = "comment", _("Supervisor's comment")
        ESCALATED = "escalated", _("Overdue: escalated to the office")
        TALLY = "tally", _("Survey results entered")

    item = models.ForeignKey(OutcomeItem, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    kind = models.CharField(_("what"), max_length=12, choices=Kind.choices)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("outcome history entry")
        verbose_name_plural = _("outcome history")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["item", "at"])]

    def __str__(self):
        return f"{self.item_id}: {self.kind}"


class ProgressUpdate(models.Model):
    item = models.ForeignKey(OutcomeItem, on_delete=models.CASCADE, related_name="updates")
    date = models.DateField(_("date"))
    text = models.TextField(_("progress"))
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        ordering = ["date", "id"]

    def __str__(self):
        return f"{self.date}: {self.text[:40]}"


class ProgressPhoto(models.Model):
    update = models.ForeignKey(ProgressUpdate, on_delete=models.CASCADE, related_name="photos")
    # Random names, served to who may see them (outcomes/photo_access.py).
    image = models.ImageField(_("photo"), upload_to=RandomName("outcomes"), db_index=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=RandomName("outcomes"), db_index=True)

    class Meta:
        verbose_name = _("progress photo")
        verbose_name_plural = _("progress photos")
        ordering = ["id"]

    def __str__(self):
        return self.image.name


class Rating(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    BASICALLY_SATISFIED = 3, _("Basically satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


SATISFIED_RATINGS = (Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.BASICALLY_SATISFIED)


class SatisfactionResponse(models.Model):
    """群众评商: one resident's score of a published outcome.

    Verified (`verified`): the resident confirmed their mobile by a one-time SMS code; one per phone and item,
    changed in place until the survey closes (the latest answer counts). Only verified answers and the staff's
    tallies make the satisfaction rate (`outcomes.selectors.satisfaction`); answers without a confirmed phone are
    kept, one per browser, and shown apart as unverified. Every answer records its browser and a keyed hash of its
    address, for the office's anomaly list."""

    item = models.ForeignKey(OutcomeItem, on_delete=models.CASCADE, related_name="responses")
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Rating.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    village = models.ForeignKey(
        Area, verbose_name=_("village"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    verified = models.BooleanField(_("phone confirmed"), default=False)
    browser_token = models.CharField(max_length=64, blank=True)
    address_key = models.CharField(max_length=16, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(_("last changed"), null=True, blank=True)

    class Meta:
        verbose_name = _("satisfaction response")
        verbose_name_plural = _("satisfaction responses")
        constraints = [
            models.CheckConstraint(name="response_rating_1_to_5", condition=Q(rating__gte=1, rating__lte=5)),
            models.UniqueConstraint(fields=["item", "phone"], condition=~Q(phone=""), name="response_once_per_phone"),
            models.UniqueConstraint(
                fields=["item", "browser_token"],
                condition=~Q(browser_token="") & Q(verified=False),
                name="response_once_per_browser",
            ),
        ]

    def __str__(self):
        return f"{self.item_id}: {self.rating}"


class SurveyTally(Backfilled):
    """The counts of a field visit or a paper questionnaire, entered by staff (实地走访 / 问卷)."""

    class Method(models.TextChoices):
        FIELD_VISIT = "visit", _("Field visit")
        PAPER = "paper", _("Paper questionnaire")

    item = models.ForeignKey(OutcomeItem, on_delete=models.CASCADE, related_name="tallies")
    method = models.CharField(_("method"), max_length=5, choices=Method.choices)
    date = models.DateField(_("date"))
    sample_size = models.PositiveIntegerField(_("people asked"))
    very_satisfied = models.PositiveIntegerField(_("very satisfied"), default=0)
    satisfied = models.PositiveIntegerField(_("satisfied"), default=0)
    basically_satisfied = models.PositiveIntegerField(_("basically satisfied"), default=0)
    dissatisfied = models.PositiveIntegerField(_("dissatisfied"), default=0)
    very_dissatisfied = models.PositiveIntegerField(_("very dissatisfied"), default=0)
    note = models.CharField(_("note"), max_length=200, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    COUNTS = ("very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied")

    class Meta:
        verbose_name = _("survey tally")
        verbose_name_plural = _("survey tallies")
        ordering = ["date", "id"]
        constraints = [
            models.CheckConstraint(
                name="tally_counts_add_up",
                condition=Q(
                    sample_size=models.F("very_satisfied")
                    + models.F("satisfied")
                    + models.F("basically_satisfied")
                    + models.F("dissatisfied")
                    + models.F("very_dissatisfied")
                ),
            ),
            models.CheckConstraint(name="tally_not_empty", condition=Q(sample_size__gt=0)),
        ]

    def __str__(self):
        return f"{self.item_id}: {self.get_method_display()} {self.date}"
