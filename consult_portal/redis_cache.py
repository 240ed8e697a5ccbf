"""The cache on Redis, with short socket timeouts (settings) and the process's circuit breaker
(`consult_portal.breaker`): while Redis is known not to answer, every call raises `CacheUnavailable` at once.

Each use decides what a cache that does not answer means (README, "What each channel promises"): the rate limits
let the request through (fail open, logged), the office settings are read from the database.
"""

from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from . import breaker


class CacheUnavailable(RedisConnectionError):
    """Redis did not answer just now: not asked again until the breaker closes."""


def _guarded(name):
    def method(self, *args, **kwargs):
        server = breaker.server(self._servers[0])
        if breaker.is_open(server):
            raise CacheUnavailable(f"Redis at {server} did not answer a moment ago")
        try:
            return getattr(super(BreakerRedisCache, self), name)(*args, **kwargs)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            breaker.trip(server, exc)
            raise

    method.__name__ = name
    return method


class BreakerRedisCache(RedisCache):
    pass


for _name in (
    "add",
    "get",
    "set",
    "touch",
    "delete",
    "get_many",
    "has_key",
    "incr",
    "set_many",
    "delete_many",
    "clear",
):
    setattr(BreakerRedisCache, _name, _guarded(_name))
