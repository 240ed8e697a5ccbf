"""Media storage that leaves nothing behind when a write fails (#19).

- A file whose write fails (disk full, quota, I/O error) is removed at once: no truncated or zero-byte file stays.
- A file saved inside a transaction that then rolls back (the row it belonged to was never written) is deleted at
  the end of the request or task: the storage notes each name saved in an atomic block and forgets it when the
  transaction commits (`on_commit`, which Django drops for a rolled-back transaction or savepoint); whatever is
  still noted when the request or task ends belonged to a rollback.
- `free_space()` is what `/healthz` reports (MEDIA_MIN_FREE_MB).

`TransactionalStorageMixin` goes in front of any storage class (the file system here, S3-compatible object storage
on several servers: README "Several servers").
"""

import contextlib
import logging
import shutil
import threading
from pathlib import Path

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import connection, transaction

log = logging.getLogger(__name__)
_local = threading.local()


def _pending() -> dict:
    if not hasattr(_local, "pending"):
        _local.pending = {}
    return _local.pending


class TransactionalStorageMixin:
    def _save(self, name, content):
        try:
            saved = super()._save(name, content)
        except OSError:
            self._remove_partial(name)
            raise
        if connection.in_atomic_block:
            key = (id(self), saved)
            _pending()[key] = (self, saved)
            transaction.on_commit(lambda: _pending().pop(key, None))
        return saved

    def _remove_partial(self, name):
        with contextlib.suppress(Exception):
            if self.exists(name):
                self.delete(name)


class TransactionalFileSystemStorage(TransactionalStorageMixin, FileSystemStorage):
    """The default storage (settings.STORAGES["default"])."""


def discard_uncommitted(**kwargs):
    """Delete the files saved in transactions that rolled back. Connected to request_finished and to Celery's
    task_postrun; a no-op while a transaction is still open (the tests' own, say)."""
    pending = _pending()
    if not pending or connection.in_atomic_block:
        return
    for storage, name in list(pending.values()):
        try:
            storage.delete(name)
        except Exception:  # a file that cannot be removed is logged; the orphan sweep of the backups finds it
            log.exception("Could not remove %s, saved in a transaction that rolled back", name)
    pending.clear()


def free_space() -> dict:
    """Free space where media is written, against MEDIA_MIN_FREE_MB: {"free_mb": …, "low": bool}."""
    if settings.MEDIA_STORAGE != "filesystem":
        return {"free_mb": None, "low": False}  # the object store watches its own space
    root = Path(settings.MEDIA_ROOT)
    while not root.exists() and root != root.parent:
        root = root.parent
    free_mb = shutil.disk_usage(root).free // (1024 * 1024)
    return {"free_mb": free_mb, "low": free_mb < settings.MEDIA_MIN_FREE_MB}
