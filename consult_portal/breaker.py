"""A circuit breaker per Redis server, for this process: once a call to it timed out or failed to connect, the
next calls for a few seconds fail at once instead of waiting for it again (the cache and the broker share it when
they are one Redis). A frozen Redis then costs one short timeout per process every REDIS_BREAKER_SECONDS, not one
per call: the pages keep their speed, and what needed Redis waits for the sweeper or reads the database.
"""

import logging
import threading
import time
from urllib.parse import urlsplit

from django.conf import settings

logger = logging.getLogger(__name__)

_open_until: dict[str, float] = {}
_lock = threading.Lock()


def server(url: str) -> str:
    """The breaker's name for a Redis URL: its host and port (the database number does not matter)."""
    parts = urlsplit(url)
    return f"{parts.hostname or 'localhost'}:{parts.port or 6379}"


def is_open(name: str) -> bool:
    return time.monotonic() < _open_until.get(name, 0.0)


def trip(name: str, reason: object = "") -> None:
    with _lock:
        if not is_open(name):
            logger.warning(
                "Redis at %s did not answer in time (%s): not asked again for %s s",
                name,
                reason,
                settings.REDIS_BREAKER_SECONDS,
            )
        _open_until[name] = time.monotonic() + settings.REDIS_BREAKER_SECONDS


def reset(name: str | None = None) -> None:
    with _lock:
        if name is None:
            _open_until.clear()
        else:
            _open_until.pop(name, None)
