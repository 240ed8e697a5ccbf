"""Restart PostgreSQL under a running portal and measure what visitors see and how soon it recovers.

    createdb -h 127.0.0.1 -U postgres consult_bench_pgrestart
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/consult_bench_pgrestart \\
        .venv/bin/python bench/pg_restart_check.py [--page /outcomes/] [--workers 2]

RESTARTS THE WHOLE POSTGRESQL CLUSTER (every database on it): run it only when nothing else uses the server.
`--restart-cmd` replaces the restart, e.g. to try the script itself without touching the cluster:

    --restart-cmd "psql -h 127.0.0.1 -U postgres -d consult_bench_pgrestart -c \\"SELECT pg_terminate_backend(pid)
    FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()\\""

What it does, in order:

1. migrates the database;
2. starts gunicorn (`consult_portal.wsgi`, --workers sync workers) with the production settings (DEBUG=0, a
   bench SECRET_KEY, CONN_HEALTH_CHECKS and persistent connections as in production; only the static storage
   is the plain one, so that no collectstatic is needed) on a free port; REDIS_URL is left out (tasks in-process,
   healthz reports the broker "in-process") unless --redis-url is given;
3. two pollers, one on /healthz and one on --page, send a GET every --interval seconds (5 s timeout each)
   for --warmup seconds, then while `pg_ctlcluster --skip-systemctl-redirect <version> main restart` runs
   (the version is the only directory in /etc/postgresql, or --cluster-version), then until both have answered
   200 --stable times in a row (at most --max-wait seconds after the restart command returned);
4. prints per endpoint a Markdown table: the status codes seen before, during and after the restart
   (errors of the client, like a refused connection, by name), the first and last failure, and the time to
   recovery (from the start of the restart to the first 200 after the last failure). It checks that every
   failed page was the Chinese error page without a traceback, that healthz failed with 503, that the same
   gunicorn process served the whole time, and that nothing failed once the endpoints had recovered;
   it exits 1 when one of these checks fails.
"""

import argparse
import http.client
import os
import shlex
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import common  # bench/common.py: a script's own folder is on its path

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-pg-restart-secret-key-not-for-production-0123456789"
ERROR_PAGE_TEXT = "服务暂时不可用"  # templates/500.html
SERVER_SETTINGS = """
from consult_portal.settings import *  # noqa: F403
from consult_portal.settings import STORAGES

STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
"""


@dataclass
class Sample:
    at: float  # seconds since the poller started
    status: str  # "200", "500", "503", or the client's error (ConnectionRefusedError, timeout, ...)
    bad_body: bool = False  # a failure that shows a traceback, or not the Chinese error page


@dataclass
class Poller:
    path: str
    port: int
    interval: float
    samples: list[Sample] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)

    def run(self, origin: float) -> None:
        while not self.stop.is_set():
            started = time.monotonic()
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                conn.request("GET", self.path, headers={"Accept-Language": "zh-CN"})
                response = conn.getresponse()
                body = response.read().decode("utf-8", "replace")
                conn.close()
                status = str(response.status)
                bad = response.status >= 500 and (
                    "Traceback" in body or (self.path != "/healthz" and ERROR_PAGE_TEXT not in body)
                )
            except (OSError, http.client.HTTPException) as exc:
                status, bad = type(exc).__name__, False
            self.samples.append(Sample(started - origin, status, bad))
            self.stop.wait(max(0.0, self.interval - (time.monotonic() - started)))

    def stable(self, since: float, count: int) -> bool:
        recent = [s for s in self.samples if s.at >= since][-count:]
        return len(recent) == count and all(s.status == "200" for s in recent)


def restart_command(args) -> list[str]:
    if args.restart_cmd:
        return shlex.split(args.restart_cmd)
    version = args.cluster_version
    if not version:
        versions = sorted(os.listdir("/etc/postgresql"))
        if len(versions) != 1:
            sys.exit(f"/etc/postgresql holds {versions}: choose one with --cluster-version")
        version = versions[0]
    return ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"]


def report(poller: Poller, restart_start: float, restart_end: float) -> tuple[str, list[str]]:
    problems = []
    phases = Counter()
    for sample in poller.samples:
        phase = "before" if sample.at < restart_start else "during" if sample.at <= restart_end else "after"
        phases[(phase, sample.status)] += 1
    failures = [s for s in poller.samples if s.status != "200" and s.at >= restart_start]
    before_failures = [s for s in poller.samples if s.status != "200" and s.at < restart_start]
    if before_failures:
        problems.append(f"{poller.path}: {len(before_failures)} failures before the restart")
    last_failure = failures[-1].at if failures else None
    recovered = next((s.at for s in poller.samples if last_failure is not None and s.at > last_failure), None)
    if failures and recovered is None:
        problems.append(f"{poller.path}: never answered 200 again")
    if any(s.bad_body for s in failures):
        problems.append(f"{poller.path}: a failure showed a traceback or not the Chinese error page")
    if poller.path == "/healthz" and any(s.status.isdigit() and s.status not in ("200", "503") for s in failures):
        problems.append("/healthz answered something else than 200 or 503")

    def seen(phase):
        return ", ".join(f"{status} x{n}" for (p, status), n in sorted(phases.items()) if p == phase) or "-"

    if not failures:
        first = last = "-"
        recovery = "no failure"
    else:
        first, last = f"{failures[0].at - restart_start:+.2f} s", f"{last_failure - restart_start:+.2f} s"
        recovery = f"{recovered - restart_start:.2f} s" if recovered is not None else "never"
    line = (
        f"| `{poller.path}` | {seen('before')} | {seen('during')} | {seen('after')} | {first} | {last} | {recovery} |"
    )
    return line, problems


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--redis-url", default="")
    parser.add_argument("--page", default="/outcomes/", help="a public page that reads the database")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--interval", type=float, default=0.1)
    parser.add_argument("--warmup", type=float, default=3.0)
    parser.add_argument("--stable", type=int, default=20, help="200s in a row that count as recovered")
    parser.add_argument("--max-wait", type=float, default=60.0)
    parser.add_argument("--cluster-version", default="")
    parser.add_argument("--restart-cmd", default="", help="instead of pg_ctlcluster ... restart")
    args = parser.parse_args()
    if not args.database_url.startswith("postgres"):
        sys.exit("DATABASE_URL (or --database-url) must point at a PostgreSQL database.")
    command = restart_command(args)

    work = Path(tempfile.mkdtemp(prefix="pg-restart-"))
    (work / "pg_restart_settings.py").write_text(SERVER_SETTINGS)
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DJANGO_SETTINGS_MODULE")}
    env.update(
        PYTHONPATH=f"{work}{os.pathsep}{ROOT}",
        DJANGO_SETTINGS_MODULE="pg_restart_settings",
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        DATABASE_URL=args.database_url,
        LOG_LEVEL="WARNING",
    )
    if args.redis_url:
        env["REDIS_URL"] = args.redis_url
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--noinput"], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )

    port = common.free_port()
    log = work / "gunicorn.log"
    with open(log, "w") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "consult_portal.wsgi:application"]
            + ["--bind", f"127.0.0.1:{port}", "--workers", str(args.workers), "--timeout", "30"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/healthz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                sys.exit(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.2)

        origin = time.monotonic()
        pollers = [Poller("/healthz", port, args.interval), Poller(args.page, port, args.interval)]
        threads = [threading.Thread(target=p.run, args=(origin,), daemon=True) for p in pollers]
        for thread in threads:
            thread.start()
        time.sleep(args.warmup)
        restart_start = time.monotonic() - origin
        result = subprocess.run(command, capture_output=True, text=True)
        restart_end = time.monotonic() - origin
        deadline = time.monotonic() + args.max_wait
        while time.monotonic() < deadline and not all(p.stable(restart_end, args.stable) for p in pollers):
            time.sleep(0.2)
        for poller in pollers:
            poller.stop.set()
        for thread in threads:
            thread.join(timeout=10)
        alive = server.poll() is None
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()

    print(
        f"Restart command: `{shlex.join(command)}` (exit {result.returncode}), took {restart_end - restart_start:.2f} s"
    )
    if result.returncode:
        print(f"```\n{result.stdout}{result.stderr}```")
    print(f"gunicorn {args.workers} sync workers, polling every {args.interval} s; times are from the restart start")
    print()
    print(
        "| endpoint | before the restart | during the restart command | after it | first failure | last failure |"
        " recovered (first 200 after the last failure) |"
    )
    print("|---|---|---|---|---:|---:|---:|")
    problems = [] if result.returncode == 0 else ["the restart command failed"]
    for poller in pollers:
        line, found = report(poller, restart_start, restart_end)
        print(line)
        problems += found
        if not poller.stable(restart_end, args.stable):
            problems.append(f"{poller.path}: not {args.stable} x 200 in a row within {args.max_wait} s")
    if not alive:
        problems.append("the gunicorn master exited during the check (it should have served throughout)")
    tracebacks = log.read_text().count("Traceback")
    print()
    print(f"gunicorn served throughout: {alive}; tracebacks in the server log (not shown to visitors): {tracebacks}")
    return common.verdict(problems, prefix="PROBLEM: ")


if __name__ == "__main__":
    sys.exit(main())
