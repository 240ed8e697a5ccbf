"""The base's own pages: health, where a login lands, the inbox and the error page."""

import sys

import redis
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db import InterfaceError, OperationalError, connection
from django.http import HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import loader
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from . import office, storage
from .access import can
from .models import Notification


def _database_ok() -> bool:
    try:
        connection.ensure_connection()
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        return True
    except Exception:  # noqa: BLE001 - any failure means the database is not usable
        connection.close_if_unusable_or_obsolete()
        return False


def _broker_state() -> str:
    if not settings.REDIS_URL:
        return "in-process"
    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1)
        client.ping()
        return "ok"
    except redis.RedisError:
        return "down"


@never_cache
def healthz(request):
    database = "ok" if _database_ok() else "down"
    space = storage.free_space()
    # Low space for photos is reported, not a 503: reading and sending text still work (monitoring alerts on it).
    body = {
        "database": database,
        "broker": _broker_state(),
        "media": "low" if space["low"] else "ok",
        "media_free_mb": space["free_mb"],
    }
    return JsonResponse(body, status=200 if database == "ok" else 503)


@login_required
def account_home(request):
    """Where a login lands: staff in the back office, members in their workspace, units in their items,
    others in their inbox."""
    if can(request.user, "backoffice.view"):
        return redirect("staff-home")
    if can(request.user, "workspace.use"):
        return redirect("workspace")
    if can(request.user, "units.report") and request.user.unit_id:
        return redirect("outcomes:unit-list")
    return redirect("inbox")


def _inbox(user):
    return Notification.objects.filter(
        recipient=user, channel=Notification.Channel.INAPP, status=Notification.Status.SENT
    )


@login_required
def inbox(request):
    page = Paginator(_inbox(request.user).order_by("-sent_at", "-id"), 25).get_page(request.GET.get("page"))
    return render(request, "portal/inbox.html", {"page": page})


@login_required
@require_POST
def inbox_read(request, pk: int):
    notification = get_object_or_404(_inbox(request.user), pk=pk)
    if notification.read_at is None:
        Notification.objects.filter(pk=pk).update(read_at=timezone.now())
    if notification.link.startswith("/"):
        return redirect(notification.link)
    return redirect("inbox")


@login_required
@require_POST
def inbox_read_all(request):
    _inbox(request.user).filter(read_at__isnull=True).update(read_at=timezone.now())
    return redirect("inbox")


def server_error(request):
    """The 500 page; a 503 with Retry-After when the database cannot be reached (a restart, a failover), so
    that proxies and monitors see a passing outage. The page is plain: nothing on it may query the database (the
    office's contact phone comes from the cache, else the environment)."""
    unreachable = isinstance(sys.exc_info()[1], OperationalError | InterfaceError)
    page = loader.get_template("500.html").render({"contact_phone": office.cached().contact_phone})
    response = HttpResponse(page, status=503 if unreachable else 500)
    if unreachable:
        response["Retry-After"] = "30"
    return response


def request_too_large(request):
    """The 413 page: what was sent is over REQUEST_BODY_MAX_BYTES. `limit_request_body` answers with it, and nginx
    shows it for its own `client_max_body_size` refusal (`error_page 413 /request-too-large`)."""
    limit = settings.REQUEST_BODY_MAX_BYTES // (1024 * 1024)
    return render(request, "request_too_large.html", {"limit_mb": limit}, status=413)
