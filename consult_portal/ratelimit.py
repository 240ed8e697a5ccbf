"""A per-address counter in the cache (Redis in production, so all gunicorn workers share it)."""

import logging
from functools import wraps

from django.conf import settings
from django.core.cache import cache
from django.shortcuts import render

from .audit import client_ip

logger = logging.getLogger(__name__)


def _key(scope: str, address: str) -> str:
    return f"ratelimit:{scope}:{address}"


def is_limited(scope: str, address: str, limit: int) -> bool:
    """Whether the address used up its limit. With the cache (Redis) down the limit is not enforced: a
    resident's submission matters more than the counter, and it is logged."""
    try:
        return (cache.get(_key(scope, address)) or 0) >= limit
    except Exception as exc:  # noqa: BLE001 - any cache backend's connection error
        logger.warning("Rate limit %s not checked, the cache is unavailable: %s", scope, exc)
        return False


def reserve(scope: str, address: str, limit: int, period_seconds: int) -> bool:
    """Take one of the address's `limit` slots, atomically; False when none is left.

    Checking the count and adding to it afterwards would leave a gap: concurrent requests of one address would
    all pass at its last free slot (the load test saw 6 of 5 accepted). Incrementing first and comparing after
    closes it. `release` gives the
    slot back when the request saved nothing. With the cache down the slot is granted, as in `is_limited`.
    """
    key = _key(scope, address)
    try:
        cache.add(key, 0, period_seconds)  # starts the window; does nothing if it already runs
        try:
            taken = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, period_seconds)
            taken = 1
    except Exception as exc:  # noqa: BLE001 - any cache backend's connection error
        logger.warning("Rate limit %s not checked, the cache is unavailable: %s", scope, exc)
        return True
    if taken > limit:
        release(scope, address)  # refused: the counter keeps counting only what was let through
        return False
    return True


def release(scope: str, address: str) -> None:
    """Give back a slot taken by `reserve`."""
    try:
        cache.decr(_key(scope, address))
    except ValueError:  # the window ended meanwhile: nothing to give back
        pass
    except Exception as exc:  # noqa: BLE001 - any cache backend's connection error
        logger.warning("Rate limit %s not released, the cache is unavailable: %s", scope, exc)


def per_address(scope: str, limit_setting: str, message, *, period_seconds: int = 3600, counts=None):
    """A view decorator: every request takes one of the address's slots (`reserve`); once the limit, read from the
    setting `limit_setting` at each request, is used up the view does not run and the visitor gets the rate-limit
    page with `message` (a lazy translation) and status 429. `counts(request)`, when given, says whether a request
    takes a slot at all (an empty form does not)."""

    def decorator(view):
        @wraps(view)
        def limited_view(request, *args, **kwargs):
            if counts is None or counts(request):
                address = client_ip(request) or "unknown"
                if not reserve(scope, address, getattr(settings, limit_setting), period_seconds):
                    return render(request, "rate_limited.html", {"message": message}, status=429)
            return view(request, *args, **kwargs)

        return limited_view

    return decorator
