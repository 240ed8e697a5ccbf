"""`manage.py backup` writes one archive of the database and the media; `manage.py restore` brings it into an
empty installation, which then shows the same tracking codes, results and photos (#19)."""

import io
import json
import os
import subprocess
import sys
import tarfile
import uuid
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from tests.factories import MeetingFactory, OutcomeFactory, TopicFactory
from tests.photo_helpers import jpeg
from tests.portal.backup_probe import snapshot

ROOT = Path(__file__).resolve().parents[2]
PROBE = ROOT / "tests" / "portal" / "backup_probe.py"


def _county(town_a):
    from sessions.models import MeetingPhoto
    from topics.models import TopicPhoto

    topics = [TopicFactory(town=town_a, title=f"路灯{n}") for n in range(3)]
    for topic in topics[:2]:
        TopicPhoto.objects.create(
            topic=topic, image=ContentFile(jpeg(64, 48), "a.jpg"), thumbnail=ContentFile(jpeg(32, 24), "t.jpg")
        )
    held = MeetingFactory(
        platform__area=town_a, status="recorded",
        starts_at=timezone.now() - timezone.timedelta(days=20),
        ends_at=timezone.now() - timezone.timedelta(days=20, hours=-2),
    )
    MeetingPhoto.objects.create(meeting=held, image=ContentFile(jpeg(80, 60), "m.jpg"))
    OutcomeFactory(meeting=held, status="implemented", answer="路灯已全部修复。", published_at=timezone.now())
    OutcomeFactory(meeting=held, status="assigned")


class Installation:
    """A second, empty installation of the portal: its own database and MEDIA_ROOT, run as subprocesses."""

    def __init__(self, tmp_path):
        self.media = tmp_path / "restored-media"
        db = settings.DATABASES["default"]
        if db["ENGINE"] == "django.db.backends.postgresql":
            self.name = f"consult_restore_{uuid.uuid4().hex[:8]}"
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE DATABASE "{self.name}"')
            auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
            self.url = f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{self.name}"
        else:
            self.name = None
            self.url = f"sqlite:///{tmp_path / 'restored.sqlite3'}"

    def env(self):
        env = {k: v for k, v in os.environ.items() if k not in ("DJANGO_SETTINGS_MODULE", "REDIS_URL")}
        return {
            **env, "DJANGO_SETTINGS_MODULE": "consult_portal.settings", "DEBUG": "1", "DATABASE_URL": self.url,
            "MEDIA_ROOT": str(self.media), "SECRET_KEY": "restore-test-only",
        }

    def run(self, *args, check=True):
        return subprocess.run(
            [sys.executable, *args], cwd=ROOT, env=self.env(), capture_output=True, text=True, timeout=300,
            check=check,
        )

    def drop(self):
        if self.name:
            connection.close()
            with connection.cursor() as cursor:
                cursor.execute(f'DROP DATABASE IF EXISTS "{self.name}" WITH (FORCE)')


@pytest.fixture
def installation(tmp_path, transactional_db, settings):
    settings.MEDIA_ROOT = str(tmp_path / "media")  # this installation's own media, not the whole suite's
    target = Installation(tmp_path)
    yield target
    target.drop()


def test_a_backup_restored_into_an_empty_installation_shows_the_same_codes_results_and_photos(
    installation, tmp_path, town_a
):
    _county(town_a)
    before = snapshot()
    assert len(before["codes"]) == 3 and len(before["results"]) == 1 and len(before["photos"]) == 5
    assert all(before["photos"].values())

    call_command("backup", output_dir=str(tmp_path / "backups"))
    (archive,) = (tmp_path / "backups").glob("consult-backup-*.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and sum(n.startswith("media/") for n in names) == 5

    # The documented drill: migrate the new installation, restore, look.
    installation.run("manage.py", "migrate", "--noinput")
    restored = installation.run("manage.py", "restore", str(archive))
    assert "5 media files" in restored.stdout
    after = json.loads(installation.run(str(PROBE)).stdout)
    assert after == before
    assert all(status == 200 and found for status, found in after["pages"].values())


def test_restore_refuses_an_installation_that_holds_data_and_a_damaged_archive(installation, tmp_path, town_a):
    _county(town_a)
    call_command("backup", output_dir=str(tmp_path / "backups"))
    (archive,) = (tmp_path / "backups").glob("consult-backup-*.tar.gz")
    installation.run("manage.py", "migrate", "--noinput")

    # One byte changed in a photo inside the archive: refused before anything is written.
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w:gz") as out:
        for member in src.getmembers():
            data = src.extractfile(member).read()
            if member.name.startswith("media/") and member.name.endswith(".jpg"):
                data = data[:-1] + bytes([data[-1] ^ 1])
                member.size = len(data)
            out.addfile(member, io.BytesIO(data))
    refused = installation.run("manage.py", "restore", str(damaged), check=False)
    assert refused.returncode != 0 and "does not match its checksum" in refused.stderr
    assert not installation.media.exists() or not any(installation.media.rglob("*.jpg"))

    installation.run("manage.py", "restore", str(archive))
    again = installation.run("manage.py", "restore", str(archive), check=False)
    assert again.returncode != 0 and "restore only into an empty installation" in again.stderr


def test_backup_keeps_the_newest_archives_it_is_told_to(tmp_path, db):
    out = tmp_path / "backups"
    out.mkdir()
    for day in ("20260101-020000", "20260102-020000", "20260103-020000"):
        (out / f"consult-backup-{day}.tar.gz").write_bytes(b"old")
    call_command("backup", output_dir=str(out), keep=2)
    left = sorted(p.name for p in out.glob("consult-backup-*.tar.gz"))
    assert len(left) == 2 and "consult-backup-20260103-020000.tar.gz" in left[0]
