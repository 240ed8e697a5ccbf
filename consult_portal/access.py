"""Who may do what: one map from role to named capabilities, asked by views and templates alike.

A view names the capability it needs (`@capability_required("meetings.change")`); the navigation and the buttons
ask the same set (`{% if "meetings.change" in caps %}`, from the context processor). Anonymous visitors go to the
login page, a login without the capability gets 403. Objects are then scoped by each app's `<thing>_for_user`
selector (a town's liaison staff see only their town: `town_scope`).
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404

from .models import Role

STAFF_ROLES = (Role.OFFICE, Role.LIAISON, Role.LEADER)

# What every staff role may read: the back office, its lists, figures, documents and exports (scoped by town).
_STAFF_READ = {
    "backoffice.view",
    "topics.view",
    "meetings.view",
    "members.view",
    "outcomes.view",
    "exports.download",
}
# The work itself: office staff everywhere, liaison staff in their own town.
_STAFF_WRITE = {"topics.change", "meetings.change", "members.assign", "outcomes.change"}

CAPABILITIES: dict[str, frozenset[str]] = {
    Role.OFFICE: frozenset(
        _STAFF_READ
        | _STAFF_WRITE
        | {
            "members.change",  # new, edit
            "structure.import",  # the imports of the county's structure, people and logins (/staff/imports/)
            "history.enter",  # history entry (补录): past meetings and outcome items with their real dates
            "members.export",  # the members' list and ranking exports: county-wide personal data
            "plans.change",
            "plans.approve",
            "plans.publish",
            "assessment.change_weights",
            "outcomes.anomalies",  # the list of unusual survey answers (bursts from one network or browser)
            "audit.view",
            "accounts.unlock",
            "office.settings",  # the office's name, the county's words, targets, reminders, address, retention
            "committees.research",  # the special committees' research and inspections (专委会调研/视察)
            "admin.use",
        }
    ),
    Role.LIAISON: frozenset(_STAFF_READ | _STAFF_WRITE),
    Role.LEADER: frozenset(_STAFF_READ | {"members.export", "plans.approve"}),
    Role.MEMBER: frozenset({"workspace.use"}),
    Role.UNIT: frozenset({"units.report"}),
}
KNOWN = frozenset().union(*CAPABILITIES.values())


def capabilities(user) -> frozenset[str]:
    """The capabilities of a user's roles (none for a visitor or an inactive account), computed once a request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return frozenset()
    cached = getattr(user, "_capabilities", None)
    if cached is None:
        cached = frozenset().union(*(CAPABILITIES.get(role, frozenset()) for role in user.roles))
        user._capabilities = cached
    return cached


def viewer_key(user) -> str:
    """Everything a staff page's rows may depend on about who looks: the login, its roles, town and unit.

    Part of the key of a kept rendering (`{% figures_cache "…" viewer … %}`): a login whose roles, town or unit
    change is a new viewer at once, whether or not a counted write moved the data version on."""
    if user is None or not user.is_authenticated or not user.is_active:
        return "-"
    return f"{user.pk}.{user.town_id or ''}.{user.unit_id or ''}.{'+'.join(sorted(user.roles))}"


def can(user, capability: str) -> bool:
    if capability not in KNOWN:
        raise ValueError(f"Unknown capability {capability!r}")
    return capability in capabilities(user)


def capability_required(capability: str):
    if capability not in KNOWN:
        raise ValueError(f"Unknown capability {capability!r}")

    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if capability not in capabilities(request.user):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.capability = capability
        return wrapper

    return decorator


def town_scope(user):
    """The town a staff user is limited to, or None when they see the whole county."""
    if user.has_role(Role.OFFICE, Role.LEADER):
        return None
    if user.has_role(Role.LIAISON):
        if user.town_id is None:
            raise PermissionDenied  # a liaison account without a town sees nothing
        return user.town
    raise PermissionDenied


def require_write(request, capability: str) -> None:
    """For the object helpers' `write=True`: 403 for a reader who may see the object but not change it."""
    if not can(request.user, capability):
        raise PermissionDenied


def object_for_user(request, lookup, *, write: bool, capability: str):
    """What each app's `<thing>_for_user` does: `lookup(town)` finds the object within the user's town scope (None:
    the whole county), 404 when it is not there; `write` then refuses (403) a user without `capability`."""
    try:
        found = lookup(town_scope(request.user))
    except ObjectDoesNotExist:
        raise Http404 from None
    if write:
        require_write(request, capability)
    return found
