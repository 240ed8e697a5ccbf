"""Several servers (#19, README "Several servers"): two gunicorn nodes behind a round-robin proxy, sharing
PostgreSQL and Redis, with the media on S3-compatible object storage (moto's server) and the exports read from a
replica. A resident's form fetched from one node is accepted by the other, the photo stored through one is served
by the other from the bucket, a lock-out earned on one is enforced on the other, and an export on the node with a
replica reads the replica."""

import http.client
import http.server
import io
import itertools
import os
import re
import subprocess
import sys
import threading
import time
import uuid
from urllib.parse import urlencode

import openpyxl
import pytest
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection

from tests.conftest import skip_or_fail
from tests.portal.test_failure import Browser, Server, _database_url, _free_port
from tests.topics.conftest import noise_png
from topics.models import Topic

PASSWORD = "Two-Nodes-Office-2026"
REDIS_DB = 11


class RoundRobinProxy:
    """The reverse proxy in front of the nodes, as small as can be: each request to the next node in turn."""

    def __init__(self, ports):
        self.ports, self.served = itertools.cycle(ports), []
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def _forward(self):
                port = next(proxy.ports)
                proxy.served.append(port)
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("connection", "host")}
                headers.update({"Host": "127.0.0.1", "X-Forwarded-For": self.client_address[0]})
                upstream = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                upstream.request(self.command, self.path, body=body, headers=headers)
                answer = upstream.getresponse()
                data = answer.read()
                self.send_response(answer.status)
                for key, value in answer.getheaders():
                    if key.lower() not in ("transfer-encoding", "connection", "content-length"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

            do_GET = do_POST = _forward

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self):
        self.server.shutdown()


def _multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    out = io.BytesIO()
    for name, value in fields.items():
        out.write(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, (filename, data, content_type) in files.items():
        out.write(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            f"Content-Type: {content_type}\r\n\r\n".encode()
        )
        out.write(data + b"\r\n")
    out.write(f"--{boundary}--\r\n".encode())
    return out.getvalue(), f"multipart/form-data; boundary={boundary}"


def _token(html: str, name: str) -> str:
    return re.search(rf'name="{name}" value="([^"]+)"', html).group(1)


def _login(browser: Browser, username: str, password: str):
    status, _, html = browser.get("/accounts/login/")
    assert status == 200
    body = urlencode(
        {"csrfmiddlewaretoken": _token(html, "csrfmiddlewaretoken"), "username": username, "password": password}
    ).encode()
    return browser.request("POST", "/accounts/login/", body, {"Content-Type": "application/x-www-form-urlencoded"})


def _xlsx_titles(body: bytes) -> set[str]:
    sheet = openpyxl.load_workbook(io.BytesIO(body), read_only=True).active
    return {str(cell) for row in sheet.iter_rows(values_only=True) for cell in row if cell}


@pytest.fixture
def redis_url():
    if not settings.REDIS_URL:
        skip_or_fail("the several-nodes test needs REDIS_URL: the nodes share Redis")
    import redis

    url = re.sub(r"/\d+$", "", settings.REDIS_URL.rstrip("/")) + f"/{REDIS_DB}"
    client = redis.Redis.from_url(url, socket_timeout=5)
    client.flushdb()
    yield url
    client.flushdb()


@pytest.fixture
def bucket(tmp_path):
    """An S3-compatible server (moto's) with an empty private bucket."""
    import boto3
    from botocore.exceptions import BotoCoreError, ClientError

    port = _free_port()
    log = open(tmp_path / "s3.log", "w")  # noqa: SIM115 - closed below
    process = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)], stdout=log, stderr=subprocess.STDOUT
    )
    endpoint = f"http://127.0.0.1:{port}"
    s3 = boto3.client(
        "s3", endpoint_url=endpoint, aws_access_key_id="consult", aws_secret_access_key="consult-secret",
        region_name="us-east-1",
    )
    deadline = time.monotonic() + 30
    while True:
        try:
            s3.create_bucket(Bucket="consult-media")
            break
        except (BotoCoreError, ClientError):
            if process.poll() is not None or time.monotonic() > deadline:
                process.kill()
                pytest.fail(f"the S3 server did not start: {(tmp_path / 's3.log').read_text()}")
            time.sleep(0.2)
    env = {
        "MEDIA_STORAGE": "s3", "S3_BUCKET": "consult-media", "S3_ENDPOINT_URL": endpoint,
        "S3_ACCESS_KEY": "consult", "S3_SECRET_KEY": "consult-secret", "MEDIA_ROOT": str(tmp_path / "no-local-media"),
    }
    yield s3, env
    process.terminate()
    process.wait(timeout=10)
    log.close()


@pytest.fixture
def replica(postgres):
    """A copy of the database standing in for a streaming replica: it does not see what is written afterwards."""
    name = f"{connection.settings_dict['NAME']}_replica_{uuid.uuid4().hex[:6]}"
    primary = connection.settings_dict["NAME"]
    connection.close()
    import psycopg2

    admin = psycopg2.connect(_database_url().rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute(f'CREATE DATABASE "{name}" TEMPLATE "{primary}"')
    yield _database_url().rsplit("/", 1)[0] + f"/{name}"
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture
def postgres(transactional_db):
    if connection.vendor != "postgresql":
        skip_or_fail("the several-nodes test needs a PostgreSQL DATABASE_URL")


def _get(node, path: str, session: str):
    conn = http.client.HTTPConnection("127.0.0.1", node.port, timeout=60)
    try:
        conn.request("GET", path, headers={"Cookie": f"sessionid={session}"})
        response = conn.getresponse()
        return response.status, response.read()
    finally:
        conn.close()


def test_two_nodes_share_forms_photos_lockouts_and_read_exports_from_the_replica(
    postgres, tmp_path, office, town_a, village_a, redis_url, bucket, replica
):
    s3, s3_env = bucket
    replica_url = replica  # copied before anything below: it never sees the resident's topic
    # The nodes run the production password hashers.
    office.password = PBKDF2PasswordHasher().encode(PASSWORD, "twonodessalt")
    office.save(update_fields=["password"])
    common = {"REDIS_URL": redis_url, "TOPIC_SUBMISSIONS_PER_HOUR": "50", **s3_env}
    servers = []
    proxy = None
    try:
        node_a = Server(tmp_path, **common)
        servers.append(node_a)
        node_b = Server(tmp_path, DATABASE_REPLICA_URL=replica_url, **common)
        servers.append(node_b)
        proxy = RoundRobinProxy([node_a.port, node_b.port])
        resident = Browser(proxy.port)

        # The form from one node, the POST (CSRF cookie, one-time key) accepted by the other.
        status, _, html = resident.get("/topics/suggest/")
        assert status == 200
        photo = noise_png(120)
        body, content_type = _multipart(
            {
                "csrfmiddlewaretoken": _token(html, "csrfmiddlewaretoken"),
                "submission_key": _token(html, "submission_key"),
                "title": "两台服务器都要认得",
                "description": "村口到学校的路灯坏了三个月，晚上孩子放学很不安全。",
                "category": "livelihood",
                "town": town_a.pk,
                "village": village_a.pk,
                "name": "李阿姨",
                "phone": "13812345678",
                "consent": "on",
                "website": "",
            },
            {"photos": ("yard.png", photo, "image/png")},
        )
        status, headers, page = resident.request("POST", "/topics/suggest/", body, {"Content-Type": content_type})
        assert status == 302, page[:3000]
        assert set(proxy.served) == {node_a.port, node_b.port}
        topic = Topic.objects.get(title="两台服务器都要认得")
        stored = topic.photos.get()

        # The photo is in the bucket, not on a node's disk, and the other node serves it to the office.
        keys = {item["Key"] for item in s3.list_objects_v2(Bucket="consult-media").get("Contents", [])}
        assert {stored.image.name, stored.thumbnail.name} <= keys
        assert not os.path.exists(s3_env["MEDIA_ROOT"])
        for node in (node_a, node_b):
            staff = node.browser()
            assert _login(staff, office.username, PASSWORD)[0] == 302
            status, _, detail = staff.get(f"/staff/topics/{topic.pk}/")
            assert status == 200 and f"/media/{stored.image.name}" in detail
            session = staff.cookies["sessionid"]
            status, data = _get(node, f"/media/{stored.image.name}", session)
            stored_bytes = s3.get_object(Bucket="consult-media", Key=stored.image.name)["Body"].read()
            assert status == 200 and data == stored_bytes
            # Anyone else gets nothing from either node.
            assert Browser(node.port).get(f"/media/{stored.image.name}")[0] == 404

            # The export on the node with a replica reads the replica (a copy from before the topic came in);
            # the same export on the other node reads the primary. Pages read the primary on both.
            status, workbook = _get(node, "/staff/documents/topics.xlsx", session)
            assert status == 200
            in_export = "两台服务器都要认得" in _xlsx_titles(workbook)
            assert in_export is (node is node_a), f"node {'A' if node is node_a else 'B'} export"

        # Five wrong passwords on node A lock the pair out; node B refuses the right password too.
        intruder_a = node_a.browser()
        for _ in range(5):
            _login(intruder_a, office.username, "wrong-password-1")
        status, _, refused = _login(node_b.browser(), office.username, PASSWORD)
        assert status != 302 and ("锁定" in refused or "locked" in refused.lower()), refused[:2000]
    finally:
        if proxy:
            proxy.stop()
        for server in servers:
            server.stop()
