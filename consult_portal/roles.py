"""The role groups and their model permissions, kept in code and applied after every migrate."""

from django.apps import apps
from django.contrib.auth.management import create_permissions
from django.contrib.auth.models import Group, Permission
from django.db import DEFAULT_DB_ALIAS

from .models import Role

APPS = ("portal", "members", "topics", "consultations", "outcomes")
LIAISON_WRITES = {
    "topics": ("topic", "topicevent", "topicphoto"),
    "consultations": (
        "platform",
        "meeting",
        "meetingtransition",
        "participant",
        "research",
        "recorditem",
        "meetingphoto",
    ),
    "members": ("assignment",),
    "outcomes": ("outcomeitem",),
}


def _perms(app_label: str, actions: tuple[str, ...], models: tuple[str, ...] | None = None):
    qs = Permission.objects.filter(content_type__app_label=app_label)
    names = [p for p in qs if p.codename.split("_", 1)[0] in actions]
    if models is not None:
        names = [p for p in names if p.content_type.model in models]
    return names


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
    groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
    view_all, write_all, liaison = [], [], []
    for app_label in APPS:
        view_all += _perms(app_label, ("view",))
        write_all += _perms(app_label, ("add", "change", "delete", "view"))
        if app_label in LIAISON_WRITES:
            liaison += _perms(app_label, ("add", "change"), LIAISON_WRITES[app_label])
    audit_rw = {p for p in write_all if p.content_type.model == "auditentry" and not p.codename.startswith("view")}
    groups[Role.OFFICE].permissions.set([p for p in write_all if p not in audit_rw])
    groups[Role.LEADER].permissions.set(view_all)
    groups[Role.LIAISON].permissions.set(set(liaison) | {p for p in view_all if p.content_type.app_label != "portal"})
    groups[Role.MEMBER].permissions.set(
        _perms("topics", ("add",), ("topic",)) + _perms("consultations", ("add",), ("research",))
    )
    groups[Role.UNIT].permissions.set(_perms("outcomes", ("add",), ("progressupdate",)))
