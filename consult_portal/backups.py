"""Backups: one dated archive holding a consistent dump of the database and a copy of the media, and its restore
into an empty installation (`manage.py backup`, `manage.py restore`; README "Backups and restore").

The archive (`consult-backup-YYYYMMDD-HHMMSS.tar.gz`) holds
- `database.dump`: `pg_dump --format=custom` of the PostgreSQL database (one snapshot: pg_dump reads in a single
  repeatable-read transaction), or `database.sqlite3`: a copy made with SQLite's online backup API;
- `media/…`: every file under MEDIA_ROOT, copied after the dump, so every file a dumped row refers to is there
  (a file uploaded after the dump is in the archive without a row, which is harmless);
- `manifest.json`: when, the database engine, the latest migration of each app, and the SHA-256 of every file,
  which `restore` checks before it writes anything.
"""

import hashlib
import io
import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.db import connection, models
from django.db.migrations.recorder import MigrationRecorder
from django.utils import timezone

FORMAT = 1
PG_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
MANIFEST = "manifest.json"
# pg_dump and pg_restore of a county's database take seconds; an hour means something is stuck.
COMMAND_TIMEOUT = 3600


class BackupError(Exception):
    """A backup or restore that cannot go on; the message says why, nothing has been changed."""


@dataclass
class Summary:
    path: Path
    files: int
    missing: list[str]


def _is_postgres(db=None) -> bool:
    return (db or settings.DATABASES["default"])["ENGINE"] == "django.db.backends.postgresql"


def _pg_env(db) -> dict:
    env = dict(os.environ)
    for key, var in (("HOST", "PGHOST"), ("PORT", "PGPORT"), ("USER", "PGUSER"), ("PASSWORD", "PGPASSWORD")):
        if db.get(key):
            env[var] = str(db[key])
    return env


def _run(args, db):
    try:
        # The arguments are this module's own, with the configured database name; no shell.
        done = subprocess.run(  # noqa: S603
            args, env=_pg_env(db), capture_output=True, text=True, timeout=COMMAND_TIMEOUT
        )
    except FileNotFoundError as exc:
        raise BackupError(f"{args[0]} is not installed (PostgreSQL client tools are needed): {exc}") from exc
    except subprocess.TimeoutExpired as exc:
        raise BackupError(f"{args[0]} did not finish within {COMMAND_TIMEOUT} s") from exc
    if done.returncode:
        raise BackupError(f"{args[0]} failed: {done.stderr.strip()[-2000:]}")
    return done


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def referenced_files() -> set[str]:
    """The media names every file field of every model refers to."""
    names = set()
    for model in apps.get_models():
        for field in model._meta.get_fields():
            if isinstance(field, models.FileField):
                stored = model._default_manager.exclude(**{field.name: ""}).values_list(field.name, flat=True)
                names.update(name for name in stored if name)
    return names


def _migrations() -> dict:
    latest = {}
    for app, name in MigrationRecorder(connection).applied_migrations():
        latest[app] = max(latest.get(app, ""), name)
    return latest


def _dump_database(workdir: Path) -> str:
    db = settings.DATABASES["default"]
    if _is_postgres(db):
        target = workdir / PG_DUMP
        _run(["pg_dump", "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), db["NAME"]], db)
        return PG_DUMP
    target = workdir / SQLITE_COPY
    connection.ensure_connection()
    with sqlite3.connect(target) as copy:
        connection.connection.backup(copy)
    copy.close()
    return SQLITE_COPY


def create(output_dir: Path) -> Summary:
    """Write the archive into output_dir and return where it is, how many media files it holds, and the files
    rows refer to that were not on disk (reported, not fatal: they are missing from the installation too)."""
    output_dir = Path(output_dir)
    output_dir.mkdir(parents=True, exist_ok=True)
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M%S")
    final = output_dir / f"consult-backup-{stamp}.tar.gz"
    media_root = Path(settings.MEDIA_ROOT)
    with tempfile.TemporaryDirectory(prefix="consult-backup-", dir=output_dir) as tmp:
        workdir = Path(tmp)
        dump_name = _dump_database(workdir)
        referenced = referenced_files()
        files = {dump_name: _sha256(workdir / dump_name)}
        partial = workdir / (final.name + ".part")
        with tarfile.open(partial, "w:gz") as archive:
            archive.add(workdir / dump_name, arcname=dump_name)
            if media_root.is_dir():
                for path in sorted(p for p in media_root.rglob("*") if p.is_file()):
                    name = "media/" + path.relative_to(media_root).as_posix()
                    files[name] = _sha256(path)
                    archive.add(path, arcname=name)
            missing = sorted(name for name in referenced if f"media/{name}" not in files)
            manifest = {
                "format": FORMAT,
                "created_at": timezone.now().isoformat(),
                "engine": "postgresql" if _is_postgres() else "sqlite",
                "database": dump_name,
                "migrations": _migrations(),
                "files": files,
                "missing_media": missing,
            }
            data = json.dumps(manifest, indent=1, ensure_ascii=False).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            info.mtime = int(timezone.now().timestamp())
            archive.addfile(info, io.BytesIO(data))
        # The archive appears under its final name only once it is complete.
        os.replace(partial, final)
    return Summary(path=final, files=sum(1 for name in files if name.startswith("media/")), missing=missing)


def prune(output_dir: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives in output_dir; returns what was deleted."""
    archives = sorted(Path(output_dir).glob("consult-backup-*.tar.gz"))
    old = archives[:-keep] if keep > 0 else []
    for path in old:
        path.unlink()
    return old


def _read_manifest(archive: tarfile.TarFile) -> dict:
    try:
        member = archive.getmember(MANIFEST)
    except KeyError as exc:
        raise BackupError("not a portal backup: the archive has no manifest.json") from exc
    manifest = json.load(archive.extractfile(member))
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def _database_is_empty() -> bool:
    """Empty: no tables, or the portal's tables hold no user, topic or area (a fresh `migrate`)."""
    tables = set(connection.introspection.table_names())
    for label in ("portal.User", "portal.Area", "topics.Topic"):
        model = apps.get_model(label)
        if model._meta.db_table in tables and model._default_manager.exists():
            return False
    return True


def _clear_schema():
    """Drop what a fresh `migrate` made, so the dump brings its own schema and migration history."""
    if _is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("DROP SCHEMA public CASCADE")
            cursor.execute("CREATE SCHEMA public")
    # SQLite: the online backup API replaces the whole database file, schema included.


def restore(path: Path) -> dict:
    """Bring a backup into an empty installation: checks every checksum first, then the database, then the media."""
    path = Path(path)
    if not path.is_file():
        raise BackupError(f"{path} does not exist")
    media_root = Path(settings.MEDIA_ROOT)
    if media_root.is_dir() and any(p.is_file() for p in media_root.rglob("*")):
        raise BackupError(f"MEDIA_ROOT {media_root} is not empty: restore only into an empty installation")
    if not _database_is_empty():
        raise BackupError("the database already holds data: restore only into an empty installation")
    try:
        archive = tarfile.open(path, "r:gz")  # noqa: SIM115 (closed by the with below)
    except (tarfile.TarError, OSError) as exc:
        raise BackupError(f"{path} is not a readable .tar.gz archive: {exc}") from exc
    with archive, tempfile.TemporaryDirectory(prefix="consult-restore-") as tmp:
        manifest = _read_manifest(archive)
        engine = "postgresql" if _is_postgres() else "sqlite"
        if manifest["engine"] != engine:
            raise BackupError(f"the backup is of a {manifest['engine']} database; this installation uses {engine}")
        workdir = Path(tmp)
        for name, digest in manifest["files"].items():
            member = archive.getmember(name)
            if not member.isfile() or name.startswith("/") or ".." in Path(name).parts:
                raise BackupError(f"unsafe entry in the archive: {name}")
            archive.extract(member, workdir, filter="data")
            if _sha256(workdir / name) != digest:
                raise BackupError(f"{name} does not match its checksum: the archive is damaged")
        _clear_schema()
        db = settings.DATABASES["default"]
        if engine == "postgresql":
            connection.close()
            _run(
                ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error", "--dbname", db["NAME"],
                 str(workdir / PG_DUMP)],
                db,
            )
        else:
            with sqlite3.connect(workdir / SQLITE_COPY) as source:
                connection.ensure_connection()
                source.backup(connection.connection)
        connection.close()
        restored = 0
        for name in manifest["files"]:
            if name.startswith("media/"):
                target = media_root / name.removeprefix("media/")
                target.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(workdir / name, target)
                restored += 1
    return {"created_at": manifest["created_at"], "files": restored, "migrations": manifest["migrations"]}
