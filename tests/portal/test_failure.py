"""Failure of the services behind the portal, against a real server process (gunicorn, production settings).

- Redis down: a resident's topic still saves, its SMS waits in the outbox, /healthz says the broker is down;
  once Redis is back the sweeper hands the row to a real worker, which delivers it.
- PostgreSQL restarted: while the database refuses connections, pages fail with the Chinese error page and no
  traceback, /healthz answers 503; afterwards the same server process answers again, and a persistent
  connection killed under it (what a restart does) is replaced on the next request (CONN_HEALTH_CHECKS).

The database is made unavailable for the test database only (ALTER DATABASE ... ALLOW_CONNECTIONS false and
pg_terminate_backend), so the shared server and other test runs are untouched. `bench/pg_restart_check.py`
does the real restart.

Needs PostgreSQL (DATABASE_URL) and, for the worker part, REDIS_URL: missing services skip, or fail under
REQUIRE_SERVICES=1.
"""

import http.client
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import uuid
from datetime import timedelta
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import pytest
from django.conf import settings
from django.db import connection
from django.utils import timezone

from consult_portal.models import Notification
from tests.conftest import skip_or_fail, wait_for
from topics.models import Topic

ROOT = Path(__file__).resolve().parents[2]
# Production settings but the plain static storage: no collectstatic manifest is needed to render pages.
SERVER_SETTINGS = """
from consult_portal.settings import *  # noqa: F403
from consult_portal.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
"""
CLOSED_PORT_REDIS = "redis://127.0.0.1:1/0"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    db = connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Server:
    """gunicorn with one sync worker (one persistent database connection), on a free port."""

    def __init__(self, tmp_path: Path, **env):
        (tmp_path / "failure_server_settings.py").write_text(SERVER_SETTINGS)
        self.port = _free_port()
        self.log = tmp_path / f"gunicorn-{self.port}.log"
        environment = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
        environment.update(
            PYTHONPATH=f"{tmp_path}{os.pathsep}{ROOT}",
            DJANGO_SETTINGS_MODULE="failure_server_settings",
            DEBUG="0",
            SECRET_KEY="failure-test-secret-key-not-for-production-0123456789",
            ALLOWED_HOSTS="127.0.0.1",
            SECURE_SSL_REDIRECT="0",
            SESSION_COOKIE_SECURE="0",
            CSRF_COOKIE_SECURE="0",
            DATABASE_URL=_database_url(),
            LOG_LEVEL="WARNING",
            **env,
        )
        with open(self.log, "w") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    "consult_portal.wsgi:application",
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    "1",
                    "--timeout",
                    "60",
                ],
                cwd=ROOT,
                env=environment,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while True:
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=1):
                    break
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"gunicorn did not start:\n{self.log.read_text()}")
                time.sleep(0.1)

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()

    def browser(self) -> "Browser":
        return Browser(self.port)


class Browser:
    """Just enough of a browser: cookies, the CSRF token of the last form, no redirects followed."""

    def __init__(self, port: int, timeout: float = 30):
        self.port, self.timeout, self.cookies = port, timeout, {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=self.timeout)
        headers = {"Accept-Language": "zh-CN", **(headers or {})}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            text = response.read().decode("utf-8", "replace")
        finally:
            conn.close()
        for header in response.headers.get_all("Set-Cookie") or []:
            for name, morsel in SimpleCookie(header).items():
                self.cookies[name] = morsel.value
        return response.status, response.headers, text

    def get(self, path: str):
        return self.request("GET", path)

    def post_form(self, path: str, data: dict):
        status, _, html = self.get(path)
        assert status == 200, html[:2000]
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
        key = re.search(r'name="submission_key" value="([^"]+)"', html)
        fields = {"csrfmiddlewaretoken": token, **({"submission_key": key.group(1)} if key else {}), **data}
        body = urlencode(fields, doseq=True).encode()
        return self.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        skip_or_fail("the failure tests need a PostgreSQL DATABASE_URL")


@pytest.fixture
def servers(postgres, tmp_path):
    started = []

    def start(**env) -> Server:
        server = Server(tmp_path, **env)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()


def _suggestion(town, village, title: str) -> dict:
    return {
        "title": title,
        "description": "村口到学校的路灯坏了三个月,晚上孩子放学很不安全。",
        "category": "livelihood",
        "town": town.pk,
        "village": village.pk,
        "name": "李阿姨",
        "phone": "13812345678",
        "consent": "on",
        "website": "",
    }


# -- Redis down --------------------------------------------------------------------------------------------


@pytest.mark.worker
def test_with_redis_down_a_topic_saves_and_its_sms_waits_until_the_sweeper_delivers_it(
    servers, town_a, village_a, client, request
):
    if not settings.REDIS_URL:
        skip_or_fail("the Redis-down test needs REDIS_URL for the part where Redis is back")
    # Redis down for the portal: broker and cache (the rate limit's counter) both at a closed port.
    server = servers(REDIS_URL=CLOSED_PORT_REDIS, TOPIC_SUBMISSIONS_PER_HOUR="5")
    browser = server.browser()

    status, headers, body = browser.get("/healthz")
    assert (status, json.loads(body)["database"], json.loads(body)["broker"]) == (200, "ok", "down")

    started = time.monotonic()
    status, headers, body = browser.post_form("/topics/suggest/", _suggestion(town_a, village_a, "Redis 停了也要收到"))
    elapsed = time.monotonic() - started
    assert status == 302, body[:3000]
    assert headers["Location"].startswith("/topics/receipt/")
    assert elapsed < 5, f"the submission waited {elapsed:.1f} s on the broker"
    status, _, receipt = browser.get(headers["Location"])
    assert status == 200

    topic = Topic.objects.get(title="Redis 停了也要收到")
    assert topic.tracking_code in receipt
    sms = Notification.objects.get(kind="topic_received", object_id=topic.pk)
    assert (sms.status, sms.attempts, sms.address) == (Notification.Status.PENDING, 0, "13812345678")
    log = server.log.read_text()
    assert "waits in the outbox" in log
    assert "Traceback" not in log

    # Redis is back: the portal's healthz sees it, and the sweeper hands the waiting row to a real worker.
    client_health = client.get("/healthz").json()
    assert client_health["broker"] == "ok"
    # The sweeper leaves rows younger than a minute to the enqueue of their own transaction.
    Notification.objects.filter(pk=sms.pk).update(created_at=timezone.now() - timedelta(minutes=2))
    # (Started only now so that nothing could have delivered the row before.)
    worker = request.getfixturevalue("celery_worker")
    from consult_portal.tasks import sweep_outbox

    sweep_outbox.apply_async(queue=worker["queue"])
    wait_for(lambda: Notification.objects.filter(pk=sms.pk, status=Notification.Status.SENT).exists(), timeout=30)
    sms.refresh_from_db()
    assert sms.attempts == 1
    log = worker["log"].read_text()
    # The console SMS backend logged the text, with the tracking code shortened to its first two characters.
    assert topic.tracking_code[:2] + "*" * (len(topic.tracking_code) - 2) in log
    assert topic.tracking_code not in log


def test_a_redis_that_accepts_connections_but_never_answers_does_not_hang_a_submission(servers, town_a, village_a):
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(64)  # connections complete in the backlog; nothing ever answers
        server = servers(REDIS_URL=f"redis://127.0.0.1:{hung.getsockname()[1]}/0")
        browser = server.browser()
        browser.timeout = 10
        status, _, body = browser.post_form("/topics/suggest/", _suggestion(town_a, village_a, "Redis 卡住了"))
        assert status == 302, body[:2000]


# -- PostgreSQL restarted ----------------------------------------------------------------------------------


def _admin():
    import psycopg2

    db = connection.settings_dict
    admin = psycopg2.connect(
        dbname="postgres", user=db["USER"], host=db["HOST"] or "127.0.0.1", port=db["PORT"] or 5432
    )
    admin.autocommit = True
    return admin


def _terminate(admin, database: str) -> int:
    with admin.cursor() as cursor:
        cursor.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            [database],
        )
        return cursor.fetchone()[0]


def _allow_connections(admin, database: str, allow: bool) -> None:
    with admin.cursor() as cursor:
        cursor.execute(f'ALTER DATABASE "{database}" ALLOW_CONNECTIONS {"true" if allow else "false"}')


def test_with_postgresql_restarted_pages_fail_cleanly_and_recover_without_a_restart(servers, town_a):
    database = connection.settings_dict["NAME"]
    server = servers()
    browser = server.browser()
    assert browser.get("/")[0] == 200
    status, _, body = browser.get("/healthz")
    assert (status, json.loads(body)["database"], json.loads(body)["broker"]) == (200, "ok", "in-process")

    admin = _admin()
    try:
        # Down: the database refuses connections and the server's persistent connection is killed.
        _allow_connections(admin, database, False)
        assert _terminate(admin, database) >= 1  # the server held a connection between requests
        for path in ("/", "/topics/suggest/", "/outcomes/"):
            status, headers, body = browser.get(path)
            assert status == 503 and headers.get("Retry-After") == "30", (path, status, headers)
            assert "服务暂时不可用" in body
            assert "Traceback" not in body and "psycopg2" not in body and "OperationalError" not in body
        status, _, body = browser.get("/healthz")
        assert (status, json.loads(body)["database"], json.loads(body)["broker"]) == (503, "down", "in-process")
    finally:
        _allow_connections(admin, database, True)
        connection.close()  # this process's own connection was killed too

    # Back: the same server process answers, with no restart.
    assert browser.get("/healthz")[0] == 200
    status, _, body = browser.get("/topics/suggest/")
    assert status == 200 and "甲镇" in body

    # A restart between two requests: the killed persistent connection is noticed and replaced on the next one.
    try:
        assert _terminate(admin, database) >= 1
    finally:
        admin.close()
        connection.close()
    assert browser.get("/")[0] == 200
    assert browser.get("/outcomes/")[0] == 200
    assert server.process.poll() is None


# -- Load: one address's concurrent submissions and the rate limit ------------------------------------------


@pytest.mark.parametrize("backend", ["locmem", "redis"])
def test_concurrent_requests_of_one_address_never_pass_the_limit(settings, backend):
    """`is_limited` then `count` let 6 of 5 through in the load test (bench/load_bench.py --addresses 5):
    `reserve` takes the slot atomically."""
    from consult_portal import ratelimit

    if backend == "redis":
        if not settings.REDIS_URL:
            skip_or_fail("the Redis rate-limit test needs REDIS_URL")
        settings.CACHES = {
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": settings.REDIS_URL,
                "KEY_PREFIX": f"test-failure-{uuid.uuid4().hex[:8]}",
            }
        }
    address = f"10.9.{uuid.uuid4().int % 250}.1"
    start = threading.Barrier(20)
    granted = []

    def request():
        start.wait()
        granted.append(ratelimit.reserve("load-test", address, 5, 60))

    threads = [threading.Thread(target=request) for _ in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert granted.count(True) == 5
    assert ratelimit.is_limited("load-test", address, 5)
    ratelimit.release("load-test", address)  # a granted request that saved nothing gives its slot back
    assert not ratelimit.is_limited("load-test", address, 5)
    assert ratelimit.reserve("load-test", address, 5, 60)
    assert not ratelimit.reserve("load-test", address, 5, 60)
