"""The audit log: every staff write calls `record` inside its transaction."""

import json
import re
from contextlib import contextmanager
from contextvars import ContextVar, Token
from datetime import timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models.fields.files import FieldFile
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .models import AuditEntry
from .privacy import mask_address, resident_phone_fields

# Never in the log, whoever reads it: passwords and their hashes, tokens, secrets, session, API and private keys and
# key hashes (a deduplication key names a message, and stays). A field is left out by its name, and any value that
# looks like a stored password hash whatever its field is called. The admin refuses lookups through them too.
SECRET_NAME = re.compile(
    r"password|passwd|token|secret|(?:session|api|private|access|signing)_?keys?|key_?hash|^keys?$", re.IGNORECASE
)
PASSWORD_HASH = re.compile(r"^(?:pbkdf2_sha256|pbkdf2_sha1|argon2|bcrypt_sha256|bcrypt|scrypt|sha1|md5|crypt)\$")


def is_secret(name: str, value=None) -> bool:
    return bool(SECRET_NAME.search(str(name))) or (isinstance(value, str) and bool(PASSWORD_HASH.match(value)))


def scrub(data):
    """`data` without its secrets (see SECRET_NAME), at any depth: the one denylist of the log."""
    if isinstance(data, dict):
        return {key: scrub(value) for key, value in data.items() if not is_secret(key, value)}
    if isinstance(data, list | tuple):
        return [scrub(value) for value in data]
    return data


def snapshot(obj: models.Model, fields: list[str] | None = None) -> dict:
    """The object's field values as JSON-safe data, for the before/after columns; residents' phones masked and
    secrets left out (`scrub`)."""
    data = model_to_dict(obj, fields=fields)
    for name in resident_phone_fields(obj):
        if name in data:
            data[name] = mask_address(data[name])
    for key, value in data.items():
        if isinstance(value, models.Model):
            data[key] = value.pk
        elif isinstance(value, list | tuple | set):
            data[key] = [v.pk if isinstance(v, models.Model) else v for v in value]
        elif isinstance(value, FieldFile):
            data[key] = value.name or ""
    return scrub(json.loads(json.dumps(data, cls=DjangoJSONEncoder)))


def save_form(form, *, action: str, request) -> models.Model:
    """Save a valid model form and record it, the values before (as stored) and after, in one transaction."""
    with transaction.atomic():
        instance = form.instance
        before = snapshot(type(instance).objects.get(pk=instance.pk)) if instance.pk else None
        obj = form.save()
        record(actor=request.user, action=action, obj=obj, before=before, after=snapshot(obj), request=request)
    return obj


def client_ip(request) -> str | None:
    """The visitor's address; behind our reverse proxy, the one it appended to X-Forwarded-For."""
    if request is None:
        return None
    if settings.USE_X_FORWARDED_FOR:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
        if forwarded:
            return forwarded.split(",")[-1].strip() or None
    return request.META.get("REMOTE_ADDR") or None


# The address of the request being answered, for the writes whose service is not handed the request: set by
# `middleware.AuditContextMiddleware` for the length of a request, None in Celery tasks and commands.
_address: ContextVar[str | None] = ContextVar("audit_address", default=None)


def set_address(value: str | None) -> Token:
    """From now on `record` writes `value` as the address of entries made without a request; undo with the token."""
    return _address.set(value)


def reset_address(token: Token) -> None:
    _address.reset(token)


@contextmanager
def address(value: str | None):
    """Within the block, `record` writes `value` as the address of entries made without a request."""
    token = set_address(value)
    try:
        yield
    finally:
        reset_address(token)


def actor_name(actor) -> str:
    """The actor as the entry keeps them, should the account go: 张三 (zhangsan), or the username alone."""
    full_name = actor.get_full_name()
    name = f"{full_name} ({actor.username})" if full_name else actor.username
    return name[: AuditEntry._meta.get_field("actor_name").max_length]


def record(
    *,
    actor,
    action: str,
    obj: models.Model | None = None,
    before: dict | None = None,
    after: dict | None = None,
    request=None,
) -> AuditEntry:
    actor = actor if actor is not None and actor.is_authenticated else None
    return AuditEntry.objects.create(
        actor=actor,
        actor_name=actor_name(actor) if actor is not None else "",
        action=action,
        content_type=ContentType.objects.get_for_model(obj) if obj is not None else None,
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:200] if obj is not None else "",
        before=scrub(before),
        after=scrub(after),
        ip=client_ip(request) if request is not None else _address.get(),
    )


# -- reading the log ----------------------------------------------------------------------------

# Entries younger than this are never removed, whatever `prune` is asked (等级保护 level 2 asks for 180 days).
MIN_RETENTION_DAYS = 180

# What each action is called in the viewer and its filter. New actions show their code until they are added here.
ACTION_LABELS: dict[str, str] = {
    # accounts
    "login": _("Logged in"),
    "logout": _("Logged out"),
    "login_failed": _("Failed login"),
    "login_unlock": _("Unlocked a login"),
    "admin_set_password": _("Set a user's password"),
    "office_user_create": _("Created an office account (create_office_user)"),
    "office_user_update": _("Set an office account's password (create_office_user)"),
    "password_change": _("Changed their own password"),
    "password_reset": _("Reset their forgotten password"),
    "notification_preferences": _("Changed their notification settings"),
    "office_settings": _("Changed the office settings"),
    "access_refused": _("Was refused a page"),
    # residents' personal data
    "personal_data_view": _("Viewed a resident's personal data"),
    "phone_search": _("Searched topics by a phone's last four digits"),
    "submitters_purge": _("Removed residents' personal data past retention"),
    # exports
    "audit_export": _("Exported the audit log"),
    "audit_prune": _("Removed old audit entries"),
    "member_export": _("Exported the member registry"),
    "performance_export": _("Exported member performance"),
    "assessment_export": _("Exported the station assessment"),
    "dashboard_export": _("Exported the dashboard"),
    "dashboard_summary_export": _("Exported the dashboard summary"),
    "topic_export": _("Exported topics"),
    "meeting_export": _("Exported meetings"),
    "platform_export": _("Exported platforms"),
    "outcome_export": _("Exported outcomes"),
    "plan_export": _("Exported the annual plan"),
    "coverage_export": _("Exported the platforms' coverage"),
    "member_coverage_export": _("Exported the members' coverage"),
    "committee_duties_export": _("Exported the special committees' duties"),
    "satisfaction_units_export": _("Exported satisfaction by unit"),
    "satisfaction_towns_export": _("Exported satisfaction by town"),
    "meeting_notice_export": _("Downloaded a meeting notice"),
    "meeting_record_export": _("Downloaded a meeting record"),
    "assignment_sheet_export": _("Downloaded an assignment sheet"),
    # admin
    "admin_add": _("Added in the admin"),
    "admin_change": _("Changed in the admin"),
    "admin_delete": _("Deleted in the admin"),
    "admin_lookup_refused": _("Was refused an admin filter on personal data"),
    # topics and the annual plan
    "topic_submit": _("Entered a topic"),
    "topic_accept": _("Accepted a topic"),
    "topic_visit": _("Asked for a visit"),
    "topic_decline": _("Declined a topic"),
    "topic_merge": _("Merged a topic"),
    "topic_forward": _("Forwarded a topic"),
    "topic_consult": _("Marked a topic consulted"),
    "topic_conclude": _("Concluded a topic"),
    "topic_note": _("Added a note to a topic"),
    "plan_create": _("Created an annual plan"),
    "plan_entry_add": _("Added a topic to the plan"),
    "topic_plan": _("Put a topic in the plan"),
    "plan_approve": _("Approved the annual plan"),
    "plan_publish": _("Published the annual plan"),
    # meetings and platforms
    "meeting_schedule": _("Scheduled a meeting"),
    "meeting_planned": _("Set a meeting back to planned"),
    "meeting_published": _("Published a meeting notice"),
    "meeting_postponed": _("Postponed a meeting"),
    "meeting_cancelled": _("Cancelled a meeting"),
    "meeting_held": _("Marked a meeting held"),
    "meeting_recorded": _("Completed a meeting record"),
    "meeting_record_content": _("Wrote a meeting record"),
    "meeting_record_amend": _("Amended a meeting record"),
    "meeting_backfill": _("Entered a past meeting (补录)"),
    "meeting_backfill_update": _("Changed a past meeting entered later (补录)"),
    "topic_backfill": _("Entered a past topic (补录)"),
    "meeting_photos_add": _("Added meeting photos"),
    "meeting_no_research_reason": _("Gave the reason for no research"),
    "participant_invite": _("Invited a participant"),
    "participant_respond": _("Recorded an invitation answer"),
    "attendance_mark": _("Marked attendance"),
    "checkin_door": _("Checked someone in at the door"),
    "checkin_strike": _("Struck a check-in"),
    "checkin_code_replace": _("Replaced the check-in code"),
    "meeting_open_to_members": _("Opened or closed check-in to all members"),
    "research_add": _("Recorded research"),
    "platform_create": _("Added a platform"),
    "platform_update": _("Changed a platform"),
    "studio_member_add": _("Added a member to a studio"),
    "studio_member_remove": _("Removed a member from a studio"),
    # members
    "member_create": _("Added a member"),
    "member_update": _("Changed a member"),
    "member_import": _("Imported a member"),
    # imports (consult_portal.imports): each row written, and the confirmed sheet
    "import_confirm": _("Confirmed an import"),
    "area_import": _("Imported an area"),
    "sector_import": _("Imported a sector"),
    "unit_import": _("Imported a responsible unit"),
    "login_import": _("Imported a login"),
    "committee_import": _("Imported a special committee"),
    "assignment_create": _("Sank a member into a place"),
    "assignment_end": _("Ended a member's assignment"),
    "performance_weights": _("Changed the performance weights"),
    "assessment_weights": _("Changed the assessment weights"),
    # outcomes
    "outcome_hand_over": _("Handed an outcome to a unit"),
    "outcome_progress": _("Posted outcome progress"),
    "outcome_answer": _("Answered an outcome"),
    "outcome_accept": _("Accepted an outcome answer"),
    "outcome_return": _("Returned an outcome answer"),
    "outcome_publish": _("Published an outcome result"),
    "outcome_deadline": _("Changed an outcome deadline"),
    "outcome_supervisors": _("Set an outcome's supervisors"),
    "outcome_comment": _("Commented on an outcome"),
    "outcome_tally": _("Entered satisfaction survey results"),
    "outcome_backfill": _("Entered a past outcome item (补录)"),
    "outcome_backfill_update": _("Changed a past outcome item entered later (补录)"),
}


def action_label(action: str) -> str:
    return str(ACTION_LABELS.get(action, action))


def retention_days() -> int:
    return max(settings.AUDIT_RETENTION_DAYS, MIN_RETENTION_DAYS)


def prune(*, days: int, now=None) -> int:
    """Remove the entries older than `days` days; refuses to go below the minimum retention."""
    if days < MIN_RETENTION_DAYS:
        raise ValueError(f"Audit entries are kept at least {MIN_RETENTION_DAYS} days.")
    cutoff = (now or timezone.now()) - timedelta(days=days)
    removed = AuditEntry.objects.prune(before=cutoff)
    record(actor=None, action="audit_prune", after={"days": days, "before": cutoff.isoformat(), "removed": removed})
    return removed


def personal_data_viewed(*, actor, obj: models.Model, fields: list[str], request=None) -> AuditEntry:
    """A staff user asked to see a resident's personal data in full: who, which record, which fields."""
    return record(actor=actor, action="personal_data_view", obj=obj, after={"fields": fields}, request=request)
