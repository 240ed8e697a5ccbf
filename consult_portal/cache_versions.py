"""Figures kept in the cache until the rows they count change (issue #17).

    from consult_portal import cache_versions
    figures = cache_versions.cached("stats", year, town_id, compute=lambda: stats.compute(year=year, town=town))

Every key carries the data version: one number in the cache (shared by every process when REDIS_URL is set),
moved on whenever a row of a counted table is written. Nothing is deleted: a write moves the version on and the
old entries are never asked for again (they expire after FIGURES_CACHE_SECONDS). Every key also carries the
release (a digest of the code and templates), so a deploy never reads what the release before it kept.

What counts as a write is seen where every write passes: the database connection. An execute wrapper on each
connection notes every INSERT, UPDATE and DELETE on the tables of the counted apps (members, topics, sessions,
outcomes and the county's areas, units and office settings; not the audit trail, the notifications, the logins
or the sessions), so `QuerySet.update()`, `bulk_create` and cascades count as much as `save()`. The version moves
on when the write's transaction commits, never before: a process computing the figures between the write and the
commit would otherwise store the old figures under the new version. Until the commit, the connection that wrote
does not use the cache at all (it must see its own write; nobody else may see it yet).

FIGURES_CACHE (on by default when REDIS_URL is set, and in the tests) switches all of it; without a shared cache
each gunicorn worker would keep figures its neighbour's writes do not move, so every read goes to the database.
A cache that does not answer (Redis down or hung) is skipped for FIGURES_CACHE_DOWN_SECONDS: the pages then
compute their figures as they did without a cache.
"""

import hashlib
import logging
import re
import time
from functools import lru_cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connections
from django.db.backends.signals import connection_created
from django.utils import timezone, translation

logger = logging.getLogger(__name__)
VERSION_KEY = "figures:{database}:version"
COUNTED_APPS = ("members", "topics", "consultations", "outcomes")
COUNTED_PORTAL_MODELS = ("area", "sector", "committee", "responsibleunit", "officesettings")
RELEASE_FOLDERS = ("consult_portal", "members", "topics", "sessions", "outcomes", "templates", "locale")
_WRITE = re.compile(r'\s*(?:INSERT\s+INTO|UPDATE|DELETE\s+FROM)\s+"?([\w]+)"?', re.IGNORECASE)
_down_until = 0.0


@lru_cache(maxsize=1)
def _database() -> str:
    """The database the figures are read from, in every key: installations (or a bench's two databases) may share a
    Redis, and one's figures must never answer for another's."""
    db = settings.DATABASES["default"]
    return f"{db.get('HOST') or ''}:{db.get('PORT') or ''}:{db['NAME']}"


@lru_cache(maxsize=1)
def release() -> str:
    """A digest of the portal's code, templates and catalogues, in every key: what an older release kept (in another
    shape, or rendered by other templates) is never read by a newer one, though no write moved the version on. Read
    once a process (about 340 files, 10–20 ms)."""
    digest = hashlib.blake2b(digest_size=6)
    for folder in RELEASE_FOLDERS:
        for path in sorted(Path(settings.BASE_DIR, folder).rglob("*")):
            if path.suffix in (".py", ".html", ".mo"):
                digest.update(str(path.relative_to(settings.BASE_DIR)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()


def _version_key() -> str:
    return VERSION_KEY.format(database=_database())


def enabled() -> bool:
    return getattr(settings, "FIGURES_CACHE", False) and time.monotonic() >= _down_until


@lru_cache(maxsize=1)
def counted_tables() -> frozenset:
    """The tables whose rows some cached figure counts (their many-to-many tables included)."""
    tables = set()
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.app_label in COUNTED_APPS or (meta.app_label == "portal" and meta.model_name in COUNTED_PORTAL_MODELS):
            tables.add(meta.db_table)
    return frozenset(tables)


def _cache(operation: str, *args):
    """The cache's answer; None (and the cache skipped for a while) when it does not answer."""
    global _down_until
    try:
        return getattr(cache, operation)(*args)
    except Exception as exc:  # noqa: BLE001 - any cache backend's connection error
        _down_until = time.monotonic() + getattr(settings, "FIGURES_CACHE_DOWN_SECONDS", 30)
        logger.warning("Cached figures: the cache did not answer (%s): %s", operation, exc)
        return None


def version() -> int | None:
    """The data version, started when missing (from the clock, so that it never goes back to a number used)."""
    current = _cache("get", _version_key())
    if current is None and enabled():
        _cache("add", _version_key(), time.time_ns() // 1000, None)
        current = _cache("get", _version_key())
    return current


def bump() -> None:
    """Move the data version on: every cached figure is computed again at its next read."""
    if not getattr(settings, "FIGURES_CACHE", False):
        return
    try:
        cache.incr(_version_key())
    except ValueError:  # no version yet (or evicted): start one, newer than any before
        _cache("set", _version_key(), time.time_ns() // 1000, None)
    except Exception as exc:  # noqa: BLE001
        logger.warning("Cached figures: the version could not be moved on: %s", exc)


def _pending(connection) -> bool:
    """Whether this connection wrote counted rows in a transaction that has not committed yet."""
    return connection.in_atomic_block and any(entry[1] is bump for entry in connection.run_on_commit)


def _watch(execute, sql, params, many, context):
    result = execute(sql, params, many, context)
    written = _WRITE.match(sql) if isinstance(sql, str) else None
    if written and written.group(1) in counted_tables():
        connection = context["connection"]
        if not _pending(connection):
            connection.on_commit(bump)  # at once outside a transaction
    return result


def watch(connection, **kwargs) -> None:
    if _watch not in connection.execute_wrappers:
        connection.execute_wrappers.append(_watch)


def install() -> None:
    """Watch the writes of every connection (PortalConfig.ready)."""
    connection_created.connect(watch, dispatch_uid="portal.cache_versions.watch")
    for connection in connections.all(initialized_only=True):
        watch(connection)


def key(name: str, *parts) -> str | None:
    """The cache key of figure `name` for `parts` at the current release, data version, day and language; None when the
    figure must be computed instead (the cache is off or down, or this connection has uncommitted writes)."""
    if not enabled() or any(_pending(c) for c in connections.all(initialized_only=True)):
        return None
    current = version()
    if current is None:
        return None
    scope = ":".join("" if p is None else str(getattr(p, "pk", p)) for p in parts)
    day = timezone.localdate().isoformat()
    return f"figures:{_database()}:{release()}:{current}:{day}:{translation.get_language()}:{name}:{scope}"


def get(found_key: str):
    """What is kept under a key from `key()`, or None."""
    return _cache("get", found_key)


def put(found_key: str, value, timeout: int | None = None) -> None:
    _cache("set", found_key, value, timeout or getattr(settings, "FIGURES_CACHE_SECONDS", 3600))


def cached(name: str, *parts, compute, timeout: int | None = None):
    """compute(), or what it gave at the current data version (and day, and language) for `name` and `parts`."""
    found_key = key(name, *parts)
    if found_key is None:
        return compute()
    value = get(found_key)
    if value is None:
        value = compute()
        put(found_key, value, timeout)
    return value
