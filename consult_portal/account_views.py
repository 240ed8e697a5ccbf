"""Account security pages: the forced change of an initial password, and unlocking locked-out logins (#8)."""

from dataclasses import dataclass
from datetime import datetime

from axes.models import AccessAttempt
from axes.utils import reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.db.models import Max, Sum
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import audit, links
from .access import capability_required
from .models import User

KINDS = {"username": "username", "ip": "ip_address"}


@dataclass
class Lockout:
    kind: str  # "username" or "ip"
    value: str
    failures: int
    until: datetime


def current_lockouts() -> list[Lockout]:
    """Accounts and addresses that reached the failure limit within the cool-off time, as django-axes counts."""
    since = timezone.now() - settings.AXES_COOLOFF_TIME
    recent = AccessAttempt.objects.filter(attempt_time__gte=since)
    lockouts = []
    for kind, field in KINDS.items():
        rows = (
            recent.exclude(**{f"{field}__isnull": True})
            .values(field)
            .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
            .filter(failures__gte=settings.AXES_FAILURE_LIMIT)
            .order_by("-last")
        )
        lockouts += [
            Lockout(kind, row[field], row["failures"], row["last"] + settings.AXES_COOLOFF_TIME) for row in rows
        ]
    return lockouts


@transaction.atomic
def login_unlock(*, kind: str, value: str, by: User, request=None) -> int:
    """Clear the failed logins of an account or an address; audited. Returns the attempt rows removed."""
    removed = reset(username=value) if kind == "username" else reset(ip=value)
    user = User.objects.filter(username=value).first() if kind == "username" else None
    audit.record(
        actor=by, action="login_unlock", obj=user, after={KINDS[kind]: value, "attempts": removed}, request=request
    )
    return removed


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, whose mail links to the configured PORTAL_BASE_URL instead of the request's Host."""

    @property
    def extra_email_context(self):
        protocol, domain = links.scheme_and_host()
        return {"protocol": protocol, "domain": domain, "site_name": domain}


def lockout_page(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): a Chinese page, status 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    return render(
        request,
        "portal/staff/locked_out.html",
        {"minutes": minutes, "failure_limit": settings.AXES_FAILURE_LIMIT},
        status=429,
    )


@capability_required("accounts.unlock")
@require_http_methods(["GET", "POST"])
def locked_logins(request):
    if request.method == "POST":
        kind, value = request.POST.get("kind", ""), request.POST.get("value", "").strip()
        if kind in KINDS and value:
            login_unlock(kind=kind, value=value, by=request.user, request=request)
            messages.success(request, _("Unlocked %(value)s.") % {"value": value})
        return redirect("accounts-locked")
    return render(
        request,
        "portal/staff/locked_list.html",
        {"lockouts": current_lockouts(), "failure_limit": settings.AXES_FAILURE_LIMIT},
    )
