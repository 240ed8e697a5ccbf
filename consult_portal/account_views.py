"""Account security pages: changing and resetting one's password (audited, #13), the forced change of an initial
password, and unlocking locked-out logins (#8)."""

from axes.utils import reset
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from . import audit, links
from .access import capability_required
from .logins import current_lockouts
from .models import User

KINDS = {"pair": ("username", "ip_address"), "username": ("username",), "ip": ("ip_address",)}


def unlock_values(kind: str, value: str) -> dict | None:
    """The axes fields to clear for an unlock form's kind and value, or None when they do not name one lock."""
    parts = value.rsplit("@", 1) if kind == "pair" else [value]
    if kind not in KINDS or len(parts) != len(KINDS[kind]) or not all(part.strip() for part in parts):
        return None
    return dict(zip(KINDS[kind], (part.strip() for part in parts), strict=True))


@transaction.atomic
def login_unlock(*, kind: str, value: str, by: User, request=None) -> int:
    """Clear the failed logins of an account at an address ("pair", value "account@address"), of an account or of
    an address; audited. Returns the attempt rows removed."""
    values = unlock_values(kind, value)
    if values is None:
        raise ValueError(f"Nothing to unlock: {kind} {value!r}")  # never reset() without a filter: that clears all
    removed = reset(username=values.get("username"), ip=values.get("ip_address"))
    user = User.objects.filter(username=values["username"]).first() if "username" in values else None
    audit.record(
        actor=by, action="login_unlock", obj=user, after={**values, "attempts": removed}, request=request
    )
    return removed


class PasswordResetView(auth_views.PasswordResetView):
    """Django's reset form, whose mail links to the configured PORTAL_BASE_URL instead of the request's Host."""

    @property
    def extra_email_context(self):
        protocol, domain = links.scheme_and_host()
        return {"protocol": protocol, "domain": domain, "site_name": domain}


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django's page, the change audited in the same transaction: who, when, from where (never the password)."""

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(actor=form.user, action="password_change", obj=form.user, request=self.request)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """Django's page for the link in the reset mail; the new password set is audited as the account's own act."""

    @transaction.atomic
    def form_valid(self, form):
        response = super().form_valid(form)
        audit.record(actor=form.user, action="password_reset", obj=form.user, request=self.request)
        return response


def lockout_page(request, original_response=None, credentials=None):
    """django-axes' answer to a locked-out login (AXES_LOCKOUT_CALLABLE): a Chinese page, status 429."""
    minutes = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
    context = {
        "minutes": minutes,
        "failure_limit": settings.AXES_FAILURE_LIMIT,
        # Set by consult_portal.logins.AccountGuardBackend: "username" or "ip" when slowed down across addresses.
        "slowed_down": getattr(request, "login_slowed_down", None),
    }
    return render(request, "portal/staff/locked_out.html", context, status=429)


@capability_required("accounts.unlock")
@require_http_methods(["GET", "POST"])
def locked_logins(request):
    if request.method == "POST":
        kind, value = request.POST.get("kind", ""), request.POST.get("value", "").strip()
        if unlock_values(kind, value) is not None:
            login_unlock(kind=kind, value=value, by=request.user, request=request)
            messages.success(request, _("Unlocked %(value)s.") % {"value": value})
        return redirect("accounts-locked")
    return render(
        request,
        "portal/staff/locked_list.html",
        {
            "lockouts": current_lockouts(),
            "failure_limit": settings.AXES_FAILURE_LIMIT,
            "account_limit": settings.LOGIN_ACCOUNT_FAILURE_LIMIT,
        },
    )
