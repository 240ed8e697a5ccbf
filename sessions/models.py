import secrets

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from consult_portal.backfill import Backfilled
from consult_portal.media import RandomName
from consult_portal.models import Area, Committee, Sector
from members.models import Member
from topics.models import Topic


class Platform(models.Model):
    """A place of the three-level "有事来协商" network."""

    class Level(models.TextChoices):
        COUNTY = "county", pgettext_lazy("platform level", "County")
        TOWN = "town", pgettext_lazy("platform level", "Town")
        VILLAGE = "village", pgettext_lazy("platform level", "Village")

    class Kind(models.TextChoices):
        ROOM = "room", _("Consultation room")
        STUDIO = "studio", _("Member studio")
        BASE = "base", _("Member practice base")
        PARK = "park", _("Industrial park platform")
        MICRO = "micro", _("Micro-site")

    name = models.CharField(_("name"), max_length=100, unique=True)
    level = models.CharField(_("level"), max_length=8, choices=Level.choices)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices, default=Kind.ROOM)
    area = models.ForeignKey(Area, verbose_name=_("area"), on_delete=models.PROTECT, related_name="platforms")
    sector = models.ForeignKey(
        Sector, verbose_name=_("sector"), null=True, blank=True, on_delete=models.PROTECT, related_name="studios"
    )
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("special committee"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="studios",
        help_text=_("For a member studio linked to a special committee."),
    )
    studio_members = models.ManyToManyField(
        Member,
        verbose_name=_("studio members"),
        blank=True,
        related_name="studios",
        help_text=_("For a member studio: the members who work in it."),
    )
    host_unit = models.CharField(_("host unit"), max_length=100, blank=True)
    contact_name = models.CharField(_("contact person"), max_length=50, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    is_pilot = models.BooleanField(_("pilot"), default=False, help_text=_("A pilot platform (试点)."))
    # 五有: the date each item was confirmed; "activities" is computed from meetings held.
    organisation_confirmed_on = models.DateField(_("organisation confirmed"), null=True, blank=True)
    sign_confirmed_on = models.DateField(_("sign confirmed"), null=True, blank=True)
    staff_confirmed_on = models.DateField(_("staff confirmed"), null=True, blank=True)
    rules_confirmed_on = models.DateField(_("rules confirmed"), null=True, blank=True)

    class Meta:
        verbose_name = _("platform")
        verbose_name_plural = _("platforms")
        ordering = ["level", "name"]
        indexes = [models.Index(fields=["area", "level"])]

    def __str__(self):
        return self.name


def new_checkin_token() -> str:
    return secrets.token_urlsafe(16)


def held_q(path: str = "", *, year: int | None = None, since=None, until=None) -> Q:
    """Meetings that took place ("held": held, or held and recorded), reached through `path` (e.g. "meeting__"),
    that started in `year` or from `since` up to (not including) `until` when given. The one definition of a
    consultation held: every page, export and count of meetings held goes through it or `Meeting.objects.held()`."""
    q = Q(**{f"{path}status__in": Meeting.HELD_STATUSES})
    if year is not None:
        q &= Q(**{f"{path}starts_at__year": year})
    if since is not None:
        q &= Q(**{f"{path}starts_at__gte": since})
    if until is not None:
        q &= Q(**{f"{path}starts_at__lt": until})
    return q


class MeetingQuerySet(models.QuerySet):
    def held(self, *, year: int | None = None, since=None, until=None) -> "MeetingQuerySet":
        """The meetings that took place (see `held_q`), in `year` or from `since` until `until` when given."""
        return self.filter(held_q(year=year, since=since, until=until))


class Meeting(Backfilled):
    class Form(models.TextChoices):
        MEETING = "meeting", _("Meeting consultation")
        ON_SITE = "on_site", _("On-site / courtyard consultation")
        WRITTEN = "written", _("Written consultation")
        ONLINE = "online", _("Online consultation")
        EXPERT = "expert", _("Expert review")
        SECTOR = "sector", _("Sector consultation")
        MEDIA = "media", _("Media supervision")

    class Status(models.TextChoices):
        PLANNED = "planned", _("Planned")
        NOTICE_PUBLISHED = "published", _("Notice published")
        HELD = "held", _("Held")
        RECORDED = "recorded", _("Record completed")
        POSTPONED = "postponed", _("Postponed")
        CANCELLED = "cancelled", _("Cancelled")

    # A meeting that took place: it counts as a consultation held, an activity of its platform, a source of outcomes.
    HELD_STATUSES = (Status.HELD, Status.RECORDED)

    title = models.CharField(_("title"), max_length=150)
    platform = models.ForeignKey(
        Platform, verbose_name=_("platform"), on_delete=models.PROTECT, related_name="meetings"
    )
    topics = models.ManyToManyField(Topic, verbose_name=_("topics"), related_name="meetings")
    form = models.CharField(_("form"), max_length=10, choices=Form.choices, default=Form.MEETING)
    starts_at = models.DateTimeField(_("starts"))
    ends_at = models.DateTimeField(_("ends"))
    place = models.CharField(_("place"), max_length=200, blank=True)
    host = models.CharField(_("host"), max_length=50, blank=True)
    organiser = models.CharField(_("organising unit"), max_length=100, blank=True)
    how_to_take_part = models.TextField(_("how to take part"), blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PLANNED)
    status_reason = models.TextField(_("reason"), blank=True)
    no_research_reason = models.TextField(_("reason for holding without research"), blank=True)
    # The secret behind the check-in QR code: the code itself carries a token derived from it for each day
    # (sessions/checkin_tokens.py), and staff replace it when a code must stop working at once.
    checkin_token = models.CharField(max_length=32, unique=True, default=new_checkin_token, editable=False)
    # Members not invited may check in too (an open meeting of all members); otherwise only those invited.
    open_to_members = models.BooleanField(_("open to all members"), default=False)
    # The record (会议记录)
    summary = models.TextField(_("summary"), blank=True)
    answers = models.TextField(_("departments' answers on the spot"), blank=True)
    attendance_count = models.PositiveIntegerField(_("attendance"), null=True, blank=True)
    walk_in_count = models.PositiveIntegerField(_("residents who came of their own accord"), null=True, blank=True)
    # Participation (参与): entered with the record, empty when not recorded. Residents attending may exceed those
    # invited only by the residents who came of their own accord (walk_in_count): `rules.check_participation`.
    residents_invited = models.PositiveIntegerField(_("residents invited"), null=True, blank=True)
    residents_attended = models.PositiveIntegerField(_("residents attending"), null=True, blank=True)
    departments_count = models.PositiveIntegerField(_("departments taking part"), null=True, blank=True)
    member_times = models.PositiveIntegerField(_("member-times"), null=True, blank=True)
    # The notice's number (2026-通-005), given once when the notice is first published (consult_portal.numbering).
    notice_number = models.CharField(_("notice number"), max_length=20, blank=True, editable=False)
    # 补录: the number of the meeting's row in the office's ledger (台账), which a re-upload of the ledger matches.
    ledger_ref = models.CharField(_("ledger number"), max_length=40, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MeetingQuerySet.as_manager()

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["-starts_at", "-id"]
        constraints = [
            models.CheckConstraint(name="meeting_ends_after_start", condition=Q(ends_at__gt=F("starts_at"))),
            models.CheckConstraint(
                name="meeting_postponed_or_cancelled_has_reason",
                condition=~Q(status__in=["postponed", "cancelled"]) | ~Q(status_reason=""),
            ),
            models.UniqueConstraint(
                fields=["notice_number"], condition=~Q(notice_number=""), name="meeting_notice_number_once"
            ),
            models.UniqueConstraint(fields=["ledger_ref"], condition=~Q(ledger_ref=""), name="meeting_ledger_ref_once"),
        ]
        indexes = [
            models.Index(fields=["platform", "starts_at"]),
            models.Index(fields=["status", "starts_at"]),
            # The staff list (latest first), the public list and the calendar feed (not ended yet) (#17).
            models.Index(fields=["starts_at", "id"], name="meeting_starts_id_idx"),
            models.Index(fields=["ends_at"], name="meeting_ends_idx"),
        ]

    def __str__(self):
        return self.title

    @property
    def is_held(self) -> bool:
        """This meeting took place (the rule of `held_q`, for a loaded row)."""
        return self.status in self.HELD_STATUSES

    @property
    def participation_rate(self) -> float | None:
        """Residents attending over residents invited, 0–1 (above 1 with walk-ins); None when either is unknown."""
        if not self.residents_invited or self.residents_attended is None:
            return None
        return self.residents_attended / self.residents_invited

    @property
    def participation_percent(self) -> str:
        """The participation rate as read: "85.0%", or "—" when not recorded."""
        rate = self.participation_rate
        return "—" if rate is None else f"{rate * 100:.1f}%"

    @property
    def participation_recorded(self) -> bool:
        return any(
            value is not None
            for value in (self.residents_invited, self.residents_attended, self.departments_count, self.member_times)
        )


class MeetingTransition(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="transitions")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    from_status = models.CharField(max_length=10, choices=Meeting.Status.choices, blank=True)
    to_status = models.CharField(max_length=10, choices=Meeting.Status.choices)
    reason = models.TextField(blank=True)
    old_starts_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("meeting history entry")
        verbose_name_plural = _("meeting history")
        ordering = ["at", "id"]

    def __str__(self):
        return f"{self.meeting}: {self.from_status} → {self.to_status}"


def checked_in_q(path: str = "") -> Q:
    """A confirmed check-in (到会), reached through `path` (e.g. "participations__"): checked in and not struck by
    staff, and a member only when invited or the meeting was open to all members. The one definition that
    attendance figures and the members' points count with (`Participant.objects.checked_in()`)."""
    return Q(**{f"{path}checked_in_at__isnull": False, f"{path}struck_at__isnull": True}) & (
        ~Q(**{f"{path}kind": "member"}) | Q(**{f"{path}invited": True}) | Q(**{f"{path}meeting__open_to_members": True})
    )


class ParticipantQuerySet(models.QuerySet):
    def checked_in(self) -> "ParticipantQuerySet":
        """The confirmed check-ins (see `checked_in_q`)."""
        return self.filter(checked_in_q())


class Participant(models.Model):
    class Kind(models.TextChoices):
        MEMBER = "member", _("Member")
        DEPARTMENT = "department", _("Department representative")
        RESIDENT = "resident", _("Resident concerned")
        EXPERT = "expert", _("Expert")

    class Response(models.TextChoices):
        PENDING = "pending", _("No answer yet")
        YES = "yes", _("Will attend")
        NO = "no", _("Cannot attend")

    class CheckinMethod(models.TextChoices):
        LOGIN = "login", _("Member's login and the meeting's code")
        SMS = "sms", _("Phone confirmed by SMS code")
        STAFF = "staff", _("Entered by staff at the door")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="participants")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    member = models.ForeignKey(
        Member, verbose_name=_("member"), null=True, blank=True, on_delete=models.PROTECT, related_name="participations"
    )
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50, blank=True)
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)
    invited = models.BooleanField(_("invited"), default=True)
    response = models.CharField(_("answer"), max_length=8, choices=Response.choices, default=Response.PENDING)
    checked_in_at = models.DateTimeField(_("checked in"), null=True, blank=True)
    checkin_method = models.CharField(_("checked in by"), max_length=8, choices=CheckinMethod.choices, blank=True)
    # Struck by staff (someone who was not there): kept with who struck it and why, and never counted.
    struck_at = models.DateTimeField(_("struck"), null=True, blank=True)
    struck_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    strike_reason = models.CharField(_("reason for striking"), max_length=200, blank=True)

    objects = ParticipantQuerySet.as_manager()

    class Meta:
        verbose_name = _("participant")
        verbose_name_plural = _("participants")
        ordering = ["kind", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["meeting", "member"], condition=Q(member__isnull=False), name="participant_member_once"
            ),
            models.CheckConstraint(
                name="participant_member_kind_has_member",
                condition=(Q(kind="member") & Q(member__isnull=False)) | (~Q(kind="member") & ~Q(name="")),
            ),
        ]

    def __str__(self):
        return self.name or str(self.member)

    @property
    def counts_as_checked_in(self) -> bool:
        """This check-in counts (the rule of `checked_in_q`, for a loaded row)."""
        return (
            self.checked_in_at is not None
            and self.struck_at is None
            and (self.kind != self.Kind.MEMBER or self.invited or self.meeting.open_to_members)
        )


class Research(models.Model):
    """调研: a visit, forum or briefing before a consultation."""

    class Kind(models.TextChoices):
        VISIT = "visit", _("Home visit")
        FORUM = "forum", _("Forum")
        BRIEFING = "briefing", _("Policy briefing")
        INSPECTION = "inspection", _("Inspection")

    meeting = models.ForeignKey(
        Meeting, verbose_name=_("meeting"), null=True, blank=True, on_delete=models.CASCADE, related_name="research"
    )
    topic = models.ForeignKey(
        Topic, verbose_name=_("topic"), null=True, blank=True, on_delete=models.CASCADE, related_name="research"
    )
    # 专委会调研/视察: research or an inspection by a special committee, not tied to a meeting or a topic.
    committee = models.ForeignKey(
        Committee,
        verbose_name=_("special committee"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="research",
    )
    subject = models.CharField(_("subject"), max_length=200, blank=True)
    date = models.DateField(_("date"))
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    participants = models.TextField(_("who took part"), blank=True)
    members = models.ManyToManyField(Member, verbose_name=_("members"), blank=True, related_name="research")
    findings = models.TextField(_("findings"))

    class Meta:
        verbose_name = _("research record")
        verbose_name_plural = _("research records")
        ordering = ["-date", "-id"]
        constraints = [
            models.CheckConstraint(
                name="research_has_meeting_topic_or_committee",
                condition=Q(meeting__isnull=False) | Q(topic__isnull=False) | Q(committee__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.date} {self.get_kind_display()}"


class RecordItem(models.Model):
    """One suggestion or consensus item of a meeting record; #6 hands them to units."""

    class Kind(models.TextChoices):
        SUGGESTION = "suggestion", _("Suggestion")
        CONSENSUS = "consensus", _("Consensus")

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="record_items")
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    text = models.TextField(_("text"))
    proposer = models.ForeignKey(
        Member,
        verbose_name=_("raised by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="record_items",
        help_text=_("The member who raised it, for the performance record."),
    )

    class Meta:
        verbose_name = _("record item")
        verbose_name_plural = _("record items")
        ordering = ["id"]

    def __str__(self):
        return self.text[:60]


class RecordRevision(models.Model):
    """An amendment of a completed record: who amended it, when and why, and the record as it was before
    (summary, answers, attendance, the record items); the meeting's history shows them."""

    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="revisions")
    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    reason = models.TextField(_("reason for the amendment"))
    before = models.JSONField(_("the record before"), default=dict)

    class Meta:
        verbose_name = _("record amendment")
        verbose_name_plural = _("record amendments")
        ordering = ["at", "id"]
        constraints = [models.CheckConstraint(name="record_revision_has_reason", condition=~Q(reason=""))]

    def __str__(self):
        return f"{self.meeting}: {self.at:%Y-%m-%d %H:%M}"


class MeetingPhoto(models.Model):
    meeting = models.ForeignKey(Meeting, on_delete=models.CASCADE, related_name="photos")
    # A random name, served to who may see it (sessions/photo_access.py).
    image = models.ImageField(_("photo"), upload_to=RandomName("meetings"), db_index=True)

    class Meta:
        verbose_name = _("meeting photo")
        verbose_name_plural = _("meeting photos")

    def __str__(self):
        return self.image.name


class StationAssessmentWeights(models.Model):
    """考核: the points each criterion of the liaison stations' yearly assessment is worth when fully met.

    One row that office staff change; a station earns a criterion's points in proportion to how far it met it.
    """

    consultations = models.PositiveSmallIntegerField(
        _("points for consultations held against the target"), default=30, validators=[MaxValueValidator(100)]
    )
    outcomes = models.PositiveSmallIntegerField(
        _("points for outcome items implemented"), default=25, validators=[MaxValueValidator(100)]
    )
    satisfaction = models.PositiveSmallIntegerField(
        _("points for the satisfaction rate"), default=20, validators=[MaxValueValidator(100)]
    )
    platforms = models.PositiveSmallIntegerField(
        _("points for platforms meeting the five-haves standard"), default=15, validators=[MaxValueValidator(100)]
    )
    members = models.PositiveSmallIntegerField(
        _("points for sunk members taking part"), default=10, validators=[MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("station assessment weights")
        verbose_name_plural = _("station assessment weights")
        constraints = [models.CheckConstraint(name="station_assessment_weights_single_row", condition=Q(pk=1))]

    def __str__(self):
        return str(self._meta.verbose_name)

    @classmethod
    def current(cls) -> "StationAssessmentWeights":
        return cls.objects.get_or_create(pk=1)[0]
