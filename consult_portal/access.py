"""Role checks for views: anonymous users go to the login page, the wrong role gets 403."""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied

from .models import Role

STAFF_ROLES = (Role.OFFICE, Role.LIAISON, Role.LEADER)
WRITE_ROLES = (Role.OFFICE, Role.LIAISON)


def role_required(*roles: str):
    def decorator(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not request.user.has_role(*roles):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        wrapper.allowed_roles = tuple(roles)
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
