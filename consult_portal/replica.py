"""Reports read from a PostgreSQL replica when one is configured (DATABASE_REPLICA_URL; README "Several servers").

The exports and documents (`REPLICA_PATHS`: the staff `.xlsx`, `.csv` and `.docx` downloads, the public CSV) read
every row they write, which is the heaviest reading the portal does; on a city's or a province's installation they
go to a streaming replica and leave the primary to the pages people wait on. Everything else reads the primary:
a page shown after a write must show it, and the cached figures (consult_portal/cache_versions.py) must never be
computed from a replica that lags behind the write that invalidated them.

`ReplicaForReportsMiddleware` marks such a request after the session and the user are loaded (from the primary),
and the mark lasts until the response is closed, so a streamed export reads the replica to its last row.
Writes (the export's audit entry) always go to the primary.
"""

import contextvars
import re

from django.conf import settings

REPLICA = "replica"
_reading_reports = contextvars.ContextVar("reading_reports", default=False)


def _paths():
    return re.compile(getattr(settings, "REPLICA_PATHS", r"^/staff/.*\.(xlsx|csv|docx)$|^/stats/.*\.csv$"))


class ReportsToReplica:
    """Database router: reads of a marked request go to the replica; nothing else changes."""

    def db_for_read(self, model, **hints):
        if _reading_reports.get() and REPLICA in settings.DATABASES:
            return REPLICA
        return None

    def db_for_write(self, model, **hints):
        return "default"

    def allow_relation(self, obj1, obj2, **hints):
        return True  # the replica holds the same rows as the primary

    def allow_migrate(self, db, app_label, model_name=None, **hints):
        return db != REPLICA


class ReplicaForReportsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.pattern = _paths()

    def __call__(self, request):
        if (
            REPLICA not in settings.DATABASES
            or request.method not in ("GET", "HEAD")
            or not self.pattern.search(request.path)
        ):
            return self.get_response(request)
        # The session and the user come from the primary: a login of a second ago is not yet on the replica.
        if hasattr(request, "user"):
            request.user.is_authenticated  # noqa: B018 - evaluates the lazy user, and so the session, now
        token = _reading_reports.set(True)
        try:
            response = self.get_response(request)
        except BaseException:
            _reading_reports.reset(token)
            raise
        # Until the response is closed: a streamed export reads its rows while the server sends them.
        response._resource_closers.append(lambda: _reading_reports.set(False))
        return response
