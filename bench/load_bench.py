"""Load test of the public topic form (群众出题) against gunicorn + PostgreSQL, with the rate limit raised and on.

    createdb -h 127.0.0.1 -U postgres consult_bench_load
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/consult_bench_load REDIS_URL=redis://127.0.0.1:6379/6 \\
        .venv/bin/python bench/load_bench.py [--requests 2000] [--clients 50] [--workers N] [--addresses N] \
        [--only raised|limited]

    # several clients behind one address at once (the rate limit's race): 10 concurrent clients per address
    ... bench/load_bench.py --only limited --addresses 5 --requests 500

What it does, in order:

1. migrates the database and collects the static files into a temporary STATIC_ROOT (production settings use
   the manifest storage), then makes sure a bench town and village exist;
2. run "limit raised": starts gunicorn (`consult_portal.wsgi`, --workers sync workers, default 2 x CPUs + 1) with
   the production settings (DEBUG=0, a bench SECRET_KEY, HTTP cookies, USE_X_FORWARDED_FOR=1) on a free port,
   with TOPIC_SUBMISSIONS_PER_HOUR=1000000 in its environment;
3. --clients threads share --requests submissions. Each submission is what a browser does: GET
   /topics/suggest/ (CSRF cookie and token, the one-time submission_key), then POST the form. Every title
   carries a unique marker (LB<run id>-<run>-<n>); half the residents leave a phone number, so half the
   submissions also write an SMS to the outbox and publish a Celery message (to a queue of its own, deleted
   afterwards). Each client stands for one address (X-Forwarded-For, as the reverse proxy sets it; --addresses
   fewer than --clients makes clients share addresses, concurrently);
4. run "limit on": the same with the default TOPIC_SUBMISSIONS_PER_HOUR (5), after the rate-limit counters of
   the bench addresses are cleared;
5. checks each run against the database (counted by marker): every accepted submission (302 to its receipt)
   is there exactly once, nothing else is (no refused or failed submission saved), no 5xx, every refusal is a
   429 with the rate-limit message, and with the limit on no address got more than the limit accepted;
6. prints a Markdown table (requests, accepted, refused, errors, p50/p95 latency of the POST, throughput in
   submissions per second of wall time, GET and POST included) and exits 1 if a check failed.

The rate limit counts in the cache, which must be shared by the gunicorn workers: REDIS_URL is required.
Use a database of its own: every run adds its submissions.
"""

import argparse
import http.client
import os
import queue
import re
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode

import common  # bench/common.py: a script's own folder is on its path

ROOT = Path(__file__).resolve().parent.parent
SECRET_KEY = "bench-load-secret-key-not-for-production-0123456789abcdef"
RAISED_LIMIT = 1_000_000
DEFAULT_LIMIT = 5  # the settings' default of TOPIC_SUBMISSIONS_PER_HOUR
# The message of a refusal, as the Chinese page shows it (topics.views.public.suggest, locale zh_Hans).
RATE_LIMIT_MESSAGE = "过去一小时内从该网络提交的议题过多"
RATE_LIMIT_MESSAGE_EN = "Too many topics have been sent from this network in the last hour"
CSRF = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')
KEY = re.compile(r'name="submission_key" value="([^"]+)"')


def base_env(args, queue_name: str | None, static_root: str) -> dict:
    """The production settings for a gunicorn on loopback over plain HTTP; tasks on `queue_name` when given."""
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    env.update(
        DJANGO_SETTINGS_MODULE="consult_portal.settings",
        DEBUG="0",
        SECRET_KEY=SECRET_KEY,
        ALLOWED_HOSTS="127.0.0.1",
        SECURE_SSL_REDIRECT="0",
        SESSION_COOKIE_SECURE="0",
        CSRF_COOKIE_SECURE="0",
        SECURE_HSTS_SECONDS="0",
        USE_X_FORWARDED_FOR="1",
        DATABASE_URL=args.database_url,
        REDIS_URL=args.redis_url,
        STATIC_ROOT=static_root,
        LOG_LEVEL="WARNING",
    )
    if queue_name:
        env["CELERY_QUEUE"] = queue_name
    return env


def manage(env: dict, *command: str) -> None:
    subprocess.run([sys.executable, "manage.py", *command], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL)


class Gunicorn:
    def __init__(self, env: dict, workers: int, log: Path, app: str = "consult_portal.wsgi:application"):
        self.port = common.free_port()
        self.log = log
        with open(log, "w") as out:
            self.process = subprocess.Popen(
                [
                    sys.executable,
                    "-m",
                    "gunicorn",
                    app,
                    "--bind",
                    f"127.0.0.1:{self.port}",
                    "--workers",
                    str(workers),
                    "--backlog",
                    "2048",
                    "--timeout",
                    "60",
                ],
                cwd=ROOT,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 60
        while True:
            try:
                if Browser(self.port, "127.0.0.1").request("GET", "/healthz")[0] == 200:
                    break
            except OSError:
                pass
            if self.process.poll() is not None or time.monotonic() > deadline:
                self.stop()
                sys.exit(f"gunicorn did not start:\n{log.read_text()}")
            time.sleep(0.2)

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()


class Browser:
    """One resident's browser: its own cookies, one address, a new connection per request (gunicorn's sync
    workers close them anyway)."""

    def __init__(self, port: int, address: str):
        self.port, self.address, self.cookies = port, address, {}

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        headers = {"Accept-Language": "zh-CN,zh;q=0.9", "X-Forwarded-For": self.address, **(headers or {})}
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


@dataclass
class Outcome:
    title: str
    address: str
    kind: str  # accepted, refused, error
    status: int
    latency: float  # the POST, seconds
    detail: str = ""


@dataclass
class Run:
    name: str
    limit: int
    marker: str
    wall: float = 0.0
    outcomes: list[Outcome] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    saved: int = 0
    max_per_address: int = 0
    sms: str = ""


def submit(browser: Browser, title: str, n: int, town_id: int, village_id: int) -> Outcome:
    try:
        status, _, html = browser.request("GET", "/topics/suggest/")
        if status != 200:
            return Outcome(title, browser.address, "error", status, 0.0, f"GET {status}")
        token, key = CSRF.search(html), KEY.search(html)
        if not token or not key:
            return Outcome(title, browser.address, "error", status, 0.0, "GET without token or key")
        data = {
            "csrfmiddlewaretoken": token.group(1),
            "submission_key": key.group(1),
            "title": title,
            "description": f"压力测试第 {n} 条:村口路灯坏了三个月,晚上孩子放学很不安全。",
            "category": "livelihood",
            "town": town_id,
            "village": village_id,
            "name": "压测居民",
            "phone": f"138{n % 10**8:08d}" if n % 2 else "",
            "consent": "on" if n % 2 else "",
            "website": "",
        }
        body = urlencode(data).encode()
        started = time.perf_counter()
        status, headers, html = browser.request(
            "POST", "/topics/suggest/", body, {"Content-Type": "application/x-www-form-urlencoded"}
        )
        latency = time.perf_counter() - started
    except (OSError, http.client.HTTPException) as exc:
        return Outcome(title, browser.address, "error", 0, 0.0, f"{type(exc).__name__}: {exc}")
    if status == 302 and headers.get("Location", "").startswith("/topics/receipt/"):
        return Outcome(title, browser.address, "accepted", status, latency)
    if status == 429 and (RATE_LIMIT_MESSAGE in html or RATE_LIMIT_MESSAGE_EN in html):
        return Outcome(title, browser.address, "refused", status, latency)
    snippet = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))[:200]
    return Outcome(title, browser.address, "error", status, latency, snippet)


def run_clients(run: Run, port: int, args, town_id: int, village_id: int) -> None:
    jobs: queue.Queue[int] = queue.Queue()
    for n in range(args.requests):
        jobs.put(n)
    lock = threading.Lock()

    def client(index: int) -> None:
        browser = Browser(port, f"10.77.{index % args.addresses // 250}.{index % args.addresses % 250 + 1}")
        while True:
            try:
                n = jobs.get_nowait()
            except queue.Empty:
                return
            outcome = submit(browser, f"{run.marker}-{n:05d} 村口路灯坏了", n, town_id, village_id)
            with lock:
                run.outcomes.append(outcome)

    threads = [threading.Thread(target=client, args=(i,)) for i in range(args.clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    run.wall = time.perf_counter() - started


def check(run: Run) -> None:
    from consult_portal.models import Notification
    from topics.models import Topic

    saved = Counter(Topic.objects.filter(title__startswith=f"{run.marker}-").values_list("title", flat=True))
    accepted = {o.title for o in run.outcomes if o.kind == "accepted"}
    not_accepted = {o.title for o in run.outcomes if o.kind != "accepted"}
    lost = accepted - saved.keys()
    twice = {title: count for title, count in saved.items() if count > 1}
    unexpected = saved.keys() - accepted
    if lost:
        run.problems.append(f"{len(lost)} accepted submissions are not in the database, e.g. {sorted(lost)[:3]}")
    if twice:
        run.problems.append(f"{len(twice)} submissions are saved more than once, e.g. {list(twice.items())[:3]}")
    if unexpected:
        refused_saved = unexpected & not_accepted
        run.problems.append(
            f"{len(unexpected)} saved submissions were not answered as accepted ({len(refused_saved)} refused or "
            f"failed), e.g. {sorted(unexpected)[:3]}"
        )
    server_errors = [o for o in run.outcomes if o.status >= 500]
    if server_errors:
        run.problems.append(f"{len(server_errors)} answers were 5xx")
    errors = Counter((o.status, o.detail[:80]) for o in run.outcomes if o.kind == "error")
    for (status, detail), count in errors.most_common(5):
        run.problems.append(f"{count} x error {status}: {detail}")
    per_address = Counter(o.address for o in run.outcomes if o.kind == "accepted")
    if per_address and max(per_address.values()) > run.limit:
        over = {a: c for a, c in per_address.items() if c > run.limit}
        run.problems.append(
            f"{len(over)} addresses got more than {run.limit} submissions accepted (max {max(over.values())})"
        )
    run.saved = sum(saved.values())
    run.max_per_address = max(per_address.values()) if per_address else 0
    # Each saved submission with a phone wrote exactly one SMS to the outbox, in the same transaction.
    with_phone = Topic.objects.filter(title__startswith=f"{run.marker}-").exclude(submitter_phone="")
    sms = Notification.objects.filter(kind="topic_received", object_id__in=with_phone.values("pk")).count()
    run.sms = f"{sms:,} SMS rows in the outbox for {with_phone.count():,} saved submissions with a phone"
    if sms != with_phone.count():
        run.problems.append(run.sms)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return 0.0
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def table(runs: list[Run]) -> str:
    lines = [
        "| run | limit/h per address | requests | accepted | refused | errors | saved in DB | max accepted per "
        "address | p50 POST ms | p95 POST ms | throughput (submissions/s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        kinds = Counter(o.kind for o in run.outcomes)
        latencies = [o.latency * 1000 for o in run.outcomes if o.latency]
        lines.append(
            f"| {run.name} | {run.limit:,} | {len(run.outcomes):,} | {kinds['accepted']:,} | {kinds['refused']:,} | "
            f"{kinds['error']:,} | {run.saved:,} | {run.max_per_address} | {percentile(latencies, 50):.0f} | "
            f"{percentile(latencies, 95):.0f} | {len(run.outcomes) / run.wall:.1f} |"
        )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--addresses", type=int, default=0, help="distinct client addresses (default: --clients)")
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--only", choices=["raised", "limited"], help="run one of the two runs")
    args = parser.parse_args()
    args.addresses = args.addresses or args.clients
    if not args.database_url.startswith("postgres"):
        sys.exit("DATABASE_URL (or --database-url) must point at a PostgreSQL database of its own.")
    if not args.redis_url:
        sys.exit("REDIS_URL is required: the gunicorn workers must share the rate limit's counters.")

    load_at_start = os.getloadavg()[0]
    queue_name = f"bench-load-{uuid.uuid4().hex[:8]}"
    work = Path(tempfile.mkdtemp(prefix="load-bench-"))
    env = base_env(args, queue_name, str(work / "static"))
    county, town, village = common.serve_setup(env, manage)
    from django.core.cache import cache
    from django.db import connection

    from consult_portal import ratelimit
    from topics.views.public import RATE_SCOPE

    run_id = uuid.uuid4().hex[:6]
    plans = [("limit raised", RAISED_LIMIT), ("limit on (default)", DEFAULT_LIMIT)]
    if args.only:
        plans = [plans[0 if args.only == "raised" else 1]]
    runs = []
    try:
        for name, limit in plans:
            run = Run(name, limit, f"LB{run_id}-{'R' if limit == RAISED_LIMIT else 'L'}")
            addresses = {f"10.77.{i // 250}.{i % 250 + 1}" for i in range(args.addresses)}
            cache.delete_many([ratelimit._key(RATE_SCOPE, a) for a in addresses])
            server = Gunicorn(
                {**env, "TOPIC_SUBMISSIONS_PER_HOUR": str(limit)}, args.workers, work / f"gunicorn-{limit}.log"
            )
            try:
                run_clients(run, server.port, args, town.pk, village.pk)
            finally:
                server.stop()
            connection.close()
            check(run)
            log = (work / f"gunicorn-{limit}.log").read_text()
            if "Traceback" in log:
                run.problems.append(f"gunicorn logged a traceback: see {work / f'gunicorn-{limit}.log'}")
            runs.append(run)
            print(f"{name}: done in {run.wall:.1f} s", file=sys.stderr)
    finally:
        import redis

        client = redis.Redis.from_url(args.redis_url)
        client.delete(queue_name, *client.keys(f"_kombu.binding*.{queue_name}"))
        # The limit-on run's counters expire after the hour anyway; the bench addresses are its own.
        client.delete(*client.keys(":1:ratelimit:topic-submit:10.77.*"), "nonexistent-key")

    pg_version = connection.cursor().connection.server_version
    print()
    print(
        f"{args.requests:,} submissions per run from {args.clients} concurrent clients ({args.addresses} addresses), "
        f"gunicorn {args.workers} sync workers, PostgreSQL {pg_version // 10000}.{pg_version % 10000}, "
        f"{os.cpu_count()} CPUs, load average at start {load_at_start:.1f} / at end {os.getloadavg()[0]:.1f}, "
        f"run id {run_id}"
    )
    print()
    print(table(runs))
    print()
    for run in runs:
        print(f"- {run.name}: {run.sms}")
    print()
    failed = False
    for run in runs:
        for problem in run.problems:
            failed = True
            print(f"- {run.name}: {problem}")
    print("All checks passed." if not failed else "Some checks FAILED.")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
