from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from consult_portal.models import Area, ResponsibleUnit
from members.models import Member
from sessions.models import Meeting, RecordItem
from topics.models import Topic


class OutcomeItem(models.Model):
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
    unit = models.ForeignKey(
        ResponsibleUnit, verbose_name=_("responsible unit"), on_delete=models.PROTECT, related_name="outcomes"
    )
    contact_name = models.CharField(_("contact person"), max_length=50)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    deadline = models.DateField(_("handling deadline"), db_index=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ASSIGNED)
    answer = models.TextField(_("handling answer"), blank=True)
    reason = models.TextField(_("reason"), blank=True)
    supervisors = models.ManyToManyField(
        Member, verbose_name=_("supervising members"), blank=True, related_name="supervised_outcomes"
    )
    published_at = models.DateTimeField(_("published"), null=True, blank=True)
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    FINAL = (Status.IMPLEMENTED, Status.PARTLY, Status.NOT_FEASIBLE)

    class Meta:
        verbose_name = _("outcome item")
        verbose_name_plural = _("outcome items")
        ordering = ["deadline", "id"]
        constraints = [
            models.CheckConstraint(
                name="outcome_has_meeting_or_topic", condition=Q(meeting__isnull=False) | Q(topic__isnull=False)
            ),
            models.CheckConstraint(
                name="outcome_not_feasible_has_reason", condition=~Q(status="not_feasible") | ~Q(reason="")
            ),
            models.CheckConstraint(
                name="outcome_published_only_when_final",
                condition=Q(published_at__isnull=True) | Q(status__in=["implemented", "partly", "not_feasible"]),
            ),
        ]
        indexes = [models.Index(fields=["unit", "status"]), models.Index(fields=["status", "deadline"])]

    def __str__(self):
        return self.text[:60]


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


class Rating(models.IntegerChoices):
    VERY_SATISFIED = 5, _("Very satisfied")
    SATISFIED = 4, _("Satisfied")
    BASICALLY_SATISFIED = 3, _("Basically satisfied")
    DISSATISFIED = 2, _("Dissatisfied")
    VERY_DISSATISFIED = 1, _("Very dissatisfied")


SATISFIED_RATINGS = (Rating.VERY_SATISFIED, Rating.SATISFIED, Rating.BASICALLY_SATISFIED)


class SatisfactionResponse(models.Model):
    """群众评商: one resident's score of a published outcome."""

    item = models.ForeignKey(OutcomeItem, on_delete=models.CASCADE, related_name="responses")
    rating = models.PositiveSmallIntegerField(_("rating"), choices=Rating.choices)
    comment = models.TextField(_("comment"), blank=True, max_length=1000)
    village = models.ForeignKey(
        Area, verbose_name=_("village"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    browser_token = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("satisfaction response")
        verbose_name_plural = _("satisfaction responses")
        constraints = [
            models.CheckConstraint(name="response_rating_1_to_5", condition=Q(rating__gte=1, rating__lte=5)),
            models.UniqueConstraint(fields=["item", "phone"], condition=~Q(phone=""), name="response_once_per_phone"),
            models.UniqueConstraint(
                fields=["item", "browser_token"], condition=~Q(browser_token=""), name="response_once_per_browser"
            ),
        ]

    def __str__(self):
        return f"{self.item_id}: {self.rating}"
