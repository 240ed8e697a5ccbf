"""A Redis that is frozen (SIGSTOP: connections are accepted by the kernel, nothing answers) slows no request:
the cache and the broker each wait a short timeout at most, once, and then not at all for a while (the circuit
breaker, consult_portal/breaker.py). A resident's submission still answers in under a second; its SMS waits in the
outbox for the sweeper. Against gunicorn with production settings and a redis-server of this test's own.

Needs PostgreSQL (DATABASE_URL) and redis-server on the PATH: missing, the test skips (fails under REQUIRE_SERVICES=1).
"""

import os
import re
import shutil
import signal
import socket
import subprocess
import time
from urllib.parse import urlencode

import pytest
from django.db import connection

from consult_portal.models import Notification
from tests.conftest import skip_or_fail
from tests.portal.test_failure import Server, _free_port, _suggestion
from topics.models import Topic


@pytest.fixture
def redis_server(tmp_path):
    """A redis-server on a free port, stopped at the end (SIGCONT first, in case the test froze it)."""
    binary = shutil.which("redis-server")
    if binary is None:
        skip_or_fail("redis-server is not on the PATH")
    port = _free_port()
    process = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        + ["--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while True:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as probe:
                probe.sendall(b"PING\r\n")
                if probe.recv(16).startswith(b"+PONG"):
                    break
        except OSError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            pytest.fail("redis-server did not start")
        time.sleep(0.05)
    yield process, port
    os.kill(process.pid, signal.SIGCONT)
    process.terminate()
    process.wait(timeout=10)


def _form(browser, path):
    status, _, html = browser.get(path)
    assert status == 200, html[:2000]
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)
    key = re.search(r'name="submission_key" value="([^"]+)"', html)
    return {"csrfmiddlewaretoken": token, **({"submission_key": key.group(1)} if key else {})}


def _post(browser, path, fields):
    body = urlencode(fields, doseq=True).encode()
    started = time.monotonic()
    status, headers, html = browser.request("POST", path, body, {"Content-Type": "application/x-www-form-urlencoded"})
    return status, headers, html, time.monotonic() - started


def test_a_frozen_redis_does_not_slow_a_submission(transactional_db, tmp_path, redis_server, town_a, village_a):
    if connection.vendor != "postgresql":
        skip_or_fail("the frozen-Redis test needs a PostgreSQL DATABASE_URL")
    process, port = redis_server
    server = Server(tmp_path, REDIS_URL=f"redis://127.0.0.1:{port}/0", TOPIC_SUBMISSIONS_PER_HOUR="50")
    try:
        browser = server.browser()
        browser.timeout = 30
        # Redis answers: a submission is published at once (warming the connections too).
        fields = {**_form(browser, "/topics/suggest/"), **_suggestion(town_a, village_a, "Redis 正常时的议题")}
        status, headers, html, _ = _post(browser, "/topics/suggest/", fields)
        assert status == 302, html[:2000]

        first = {**_form(browser, "/topics/suggest/"), **_suggestion(town_a, village_a, "Redis 冻结时的议题")}
        second = {**_form(browser, "/topics/suggest/"), **_suggestion(town_a, village_a, "Redis 冻结时的第二条")}
        os.kill(process.pid, signal.SIGSTOP)  # frozen: the kernel still accepts connections, Redis answers nothing
        try:
            status, headers, html, elapsed = _post(browser, "/topics/suggest/", first)
            assert status == 302, html[:2000]
            assert headers["Location"].startswith("/topics/receipt/")
            print(f"first submission with Redis frozen: {elapsed:.3f} s")
            assert elapsed < 1.0, f"the submission took {elapsed:.2f} s with Redis frozen"
            # The next one does not even try Redis (the breaker is open): as fast as with Redis up.
            status, _, html, elapsed = _post(browser, "/topics/suggest/", second)
            assert status == 302, html[:2000]
            print(f"second submission with Redis frozen: {elapsed:.3f} s")
            assert elapsed < 0.5, f"the second submission took {elapsed:.2f} s with Redis frozen"
            started = time.monotonic()
            assert browser.get(headers["Location"])[0] == 200  # the receipt
            assert time.monotonic() - started < 1.0
        finally:
            os.kill(process.pid, signal.SIGCONT)

        for title in ("Redis 冻结时的议题", "Redis 冻结时的第二条"):
            topic = Topic.objects.get(title=title)
            sms = Notification.objects.get(kind="topic_received", object_id=topic.pk)
            assert (sms.status, sms.attempts) == (Notification.Status.PENDING, 0)  # waits for the sweeper
        log = server.log.read_text()
        assert "waits in the outbox" in log
        assert "Rate limit topic" in log or "Rate limit" in log  # let through, and said so (fail open)
        assert "Traceback" not in log
    finally:
        server.stop()
