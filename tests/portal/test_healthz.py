import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

# Runs /healthz in a fresh process, against whatever the environment points at.
PROBE = """
import django, json
django.setup()
from django.test.utils import setup_test_environment
setup_test_environment()
from django.test import Client
response = Client().get("/healthz")
print(json.dumps({"status": response.status_code, "body": response.json()}))
"""


def _probe(**env) -> dict:
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "tests.settings", **env}
    result = subprocess.run(
        [sys.executable, "-c", PROBE], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_it_reports_healthy(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json()["database"] == "ok"
    assert response["Cache-Control"].startswith("max-age=0")


def test_it_answers_503_when_the_database_is_unreachable():
    # Nothing listens on port 9: the database is really down for this process.
    result = _probe(DATABASE_URL="postgres://postgres@127.0.0.1:9/nothing")
    assert result["status"] == 503
    assert result["body"]["database"] == "down"


def test_it_reports_the_broker_down_without_failing(tmp_path):
    result = _probe(DATABASE_URL=f"sqlite:///{tmp_path / 'h.sqlite3'}", REDIS_URL="redis://127.0.0.1:9/0")
    assert result["status"] == 200
    assert result["body"] == {"database": "ok", "broker": "down"}


def test_it_reports_tasks_in_process_without_redis(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "REDIS_URL"}
    env.update(DJANGO_SETTINGS_MODULE="tests.settings", DATABASE_URL=f"sqlite:///{tmp_path / 'h.sqlite3'}")
    result = subprocess.run([sys.executable, "-c", PROBE], cwd=ROOT, env=env, capture_output=True, text=True)
    assert json.loads(result.stdout.strip().splitlines()[-1])["body"]["broker"] == "in-process"
