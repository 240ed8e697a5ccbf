"""The role groups, kept in code and applied after every migrate.

What a role may do is the capability map in `consult_portal.access`; the model permissions a group holds are
derived from it here (only the Django admin reads model permissions, and only office staff open the admin), so
there is one table of who may do what.
"""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS

from .access import CAPABILITIES
from .models import Role

APPS = ("portal", "members", "topics", "consultations", "outcomes")
EVERYTHING = ("add", "change", "delete", "view")

# capability: the (app label, actions, models or None for all) whose model permissions it carries.
MODEL_PERMISSIONS: dict[str, list[tuple[str, tuple[str, ...], tuple[str, ...] | None]]] = {
    "topics.view": [("topics", ("view",), None)],
    "meetings.view": [("consultations", ("view",), None)],
    "members.view": [("members", ("view",), None)],
    "outcomes.view": [("outcomes", ("view",), None)],
    "topics.change": [("topics", ("add", "change"), ("topic", "topicevent", "topicphoto"))],
    "meetings.change": [
        (
            "consultations",
            ("add", "change"),
            ("platform", "meeting", "meetingtransition", "participant", "research", "recorditem", "meetingphoto"),
        )
    ],
    "members.assign": [("members", ("add", "change"), ("assignment",))],
    "outcomes.change": [("outcomes", ("add", "change"), ("outcomeitem",))],
    "admin.use": [(app_label, EVERYTHING, None) for app_label in APPS],
    "workspace.use": [("topics", ("add",), ("topic",)), ("consultations", ("add",), ("research",))],
    "units.report": [("outcomes", ("add",), ("progressupdate",))],
}
# The audit log is written by the portal alone: nobody, office staff included, may add, change or delete an entry.
NEVER = {("portal", "auditentry", action) for action in ("add", "change", "delete")}


def permissions_for(role: str, permissions: list[Permission]) -> set[Permission]:
    granted = set()
    for capability in CAPABILITIES[role]:
        for app_label, actions, models in MODEL_PERMISSIONS.get(capability, ()):
            for p in permissions:
                action = p.codename.split("_", 1)[0]
                if p.content_type.app_label != app_label or action not in actions:
                    continue
                if models is not None and p.content_type.model not in models:
                    continue
                if (app_label, p.content_type.model, action) not in NEVER:
                    granted.add(p)
    return granted


def ensure_roles(**kwargs) -> None:
    if not apps.is_installed("django.contrib.auth"):
        return
    # post_migrate is sent once for each app with models: the groups are set once, when the last one is sent.
    sender = kwargs.get("app_config")
    if sender is not None and sender is not [a for a in apps.get_app_configs() if a.models_module][-1]:
        return
    # post_migrate reaches this receiver before auth's own for each app (the portal app is listed first), so the
    # permissions of an app migrated for the first time are made here before they are handed out.
    for app_label in APPS:
        create_permissions(apps.get_app_config(app_label), verbosity=0, using=kwargs.get("using", DEFAULT_DB_ALIAS))
    permissions = list(Permission.objects.filter(content_type__app_label__in=APPS).select_related("content_type"))
    for role in Role.values:
        group = Group.objects.get_or_create(name=role)[0]
        group.permissions.set(permissions_for(role, permissions))
