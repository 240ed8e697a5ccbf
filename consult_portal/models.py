"""Shared reference data and infrastructure: the area tree, sectors, committees, units,
users and their scope, the audit log and the notification outbox."""

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .typography import labelled


class Area(models.Model):
    class Level(models.TextChoices):
        COUNTY = "county", _("County / district")
        TOWN = "town", _("Town / street")
        VILLAGE = "village", _("Village / community")

    name = models.CharField(_("name"), max_length=100)
    code = models.CharField(_("code"), max_length=32, unique=True)
    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent"), null=True, blank=True, on_delete=models.PROTECT, related_name="children"
    )
    is_pilot = models.BooleanField(_("pilot"), default=False, help_text=_("A pilot village or town (试点)."))

    class Meta:
        verbose_name = _("area")
        verbose_name_plural = _("areas")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                name="area_only_county_has_no_parent",
                condition=Q(level="county", parent__isnull=True) | (~Q(level="county") & Q(parent__isnull=False)),
            ),
            models.UniqueConstraint(fields=["parent", "name"], name="area_unique_name_in_parent"),
        ]
        indexes = [models.Index(fields=["level", "parent"])]

    def __str__(self):
        return self.name

    @property
    def label(self) -> str:
        """The name as every area select shows it: a village after its town ("甲镇 / 岚坝村"), so that two villages
        of the same name in different towns are told apart. Select the parent with the areas."""
        if self.level == self.Level.VILLAGE and self.parent_id:
            return f"{self.parent.name} / {self.name}"
        return self.name

    def clean(self):
        """The tree has one shape: the county at the top with no parent, each town under the county, each village
        under a town. A check constraint cannot compare a row with its parent's, so the admin, every ModelForm and
        any service calling `full_clean` refuse a wrong one here, beside the field at fault."""
        super().clean()
        parent_level = {self.Level.TOWN: self.Level.COUNTY, self.Level.VILLAGE: self.Level.TOWN}
        parent = self.parent  # unsaved too: an import checks a village under a town of the same sheet
        if self.level == self.Level.COUNTY and parent is not None:
            raise ValidationError({"parent": _("The county has no parent area.")})
        if self.level in parent_level and (parent is None or parent.level != parent_level[self.level]):
            if self.level == self.Level.TOWN:
                message = _("A town or street belongs to the county: choose the county as its parent.")
            else:
                message = _("A village or community belongs to a town or street: choose its town as its parent.")
            raise ValidationError({"parent": message})
        child_level = {self.Level.COUNTY: self.Level.TOWN, self.Level.TOWN: self.Level.VILLAGE}.get(self.level)
        if self.pk and self.children.exclude(level=child_level).exists():
            raise ValidationError(
                {"level": _("The areas under this one cannot stay under an area of this level: move them first.")}
            )

    @property
    def town(self):
        """The town this area belongs to (itself for a town, None for the county)."""
        if self.level == self.Level.TOWN:
            return self
        if self.level == self.Level.VILLAGE:
            return self.parent
        return None


def in_town(town, path: str = "area") -> Q:
    """Rows whose area, reached through `path`, is `town` or one of its villages; with an empty path,
    the areas themselves (the town and its villages). `town` may be an OuterRef."""
    if not path:
        return Q(pk=town.pk) | Q(parent=town)
    return Q(**{path: town}) | Q(**{f"{path}__parent": town})


class Sector(models.Model):
    """界别"""

    name = models.CharField(_("name"), max_length=100, unique=True)

    class Meta:
        verbose_name = _("sector")
        verbose_name_plural = _("sectors")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Committee(models.Model):
    """专委会: each links one or two liaison stations (towns); its studios link back from the platforms."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    stations = models.ManyToManyField(
        Area,
        verbose_name=_("liaison stations"),
        blank=True,
        related_name="committees",
        limit_choices_to={"level": "town"},
    )

    class Meta:
        verbose_name = _("special committee")
        verbose_name_plural = _("special committees")
        ordering = ["name"]

    def __str__(self):
        return self.name


class ResponsibleUnit(models.Model):
    """承办单位: a party or government department, or a town government."""

    class Kind(models.TextChoices):
        DEPARTMENT = "department", _("Department")
        TOWN = "town", _("Town government")

    name = models.CharField(_("name"), max_length=150, unique=True)
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.DEPARTMENT)
    town = models.ForeignKey(
        Area, verbose_name=_("town"), null=True, blank=True, on_delete=models.PROTECT, related_name="units"
    )
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)

    class Meta:
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(name="unit_town_kind_has_town", condition=~Q(kind="town") | Q(town__isnull=False)),
        ]

    def __str__(self):
        return self.name


class DocumentCounter(models.Model):
    """The last number given to a kind of document in a year: the 17th assignment sheet of 2026 is 2026-交-017.
    Given out by `consult_portal.numbering.next_number`, one at a time."""

    kind = models.CharField(_("kind of document"), max_length=20)
    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number given"), default=0)

    class Meta:
        verbose_name = _("document counter")
        verbose_name_plural = _("document counters")
        constraints = [models.UniqueConstraint(fields=["kind", "year"], name="document_counter_once_a_year")]

    def __str__(self):
        return f"{self.year}-{self.kind}: {self.last}"


class OfficeSettings(models.Model):
    """The office's own settings, one row (pk 1), changed on the office's settings page. A blank field means the
    installation's default (its environment variable, else the generic word): read through
    `consult_portal.office.current()`, which caches it, never directly."""

    office_name = models.CharField(_("office name"), max_length=100, blank=True)
    masthead = models.CharField(_("masthead of documents"), max_length=100, blank=True)
    county_name = models.CharField(_("county name"), max_length=50, blank=True)
    county_word = models.CharField(_("word for the county"), max_length=10, blank=True)
    county_level_word = models.CharField(_("word for the county level"), max_length=10, blank=True)
    whole_county_word = models.CharField(_("word for the whole county"), max_length=10, blank=True)
    contact_phone = models.CharField(_("public contact phone"), max_length=30, blank=True)
    meetings_per_town_target = models.PositiveSmallIntegerField(
        _("consultations per town and year"), null=True, blank=True
    )
    outcome_reminder_days = models.CharField(_("outcome reminder days"), max_length=50, blank=True)
    base_url = models.CharField(_("public address of the portal"), max_length=200, blank=True)
    retention_months = models.PositiveSmallIntegerField(
        _("months residents' personal data is kept"), null=True, blank=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("office settings")
        verbose_name_plural = _("office settings")
        constraints = [models.CheckConstraint(name="office_settings_single_row", condition=Q(pk=1))]

    def __str__(self):
        return str(self._meta.verbose_name)

    def save(self, *args, **kwargs):
        from .office import forget  # office reads this model

        self.pk = 1
        super().save(*args, **kwargs)
        forget()


class Role(models.TextChoices):
    """The staff roles; each is a Django group of the same name."""

    OFFICE = "office", _("Office staff")
    LIAISON = "liaison", _("Liaison-station staff")
    MEMBER = "member", _("Member")
    UNIT = "unit", _("Responsible unit")
    LEADER = "leader", _("Leader")


class User(AbstractUser):
    """A login. Liaison staff are scoped to a town, unit users to a responsible unit."""

    town = models.ForeignKey(
        Area,
        verbose_name=_("town"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff_users",
        limit_choices_to={"level": Area.Level.TOWN},
    )
    unit = models.ForeignKey(
        ResponsibleUnit,
        verbose_name=_("responsible unit"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="users",
    )
    must_change_password = models.BooleanField(
        _("must change password"),
        default=False,
        help_text=_("Set when staff chose this password: the user must replace it before doing anything else."),
    )

    class Meta(AbstractUser.Meta):
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            models.CheckConstraint(
                name="user_scoped_to_town_or_unit_not_both", condition=Q(town__isnull=True) | Q(unit__isnull=True)
            ),
        ]

    def set_password(self, raw_password):
        """A password set this way is the user's own choice (change, reset, seed_demo), so the forced change ends.

        Staff who choose a password for someone else use `set_initial_password` instead.
        """
        super().set_password(raw_password)
        self.must_change_password = False

    def set_initial_password(self, raw_password):
        """A password chosen by staff for someone else: the user must replace it at their next visit."""
        super().set_password(raw_password)
        self.must_change_password = True

    @property
    def roles(self) -> set[str]:
        if not hasattr(self, "_roles"):
            self._roles = set(self.groups.values_list("name", flat=True))
        return self._roles

    def has_role(self, *roles: str) -> bool:
        return self.is_active and bool(self.roles.intersection(roles))

    @property
    def primary_role(self) -> str | None:
        for role in Role.values:
            if role in self.roles:
                return role
        return None


class ImportBatch(models.Model):
    """A confirmed import of a sheet (`consult_portal.imports`). Its preview's token is unique, so confirming the
    same preview twice (a double click, a second tab) imports it once: the second confirm waits for the first and
    is refused."""

    token = models.CharField(_("preview token"), max_length=64, unique=True)
    kind = models.CharField(_("kind of import"), max_length=32)
    file_name = models.CharField(_("file"), max_length=200, blank=True)
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("confirmed by"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), auto_now_add=True)
    counts = models.JSONField(_("rows by result"), default=dict, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        ordering = ["-confirmed_at", "-id"]

    def __str__(self):
        return f"{self.kind} {self.confirmed_at:%Y-%m-%d %H:%M}"


class AuditEntryQuerySet(models.QuerySet):
    """Audit entries are never changed, and only the pruning command removes old ones (`prune`)."""

    def update(self, **kwargs):
        raise ValueError("Audit entries cannot be changed.")

    def delete(self):
        raise ValueError("Audit entries cannot be deleted; see the prune_audit command.")

    def prune(self, *, before) -> int:
        """Remove the entries older than `before`: the one path that deletes, used by `prune_audit`,
        which checks the minimum retention first."""
        return models.QuerySet.delete(self.filter(at__lt=before))[0]


class AuditEntry(models.Model):
    """Append-only log of staff writes: who, when, what, and the values before and after."""

    at = models.DateTimeField(_("time"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL
    )
    # Who acted, as written when they did: the entry still names them once the account is gone.
    actor_name = models.CharField(_("actor's name"), max_length=320, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("address"), null=True, blank=True)

    objects = AuditEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit entries")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_repr}"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise ValueError("Audit entries cannot be changed.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Audit entries cannot be deleted.")


class Notification(models.Model):
    """The outbox: one row per message, committed with the change that causes it, delivered by a task."""

    class Channel(models.TextChoices):
        EMAIL = "email", _("Email")
        INAPP = "inapp", _("In-app notice")
        SMS = "sms", _("SMS")

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recipient"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
    )
    address = models.CharField(_("address"), max_length=254, blank=True, help_text=_("Email or phone number"))
    channel = models.CharField(_("channel"), max_length=8, choices=Channel.choices)
    kind = models.CharField(_("kind"), max_length=64)
    subject = models.CharField(_("subject"), max_length=200)
    body = models.TextField(_("body"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    content_type = models.ForeignKey(ContentType, null=True, blank=True, on_delete=models.SET_NULL)
    object_id = models.PositiveBigIntegerField(null=True, blank=True)
    target = GenericForeignKey("content_type", "object_id")
    dedup_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    claimed_at = models.DateTimeField(_("claimed"), null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)
    read_at = models.DateTimeField(_("read"), null=True, blank=True)
    # Committed on their own around the provider's call (consult_portal/notifications.py, "Exactly once"): when the
    # provider may have had the message (SMTP: the end of its data was sent), and what the provider called it.
    handed_at = models.DateTimeField(_("handed to the provider"), null=True, blank=True)
    provider_id = models.CharField(_("provider's reference"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                name="notification_has_recipient_or_address", condition=Q(recipient__isnull=False) | ~Q(address="")
            ),
            models.CheckConstraint(
                name="notification_inapp_has_recipient", condition=~Q(channel="inapp") | Q(recipient__isnull=False)
            ),
            models.CheckConstraint(
                name="notification_sent_has_time", condition=~Q(status="sent") | Q(sent_at__isnull=False)
            ),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"]),
            models.Index(fields=["recipient", "channel", "read_at"]),
        ]

    def __str__(self):
        return labelled(self.get_channel_display(), self.subject)


class NotificationPreference(models.Model):
    """How a user hears of things besides the in-app notice, which always comes: by email, by SMS, and whether new
    residents' topics come one by one or as one message a day. A user without a row has the defaults."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preference"
    )
    email = models.BooleanField(_("by email"), default=True)
    sms = models.BooleanField(_("by SMS"), default=False)
    phone = models.CharField(_("mobile for SMS"), max_length=20, blank=True)
    topic_digest = models.BooleanField(
        _("new residents' topics in one daily message"),
        default=False,
        help_text=_("Instead of one message for each new topic, one message a day listing them."),
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.CheckConstraint(name="notification_sms_has_phone", condition=Q(sms=False) | ~Q(phone="")),
        ]

    def __str__(self):
        return str(self.user)


class PhoneCode(models.Model):
    """A one-time code sent by SMS to confirm that whoever types a mobile number holds it (the survey, check-in).
    Only a keyed hash of the code is kept; `consult_portal.phone_codes` sends and checks them."""

    purpose = models.CharField(max_length=40)
    phone = models.CharField(max_length=20)
    code_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0)
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("phone confirmation code")
        verbose_name_plural = _("phone confirmation codes")
        indexes = [models.Index(fields=["phone", "created_at"]), models.Index(fields=["purpose", "phone"])]

    def __str__(self):
        return f"{self.purpose} {self.created_at:%Y-%m-%d %H:%M}"


class DailyRun(models.Model):
    """A day on which a daily job (`job`: "outcome_scan") finished: the next run catches up from the last one."""

    job = models.CharField(max_length=40)
    day = models.DateField()
    finished_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["job", "day"], name="daily_run_once_a_day")]

    def __str__(self):
        return f"{self.job} {self.day}"
