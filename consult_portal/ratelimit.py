"""A per-address counter in the cache (Redis in production, so all gunicorn workers share it)."""

from django.core.cache import cache


def _key(scope: str, address: str) -> str:
    return f"ratelimit:{scope}:{address}"


def is_limited(scope: str, address: str, limit: int) -> bool:
    return (cache.get(_key(scope, address)) or 0) >= limit


def count(scope: str, address: str, period_seconds: int) -> None:
    key = _key(scope, address)
    cache.add(key, 0, period_seconds)  # starts the window; does nothing if it already runs
    try:
        cache.incr(key)
    except ValueError:  # expired between add and incr
        cache.set(key, 1, period_seconds)
