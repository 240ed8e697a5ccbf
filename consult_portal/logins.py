"""Wrong passwords: what django-axes locks, and the slow-down across addresses that this module adds.

django-axes locks the pair (account, address) after LOGIN_FAILURE_LIMIT wrong passwords within LOGIN_LOCKOUT_MINUTES:
one attacker at one address locks only himself out of that account, never the office, and the other accounts
behind a shared address (a town hall's network) carry on.

Guessing from many addresses is stopped here: once an account collected LOGIN_ACCOUNT_FAILURE_LIMIT wrong passwords
from all addresses together within the same minutes (or an address LOGIN_ADDRESS_FAILURE_LIMIT for all accounts
together), `AccountGuardBackend` refuses further tries at once, without checking the password, from every address
the account has not logged in from in the last LOGIN_KNOWN_ADDRESS_DAYS (the audit log's `login` entries). The owner
at the usual desk keeps working; the guesser waits until the failures age out, or the office unlocks the account.
The failures are axes' own rows (`AccessAttempt`), so the office's unlock clears both.
"""

import ipaddress
from dataclasses import dataclass
from datetime import datetime, timedelta

from axes.models import AccessAttempt
from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import Max, Q, Sum
from django.utils import timezone

from .audit import client_ip
from .models import AuditEntry


@dataclass
class Lockout:
    kind: str  # "pair" (an account at an address), "username" (an account) or "ip" (an address)
    username: str
    ip: str
    failures: int
    until: datetime

    @property
    def value(self) -> str:
        """What the unlock form posts: the account, the address, or "account@address" for a pair."""
        return {"pair": f"{self.username}@{self.ip}", "username": self.username, "ip": self.ip}[self.kind]


def _since() -> datetime:
    return timezone.now() - settings.AXES_COOLOFF_TIME


def _until(rows: list[tuple[datetime, int]], limit: int) -> datetime:
    """When failures (each row's last time and count; a row leaves the count a cool-off after it) drop below `limit`."""
    remaining = sum(failures for _, failures in rows)
    for last, failures in sorted(rows):
        remaining -= failures
        if remaining < limit:
            return last + settings.AXES_COOLOFF_TIME
    return timezone.now()


def current_lockouts() -> list[Lockout]:
    """The pairs axes locks, and the accounts and addresses this module slows down, newest first; one query."""
    rows = list(
        AccessAttempt.objects.filter(attempt_time__gte=_since())
        .values("username", "ip_address")
        .annotate(failures=Sum("failures_since_start"), last=Max("attempt_time"))
    )
    cooloff = settings.AXES_COOLOFF_TIME
    lockouts = [
        Lockout("pair", r["username"] or "", r["ip_address"] or "", r["failures"], r["last"] + cooloff)
        for r in rows
        if r["failures"] >= settings.AXES_FAILURE_LIMIT
    ]
    for kind, field, limit in (
        ("username", "username", settings.LOGIN_ACCOUNT_FAILURE_LIMIT),
        ("ip", "ip_address", settings.LOGIN_ADDRESS_FAILURE_LIMIT),
    ):
        groups: dict[str, list[tuple[datetime, int]]] = {}
        for r in rows:
            if r[field]:
                groups.setdefault(r[field], []).append((r["last"], r["failures"]))
        for value, times in groups.items():
            failures = sum(n for _, n in times)
            if failures >= limit:
                who = {"username": value, "ip": ""} if kind == "username" else {"username": "", "ip": value}
                lockouts.append(Lockout(kind, who["username"], who["ip"], failures, _until(times, limit)))
    return sorted(lockouts, key=lambda lockout: lockout.until, reverse=True)


def _known_address(username: str, address: str | None) -> bool:
    """Whether the account logged in from this address lately (then the slow-down does not apply to it there)."""
    try:
        address = str(ipaddress.ip_address(address or ""))
    except ValueError:
        return False
    since = timezone.now() - timedelta(days=settings.LOGIN_KNOWN_ADDRESS_DAYS)
    return AuditEntry.objects.filter(action="login", actor__username=username, ip=address, at__gte=since).exists()


def slowed_down(username: str, address: str | None) -> str | None:
    """"username" when the account, "ip" when the address, collected too many wrong passwords for this login to go
    on; None when it may."""
    matching = Q(username=username) | Q(ip_address=address) if address else Q(username=username)
    sums = {"account": Sum("failures_since_start", filter=Q(username=username))}
    if address:
        sums["address"] = Sum("failures_since_start", filter=Q(ip_address=address))
    totals = AccessAttempt.objects.filter(matching, attempt_time__gte=_since()).aggregate(**sums)
    if (totals["account"] or 0) >= settings.LOGIN_ACCOUNT_FAILURE_LIMIT:
        kind = "username"
    elif (totals.get("address") or 0) >= settings.LOGIN_ADDRESS_FAILURE_LIMIT:
        kind = "ip"
    else:
        return None
    return None if _known_address(username, address) else kind


class AccountGuardBackend:
    """An authentication backend after axes' own and before ModelBackend: it logs nobody in, and refuses a login
    that `slowed_down` holds. The refusal is axes' lock-out (its page, status 429), and is not counted as a failure."""

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None or not username:
            return None
        held = slowed_down(str(username), client_ip(request))
        if held is None:
            return None
        request.axes_locked_out = True  # axes then records no failure, and its middleware answers with the page
        request.login_slowed_down = held
        raise PermissionDenied
