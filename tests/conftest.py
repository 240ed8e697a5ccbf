"""Personas shared by every test: office staff, liaison staff of towns A and B, a member, a unit user,
a leader, and a resident with no account."""

import os
import subprocess

import pytest

from consult_portal.models import Area, Role
from tests.factories import AreaFactory, MemberFactory, UnitFactory, UserFactory

# Playwright's sync API runs an event loop in this thread; the ORM calls of a test are still synchronous.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


def skip_or_fail(reason: str):
    """A missing service skips the test on a laptop and fails it in CI (REQUIRE_SERVICES=1)."""
    if REQUIRE_SERVICES:
        pytest.fail(f"REQUIRE_SERVICES=1 but {reason}")
    pytest.skip(reason)


@pytest.fixture(autouse=True)
def _clear_cache_and_outboxes():
    from django.core.cache import cache

    from consult_portal import office
    from consult_portal.sms import LocmemBackend

    cache.clear()
    # A test's database starts without saved office settings: cached as such, as a running portal has them, so
    # that a page's first request counts the queries of every later one.
    office.assume_unsaved()
    LocmemBackend.outbox.clear()
    LocmemBackend.keys.clear()
    yield


@pytest.fixture
def county(db):
    return AreaFactory(name="示范县", code="C0", level=Area.Level.COUNTY, parent=None)


@pytest.fixture
def town_a(county):
    return AreaFactory(name="甲镇", code="T-A", level=Area.Level.TOWN, parent=county)


@pytest.fixture
def town_b(county):
    return AreaFactory(name="乙镇", code="T-B", level=Area.Level.TOWN, parent=county)


@pytest.fixture
def village_a(town_a):
    return AreaFactory(name="甲一村", code="V-A1", level=Area.Level.VILLAGE, parent=town_a)


@pytest.fixture
def village_b(town_b):
    return AreaFactory(name="乙一村", code="V-B1", level=Area.Level.VILLAGE, parent=town_b)


@pytest.fixture
def unit(db):
    return UnitFactory(name="县住房城乡建设局")


@pytest.fixture
def office(db):
    return UserFactory(username="office1", role=Role.OFFICE, is_staff=True)


@pytest.fixture
def liaison_a(town_a):
    return UserFactory(username="liaison_a", role=Role.LIAISON, town=town_a)


@pytest.fixture
def liaison_b(town_b):
    return UserFactory(username="liaison_b", role=Role.LIAISON, town=town_b)


@pytest.fixture
def leader(db):
    return UserFactory(username="leader1", role=Role.LEADER)


@pytest.fixture
def member_user(db):
    user = UserFactory(username="member1", role=Role.MEMBER)
    MemberFactory(user=user, name="张委员")
    return user


@pytest.fixture
def unit_user(unit):
    return UserFactory(username="unit1", role=Role.UNIT, unit=unit)


@pytest.fixture
def personas(office, liaison_a, leader, member_user, unit_user):
    return {"office": office, "liaison_a": liaison_a, "leader": leader, "member": member_user, "unit": unit_user}


@pytest.fixture
def celery_worker(transactional_db, tmp_path):
    """A real Celery worker, consuming through Redis from the test database, in its own queue.

    Yields a dict with the queue name and the directory the worker's file mail backend writes to.
    """
    import subprocess
    import sys
    import time
    import uuid
    from pathlib import Path

    from django.conf import settings
    from django.db import connection

    from consult_portal.celery import app

    if not settings.REDIS_URL or connection.vendor != "postgresql":
        skip_or_fail("the worker tests need REDIS_URL and a PostgreSQL DATABASE_URL")
    db = connection.settings_dict
    queue = f"test-{uuid.uuid4().hex[:12]}"
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "consult_portal.settings",
        "SECRET_KEY": "worker-test-secret-key-not-for-production",
        "DEBUG": "0",
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "CELERY_QUEUE": queue,
        "EMAIL_URL": f"filemail://{mail_dir}",
        "LOG_LEVEL": "INFO",
    }
    log = tmp_path / "worker.log"
    root = Path(__file__).resolve().parent.parent
    with open(log, "w") as out:
        process = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "consult_portal",
                "worker",
                "--pool=solo",
                "-Q",
                f"{queue},{queue}-email",  # email has a queue of its own (consult_portal.delivery.queue_for)
                "--without-heartbeat",
                "--without-gossip",
                "--without-mingle",
                "-l",
                "info",
            ],
            cwd=root,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    deadline = time.monotonic() + 30
    while "ready." not in log.read_text():
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"the Celery worker did not start:\n{log.read_text()}")
        time.sleep(0.2)
    previous = (app.conf.task_always_eager, app.conf.task_default_queue)
    app.conf.task_always_eager = False
    app.conf.task_default_queue = queue
    try:
        yield {"queue": queue, "mail_dir": mail_dir, "log": log}
    finally:
        app.conf.task_always_eager, app.conf.task_default_queue = previous
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.1):
    """Poll until predicate() is truthy; return its value or fail the test."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail("timed out waiting for the worker")


def worker_mails(mail_dir) -> list[tuple[str, str]]:
    """(recipient, subject) of each message the worker's file mail backend wrote.

    The backend names its files by the second and appends to them, so one file can hold several
    messages, each followed by a line of 79 dashes.
    """
    from email import message_from_bytes, policy

    found = []
    for path in sorted(mail_dir.iterdir()):
        for raw in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
            if raw.strip():
                message = message_from_bytes(raw, policy=policy.default)
                found.append((str(message["To"]), str(message["Subject"])))
    return found


# ------------------------------------------------------------------------------------------ the documents' meeting
# The meeting and the items the Word documents are tested on: tests/sessions/test_documents.py,
# tests/outcomes/test_documents.py and tests/portal/test_exports_scope.py.


@pytest.fixture
def meeting_a(town_a, village_a):
    from datetime import date, datetime, timedelta

    from django.utils import timezone

    from sessions.models import Participant, RecordItem, Research
    from tests.factories import MeetingFactory, PlatformFactory, TopicFactory

    platform = PlatformFactory(name="甲一村议事室", level="village", area=village_a, address="甲一村村委会二楼")
    start = timezone.make_aware(datetime(2026, 11, 20, 9, 30))
    meeting = MeetingFactory(
        title="村口路灯协商会",
        platform=platform,
        status="recorded",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        place="甲一村文化礼堂",
        host="李主任",
        organiser="甲镇政协联络站",
        how_to_take_part="欢迎村民到场旁听。\n也可以通过网络参与。",
        summary="与会人员围绕村口路灯改造充分协商。",
        answers="县住建局当场答复：年内完成。",
        attendance_count=35,
        walk_in_count=12,
    )
    meeting.topics.add(TopicFactory(town=town_a, village=village_a, title="村口路灯改造", status="consulted"))
    lawyer = MemberFactory(name="王律师")
    Participant.objects.create(meeting=meeting, kind="member", member=lawyer, checked_in_at=start)
    Participant.objects.create(
        meeting=meeting, kind="resident", name="赵大爷", phone="13812345678", checked_in_at=start
    )
    Participant.objects.create(
        meeting=meeting, kind="department", name="钱科长", organisation="县住建局", checked_in_at=start
    )
    Research.objects.create(meeting=meeting, date=date(2026, 11, 10), kind="visit", findings="路灯损坏十二盏")
    RecordItem.objects.create(meeting=meeting, kind="suggestion", text="更换村口主干道路灯", proposer=lawyer)
    RecordItem.objects.create(meeting=meeting, kind="consensus", text="年底前完成路灯更换")
    return meeting


@pytest.fixture
def items_a(meeting_a, unit):
    from datetime import date

    from tests.factories import OutcomeFactory

    return [
        OutcomeFactory(
            meeting=meeting_a,
            unit=unit,
            text="更换村口主干道路灯",
            contact_name="王科长",
            contact_phone="0571-1234567",
            deadline=date(2026, 12, 31),
        ),
        OutcomeFactory(meeting=meeting_a, unit=UnitFactory(name="甲镇人民政府"), text="加强路灯日常巡查"),
    ]


@pytest.fixture
def full_disk(tmp_path, settings):
    """MEDIA_ROOT on a real 512 KB file system filled to its last few kilobytes."""
    root = tmp_path / "media"
    root.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=512k", "tmpfs", str(root)], capture_output=True, text=True
    )
    if mounted.returncode:
        skip_or_fail(f"cannot mount a small tmpfs for the full-disk test: {mounted.stderr.strip()}")
    try:
        filler = root / "filler.bin"
        with open(filler, "wb") as handle:
            handle.write(b"\0" * (512 - 24) * 1024)
        settings.MEDIA_ROOT = str(root)
        settings.MEDIA_MIN_FREE_MB = 1
        yield root
    finally:
        subprocess.run(["umount", str(root)], check=False)
