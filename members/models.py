import secrets

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consult_portal.media import RandomName
from consult_portal.models import Area, Committee, Sector

# Codes people read aloud or type from a notice board: no 0/O, 1/I/L.
READABLE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


def readable_code(length: int = 8) -> str:
    return "".join(secrets.choice(READABLE_ALPHABET) for _ in range(length))


def new_duty_code() -> str:
    return readable_code(8)


class Member(models.Model):
    class Level(models.TextChoices):
        CITY = "city", _("City-level member")
        COUNTY = "county", _("County-level member")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("login"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="member",
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    sector = models.ForeignKey(Sector, verbose_name=_("sector"), on_delete=models.PROTECT, related_name="members")
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("special committee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="members",
    )
    expertise = models.CharField(_("expertise"), max_length=200, blank=True, help_text=_("Comma-separated tags"))
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    photo = models.ImageField(_("photo"), upload_to=RandomName("members"), blank=True, db_index=True)
    duty_code = models.CharField(_("duty code"), max_length=12, unique=True, default=new_duty_code, editable=False)
    term_start = models.DateField(_("term start"), null=True, blank=True)
    term_end = models.DateField(_("term end"), null=True, blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["name", "id"]
        constraints = [
            models.UniqueConstraint(fields=["phone"], condition=~Q(phone=""), name="member_unique_phone"),
            models.CheckConstraint(
                name="member_term_ends_after_start",
                condition=Q(term_end__isnull=True) | Q(term_start__isnull=True) | Q(term_end__gte=F("term_start")),
            ),
        ]
        indexes = [models.Index(fields=["level", "sector"])]

    def __str__(self):
        return self.name


class Assignment(models.Model):
    """委员下沉: a member sunk into a town or village for a term."""

    class Role(models.TextChoices):
        CONTACT = "contact", _("Contact member")
        RESIDENT = "resident", _("Resident member")

    member = models.ForeignKey(Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="assignments")
    area = models.ForeignKey(
        Area,
        verbose_name=_("town or village"),
        on_delete=models.PROTECT,
        related_name="assignments",
        limit_choices_to={"level__in": [Area.Level.TOWN, Area.Level.VILLAGE]},
    )
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.CONTACT)
    starts_on = models.DateField(_("start date"))
    ends_on = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("sinking assignment")
        verbose_name_plural = _("sinking assignments")
        ordering = ["member", "starts_on"]
        constraints = [
            models.CheckConstraint(
                name="assignment_ends_after_start",
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
            ),
            models.UniqueConstraint(fields=["member", "area", "starts_on"], name="assignment_unique_per_term"),
        ]

    def __str__(self):
        return f"{self.member} → {self.area}"


class PerformanceWeights(models.Model):
    """履职量化考核: points per recorded activity, one row that office staff change."""

    meeting_attended = models.PositiveSmallIntegerField(_("points per meeting attended"), default=3)
    research = models.PositiveSmallIntegerField(_("points per research taken part in"), default=2)
    topic_recommended = models.PositiveSmallIntegerField(_("points per topic recommended"), default=1)
    topic_accepted = models.PositiveSmallIntegerField(_("points per recommended topic accepted"), default=3)
    suggestion_adopted = models.PositiveSmallIntegerField(_("points per suggestion adopted"), default=5)
    # Quality beside the counts (#16): what came of what the member raised and supervised.
    suggestion_implemented = models.PositiveSmallIntegerField(
        _("extra points per suggestion fully implemented"), default=3
    )
    supervised_satisfied = models.PositiveSmallIntegerField(
        _("points per supervised item residents are satisfied with"),
        default=2,
        help_text=_(
            "An item the member supervised, published, with at least 5 answers counted and 80 per cent satisfied."
        ),
    )

    class Meta:
        verbose_name = _("performance weights")
        verbose_name_plural = _("performance weights")
        constraints = [models.CheckConstraint(name="performance_weights_single_row", condition=Q(pk=1))]

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "PerformanceWeights":
        return cls.objects.get_or_create(pk=1)[0]

