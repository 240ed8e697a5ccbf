import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Runs /healthz in one fresh process, against real outages: first a PostgreSQL nobody listens for (port 9), then,
# with the connection swapped for an SQLite file, without a broker and with a broker nobody listens for.
PROBE = """
import json, sys
import django
django.setup()
from django.db import connections
from django.db.utils import load_backend
from django.test import Client
from django.test.utils import override_settings, setup_test_environment
setup_test_environment()

def probe():
    response = Client().get("/healthz")
    return {"status": response.status_code, "body": response.json()}

results = {"database_down": probe()}
settings_dict = dict(connections.settings["default"], ENGINE="django.db.backends.sqlite3", NAME=sys.argv[1], OPTIONS={})
connections["default"].close()
connections["default"] = load_backend(settings_dict["ENGINE"]).DatabaseWrapper(settings_dict, "default")
with override_settings(REDIS_URL=None):
    results["in_process"] = probe()
with override_settings(REDIS_URL="redis://127.0.0.1:9/0"):
    results["broker_down"] = probe()
print(json.dumps(results))
"""


@pytest.fixture(scope="module")
def probes(tmp_path_factory) -> dict:
    environment = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    environment.update(DJANGO_SETTINGS_MODULE="tests.settings", DATABASE_URL="postgres://postgres@127.0.0.1:9/nothing")
    database = tmp_path_factory.mktemp("healthz") / "h.sqlite3"
    result = subprocess.run(
        [sys.executable, "-c", PROBE, str(database)],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_reports_healthy(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_answers_503_when_the_database_is_unreachable(probes):
    assert probes["database_down"]["status"] == 503
    assert probes["database_down"]["body"]["database"] == "down"


def test_it_reports_the_broker_down_without_failing(probes):
    down = probes["broker_down"]
    assert (down["status"], down["body"]["database"], down["body"]["broker"]) == (200, "ok", "down")


def test_it_reports_tasks_in_process_without_redis(probes):
    assert probes["in_process"]["body"]["broker"] == "in-process"
