from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consult_portal import office
from consult_portal.media import RandomName
from consult_portal.models import Area, ResponsibleUnit
from members.models import Member, readable_code


def new_tracking_code() -> str:
    return readable_code(8)


class Topic(models.Model):
    class Source(models.TextChoices):
        PARTY = "party", _("Party and government request")
        RESIDENT = "resident", _("Residents' suggestion")
        MEMBER = "member", _("Member recommendation")

    class Category(models.TextChoices):
        DEVELOPMENT = "development", _("Development")
        LIVELIHOOD = "livelihood", _("Livelihood")
        HARD_CASE = "hard_case", _("Hard case")
        HARMONY = "harmony", _("Harmony")

    class Status(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        VISITING = "visiting", _("Being visited")
        ACCEPTED = "accepted", _("Accepted")
        PLANNED = "planned", _("In the annual plan")
        CONSULTED = "consulted", _("Consulted")
        CONCLUDED = "concluded", _("Concluded")
        DECLINED = "declined", _("Declined")
        MERGED = "merged", _("Merged")
        FORWARDED = "forwarded", _("Forwarded to a unit")

    title = models.CharField(_("title"), max_length=100)
    description = models.TextField(_("description"), max_length=5000)
    source = models.CharField(_("source"), max_length=10, choices=Source.choices)
    category = models.CharField(_("category"), max_length=12, choices=Category.choices)
    # Empty for a county-level topic (全县): it belongs to the county, not to a town; office staff handle it.
    town = models.ForeignKey(
        Area,
        verbose_name=_("town"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="topics_in_town",
        limit_choices_to={"level": Area.Level.TOWN},
    )
    village = models.ForeignKey(
        Area,
        verbose_name=_("village"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="topics_in_village",
        limit_choices_to={"level": Area.Level.VILLAGE},
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.SUBMITTED)
    tracking_code = models.CharField(_("tracking code"), max_length=12, unique=True, default=new_tracking_code)
    year = models.PositiveSmallIntegerField(_("year"))
    # 群众出题: who to tell of progress. Personal data: masked in lists, removed after retention.
    submitter_name = models.CharField(pgettext_lazy("person", "name"), max_length=50, blank=True)
    submitter_phone = models.CharField(_("phone"), max_length=20, blank=True)
    consent_at = models.DateTimeField(_("consent given"), null=True, blank=True)
    # 党政点题
    requesting_body = models.CharField(_("requesting body"), max_length=100, blank=True)
    document_number = models.CharField(_("document number"), max_length=50, blank=True)
    requested_on = models.DateField(_("requested on"), null=True, blank=True)
    # 委员荐题
    recommended_by = models.ForeignKey(
        Member,
        verbose_name=_("recommended by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="recommended_topics",
    )
    reasons = models.TextField(_("reasons"), blank=True, max_length=5000)
    evidence = models.TextField(_("evidence"), blank=True, max_length=5000)
    # Triage results
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="duplicates",
    )
    forwarded_to = models.ForeignKey(
        ResponsibleUnit,
        verbose_name=_("forwarded to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="forwarded_topics",
    )
    public_reason = models.TextField(_("reason shown to the submitter"), blank=True)
    # When nothing more happens to it (concluded, declined, forwarded; merged: when the topic it went into closes).
    # The retention of the submitter's data counts from here.
    closed_at = models.DateTimeField(_("closed"), null=True, blank=True)
    # The one-time key of the public form that created the topic: a double click creates one topic.
    submission_key = models.CharField(max_length=36, null=True, blank=True, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("submitted"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("topic")
        verbose_name_plural = _("topics")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="topic_merged_iff_merged_into",
                condition=Q(status="merged", merged_into__isnull=False)
                | (~Q(status="merged") & Q(merged_into__isnull=True)),
            ),
            models.CheckConstraint(
                name="topic_forwarded_has_unit", condition=~Q(status="forwarded") | Q(forwarded_to__isnull=False)
            ),
            models.CheckConstraint(
                name="topic_declined_has_reason", condition=~Q(status="declined") | ~Q(public_reason="")
            ),
            models.CheckConstraint(
                name="topic_phone_needs_consent", condition=Q(submitter_phone="") | Q(consent_at__isnull=False)
            ),
            models.CheckConstraint(
                name="topic_member_source_has_member",
                condition=~Q(source="member") | Q(recommended_by__isnull=False),
            ),
            models.CheckConstraint(
                name="topic_party_source_has_body", condition=~Q(source="party") | ~Q(requesting_body="")
            ),
        ]
        indexes = [
            models.Index(fields=["status", "year"]),
            models.Index(fields=["town", "status"]),
            models.Index(fields=["source", "category"]),
            # The staff list, newest first, for the county and for one town: its deep pages read these alone (#17).
            models.Index(fields=["created_at", "id"], name="topic_created_id_idx"),
            models.Index(fields=["town", "created_at", "id"], name="topic_town_created_id_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def town_name(self) -> str:
        """The topic's town, or for a county-level topic the whole county in the office's word (全区)."""
        return self.town.name if self.town_id else office.current().whole_county_word


class TopicPhoto(models.Model):
    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="photos")
    # Random names, served only to staff who may see the topic (topics/photo_access.py).
    image = models.ImageField(_("photo"), upload_to=RandomName("topics"), db_index=True)
    thumbnail = models.ImageField(_("thumbnail"), upload_to=RandomName("topics"), db_index=True)

    class Meta:
        verbose_name = _("topic photo")
        verbose_name_plural = _("topic photos")
        ordering = ["id"]

    def __str__(self):
        return self.image.name


class TopicEvent(models.Model):
    """The status history: every action on a topic, who and when, public and internal notes."""

    topic = models.ForeignKey(Topic, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField(_("time"), auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=32)
    from_status = models.CharField(_("previous status"), max_length=10, choices=Topic.Status.choices, blank=True)
    to_status = models.CharField(_("new status"), max_length=10, choices=Topic.Status.choices)
    public_note = models.TextField(_("public note"), blank=True)
    internal_note = models.TextField(_("internal note"), blank=True)

    class Meta:
        verbose_name = _("topic history entry")
        verbose_name_plural = _("topic history")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.topic}: {self.action}"


class ConsultationPlan(models.Model):
    """年度协商计划"""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        APPROVED = "approved", _("Approved")
        PUBLISHED = "published", _("Published")

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    approved_by = models.CharField(_("approved by"), max_length=100, blank=True)
    approved_on = models.DateField(_("approved on"), null=True, blank=True)
    document_number = models.CharField(_("document number"), max_length=50, blank=True)
    published_at = models.DateTimeField(_("published"), null=True, blank=True)

    class Meta:
        verbose_name = _("annual consultation plan")
        verbose_name_plural = _("annual consultation plans")
        ordering = ["-year"]
        constraints = [
            models.CheckConstraint(
                name="plan_approved_has_approval",
                condition=Q(status="draft") | (Q(approved_on__isnull=False) & ~Q(approved_by="")),
            ),
            models.CheckConstraint(
                name="plan_published_has_time", condition=~Q(status="published") | Q(published_at__isnull=False)
            ),
        ]

    def __str__(self):
        return str(self.year)


class PlanEntry(models.Model):
    class PlatformLevel(models.TextChoices):
        COUNTY = "county", pgettext_lazy("platform level", "County")
        TOWN = "town", pgettext_lazy("platform level", "Town")
        VILLAGE = "village", pgettext_lazy("platform level", "Village")

    plan = models.ForeignKey(ConsultationPlan, on_delete=models.CASCADE, related_name="entries")
    topic = models.OneToOneField(Topic, on_delete=models.PROTECT, related_name="plan_entry")
    quarter = models.PositiveSmallIntegerField(_("quarter"), choices=[(q, q) for q in range(1, 5)])
    platform_level = models.CharField(_("platform level"), max_length=8, choices=PlatformLevel.choices)

    class Meta:
        verbose_name = _("plan entry")
        verbose_name_plural = _("plan entries")
        ordering = ["quarter", "id"]
        constraints = [
            models.CheckConstraint(name="plan_entry_quarter_1_to_4", condition=Q(quarter__gte=1, quarter__lte=4)),
        ]

    def __str__(self):
        return f"{self.plan} Q{self.quarter}: {self.topic}"
