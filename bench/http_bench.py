"""Every page over HTTP at 100 times the seed district, against a bare Django view in the same run (issue #17).

    .venv/bin/python bench/http_bench.py [--database-url postgres://postgres@127.0.0.1:5432/consult_http_bench]
        [--seed 17] [--rebuild] [--requests 30] [--warmup 3] [--connections 8] [--seconds 3] [--workers 2]
        [--client auto|wrk|python] [--only TEXT] [--quick]

What it does, in order:

1. makes its databases when they are missing (`--rebuild` drops them first): the bench database (default
   consult_http_bench; --quick: consult_http_bench_quick) and beside it consult_http_bench_demo, the demo county
   alone (seed_demo: the small data of the query counts); migrates both;
2. builds bench/http_data.py's data set (100,000 topics, 20,000 meetings with 220,000 participants, 50,000 outcome
   items with 250,000 history lines, 220,000 satisfaction responses, 2,000 members, 100,000 audit entries) from
   `random.Random(--seed)` into the bench database, unless its marker table says the build is there; --quick builds
   a hundredth of it;
3. counts the SQL queries of every page in-process (django.test.Client, CaptureQueriesContext, the request after a
   warm-up one) against the demo database (in a subprocess) and the bench database;
4. collects the static files into a temporary STATIC_ROOT and starts gunicorn (`--workers` sync workers) on a free
   loopback port with the production settings and bench/load_bench.py's environment (DEBUG=0, a bench SECRET_KEY,
   ALLOWED_HOSTS=127.0.0.1, HTTP cookies, no SSL redirect), serving bench/bare_wsgi.py: the portal with
   ROOT_URLCONF=bench.bare_urls, its routes plus /bench/bare/ (one one-row query, a small template, the session).
   TRACKING_LOOKUPS_PER_HOUR is raised: the bench times the tracking page, not its limit;
5. logs in through the login form (its CSRF token; django-axes is on) as office, town (liaison staff of the first
   town), member and unit, each from an address of its own;
6. for each page and role, one after the other: with one client, --warmup then --requests requests of the page, each
   followed by one of the bare view with the same cookies (p50 and p95 of both); then the requests per second at
   --connections connections for --seconds (a slow page for long enough to answer two requests a connection, at
   most a minute), the page and then the bare view back to back (wrk when it is installed, else a bounded pool of
   http.client threads, at most --rate-requests requests; after wrk, the server's queue is let drain), and their
   ratio;
7. prints a Markdown table, the machine and the data, and exits 1 when a request did not answer 200.

The goals of issue #17 are marked in the last column: p95 at most 50 ms with one client, and at least 50 % of the
bare view's requests per second for the public pages, 20 % for the others.
"""

import argparse
import http.client
import itertools
import json
import math
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from urllib.parse import quote, urlencode

import common  # bench/common.py: a script's own folder is on its path
import http_data
import load_bench
import topics_bench

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgres://postgres@127.0.0.1:5432/consult_http_bench"
DEMO_DATABASE = "consult_http_bench_demo"
BARE = "/bench/bare/"
ROLES = {"public": "public", "office": "office", "town": "town staff", "member": "member", "unit": "unit"}
ADDRESSES = {role: f"10.99.0.{n}" for n, role in enumerate(ROLES, start=1)}
P95_GOAL_MS = 50
MAX_RATE_SECONDS = 60
RATE_GOAL = {"public": 0.5}  # of the bare view's requests per second; 0.2 for the others
SEARCH_WORD = topics_bench.SEARCH_WORD


@dataclass
class Page:
    name: str
    role: str
    path: str
    times: list = field(default_factory=list)
    bare_times: list = field(default_factory=list)
    rate: float = 0.0
    seconds: int = 0
    bare_rate: float = 0.0
    error: str = ""
    queries: dict = field(default_factory=dict)

    @property
    def key(self) -> str:
        return f"{self.role}: {self.name}"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help=f"the bench database (default {DEFAULT_URL}, --quick: …_quick)")
    parser.add_argument("--seed", type=int, default=17, help="of the data set's random stream (default 17)")
    parser.add_argument("--rebuild", action="store_true", help="drop the bench and demo databases and build again")
    parser.add_argument("--requests", type=int, help="timed one-client requests per page (default 30, --quick 2)")
    parser.add_argument("--warmup", type=int, help="one-client requests before those (default 3, --quick 0)")
    parser.add_argument("--connections", type=int, default=8, help="for the requests per second (default 8)")
    parser.add_argument("--seconds", type=int, help="of each requests-per-second run (default 3, --quick 1)")
    parser.add_argument("--rate-requests", type=int, help="at most, per run of the thread pool (default 2000)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers (default 2)")
    parser.add_argument("--client", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""), help="the cache (default: none)")
    parser.add_argument("--only", default="", help="only the pages whose 'role: name' contains this")
    parser.add_argument("--quick", action="store_true", help="a smoke run: 1/100 of the data, few requests")
    parser.add_argument("--count-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    quick = args.quick
    args.scale = 0.01 if quick else 1.0
    args.database_url = args.database_url or (DEFAULT_URL + "_quick" if quick else DEFAULT_URL)
    args.requests = args.requests or (2 if quick else 30)
    args.warmup = args.warmup if args.warmup is not None else (0 if quick else 3)
    args.seconds = args.seconds or (1 if quick else 3)
    args.rate_requests = args.rate_requests or (8 if quick else 2000)
    if args.client == "auto":
        args.client = "wrk" if shutil.which("wrk") and not quick else "python"
    return args


# -- the pages -------------------------------------------------------------------------------------


def pages() -> list[Page]:
    """Every row of the table, with the objects it shows picked from the database it runs against."""
    from django.db.models import Count
    from django.utils import timezone

    from consult_portal.models import User
    from outcomes.models import OutcomeItem
    from sessions.selectors_public import public_meetings
    from topics.models import ConsultationPlan, Topic

    year = timezone.localdate().year
    town = User.objects.get(username="town").town_id
    in_town = Topic.objects.filter(town_id=town).annotate(n=Count("events")).order_by("-n", "pk")
    code = in_town.values_list("tracking_code", flat=True)[0]
    plan = ConsultationPlan.objects.filter(status="published").order_by("-year").values_list("year", flat=True)[0]
    meeting = public_meetings().filter(status="recorded").order_by("-starts_at", "pk").values_list("pk", flat=True)[0]
    published = OutcomeItem.objects.filter(published_at__isnull=False).annotate(n=Count("responses"))
    item = published.order_by("-n", "pk").values_list("pk", flat=True)[0]
    filtered = urlencode({"status": "concluded", "town": town, "year": year - 1})
    rows = [
        Page("home", "public", "/"),
        Page("suggest form", "public", "/topics/suggest/"),
        Page("track page", "public", f"/topics/track/{code}/"),
        Page(f"plan {plan}", "public", f"/topics/plan/{plan}/"),
        Page("meetings", "public", "/meetings/"),
        Page("meetings feed.ics", "public", "/meetings/feed.ics"),
        Page("a meeting", "public", f"/meetings/{meeting}/"),
        Page("outcomes", "public", "/outcomes/"),
        Page("an outcome", "public", f"/outcomes/{item}/"),
        Page("stats", "public", "/stats/"),
        Page(f"stats {year}.csv", "public", f"/stats/{year}.csv"),
    ]
    staff = [
        ("staff home", "/staff/"),
        ("dashboard", "/staff/dashboard/"),
        ("topics", "/staff/topics/"),
        ("topics ?page=2000", "/staff/topics/?page=2000"),
        ("topics filtered", f"/staff/topics/?{filtered}"),
        (f"topics searched ({SEARCH_WORD})", f"/staff/topics/?q={quote(SEARCH_WORD)}"),
        ("meetings", "/staff/meetings/"),
        ("platforms", "/staff/platforms/"),
        ("coverage", "/staff/coverage/"),
        ("members", "/staff/members/"),
        ("member coverage", "/staff/members/coverage/"),
        ("outcomes", "/staff/outcomes/"),
        ("assessment", "/staff/assessment/"),
        ("performance", "/staff/members/performance/"),
    ]
    rows += [Page(name, role, path) for role in ("office", "town") for name, path in staff]
    rows += [Page("workspace", "member", "/members/me/"), Page("items", "unit", "/unit/items/")]
    return rows


def count_queries(rows: list[Page]) -> dict:
    """The SQL queries of each page, in-process through the test client (the request after a warm-up one)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from consult_portal.models import User

    clients, found = {}, {}
    for page in rows:
        if page.role not in clients:
            clients[page.role] = Client()
            if page.role != "public":
                clients[page.role].force_login(User.objects.get(username=page.role))
        client = clients[page.role]
        client.get(page.path)
        with CaptureQueriesContext(connection) as captured:
            response = client.get(page.path)
        found[page.key] = len(captured) if response.status_code == 200 else f"HTTP {response.status_code}"
    return found


def start_demo_counts(args, work: Path) -> tuple[subprocess.Popen, Path]:
    """count_queries against the demo database, in a process of its own (it runs while this one builds)."""
    url = http_data.with_database(args.database_url, DEMO_DATABASE)
    command = [sys.executable, __file__, "--count-only", "--database-url", url, "--only", args.only]
    out = work / "demo-counts.log"
    with open(out, "w") as log:
        process = subprocess.Popen(command, env={**os.environ, "DATABASE_URL": url}, stdout=log, stderr=log)
    return process, out


def demo_counts(process: subprocess.Popen, out: Path) -> dict:
    if process.wait(timeout=600) != 0:
        sys.exit(f"Counting the queries on the demo database failed:\n{out.read_text()}")
    return json.loads(out.read_text().strip().splitlines()[-1])


# -- over HTTP -------------------------------------------------------------------------------------


def serve(args, work: Path) -> load_bench.Gunicorn:
    names = SimpleNamespace(database_url=args.database_url, redis_url=args.redis_url)
    env = load_bench.base_env(names, f"bench-http-{uuid.uuid4().hex[:8]}", str(work / "static"))
    env.update(ROOT_URLCONF="bench.bare_urls", TRACKING_LOOKUPS_PER_HOUR="1000000", USE_X_FORWARDED_FOR="1")
    load_bench.manage(env, "collectstatic", "--noinput")
    return load_bench.Gunicorn(env, args.workers, work / "gunicorn.log", app="bench.bare_wsgi:application")


def login(port: int, role: str, password: str) -> load_bench.Browser:
    """The login form as a browser fills it: GET for the CSRF cookie and token, POST, a 302 and a session."""
    browser = load_bench.Browser(port, ADDRESSES[role])
    if role == "public":
        return browser
    status, _, html = browser.request("GET", "/accounts/login/")
    token = load_bench.CSRF.search(html)
    if status != 200 or not token:
        sys.exit(f"The login form answered {status} without a CSRF token.")
    body = urlencode({"csrfmiddlewaretoken": token.group(1), "username": role, "password": password, "next": "/"})
    status, headers, _ = browser.request(
        "POST", "/accounts/login/", body.encode(), {"Content-Type": "application/x-www-form-urlencoded"}
    )
    if status != 302 or "sessionid" not in browser.cookies:
        sys.exit(f"{role} could not log in: HTTP {status} {headers.get('Location', '')}")
    return browser


def one_client(browser: load_bench.Browser, page: Page, args) -> None:
    """The page and the bare view in turn, with the same cookies: warm-up, then timed."""
    for n in range(args.warmup + args.requests):
        pair = []
        for path in (page.path, BARE):
            started = time.perf_counter()
            try:
                status = browser.request("GET", path)[0]
            except (OSError, http.client.HTTPException) as exc:
                status = f"{type(exc).__name__}: {exc}"
            pair.append((time.perf_counter() - started) * 1000)
            if status != 200:
                page.error = f"{path} answered {status}"
                return
        if n >= args.warmup:
            page.times.append(pair[0])
            page.bare_times.append(pair[1])


def wrk_rate(browser: load_bench.Browser, path: str, args, seconds: int) -> tuple[float, int]:
    headers = {"Accept-Language": "zh-CN,zh;q=0.9", "X-Forwarded-For": browser.address}
    if browser.cookies:
        headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in browser.cookies.items())
    command = ["wrk", "-t1", f"-c{args.connections}", f"-d{seconds}s", "--timeout", "60s"]
    command += [a for name, value in headers.items() for a in ("-H", f"{name}: {value}")]
    done = subprocess.run(
        [*command, f"http://127.0.0.1:{browser.port}{path}"], capture_output=True, text=True, timeout=seconds + 90
    )
    rate = re.search(r"Requests/sec:\s+([\d.]+)", done.stdout)
    if done.returncode != 0 or not rate:
        return 0.0, -1
    failed = sum(int(n) for n in re.findall(r"(?:Non-2xx or 3xx responses|timeout):? (\d+)", done.stdout))
    return float(rate.group(1)), failed


def pool_rate(browser: load_bench.Browser, path: str, args, seconds: float, limit: int = 0) -> tuple[float, int]:
    """--connections threads, each one request at a time, for `seconds` or --rate-requests requests in all."""
    deadline = time.monotonic() + seconds
    issued, statuses = itertools.count(), []

    def client() -> None:
        while time.monotonic() < deadline and next(issued) < (limit or args.rate_requests):
            try:
                statuses.append(browser.request("GET", path)[0])
            except (OSError, http.client.HTTPException):
                statuses.append(0)

    threads = [threading.Thread(target=client) for _ in range(args.connections)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(statuses) / (time.perf_counter() - started), sum(s != 200 for s in statuses)


def drain(browser: load_bench.Browser, args) -> None:
    """wrk leaves the requests it sent last queued at gunicorn: wait until they are served (one round of /healthz
    behind them, --connections at once), so that the next run starts on an idle server."""
    if args.client == "wrk":  # the thread pool waits for its own last answers
        pool_rate(browser, "/healthz", args, seconds=600, limit=args.connections)


def measure(rows: list[Page], port: int, args, password: str) -> None:
    browsers = {}
    rate = wrk_rate if args.client == "wrk" else pool_rate
    for n, page in enumerate(rows, start=1):
        if page.role not in browsers:
            browsers[page.role] = login(port, page.role, password)
        browser = browsers[page.role]
        one_client(browser, page, args)
        if not page.error:
            # A slow page's run lasts long enough for two requests a connection (up to a minute).
            needed = math.ceil(2 * args.connections * statistics.median(page.times) / 1000 / args.workers)
            page.seconds = min(MAX_RATE_SECONDS, max(args.seconds, needed))
            page.rate, failed = rate(browser, page.path, args, page.seconds)
            drain(browser, args)
            page.bare_rate, bare_failed = rate(browser, BARE, args, args.seconds)
            drain(browser, args)
            if failed or bare_failed:
                page.error = f"{failed} of the page's and {bare_failed} of the bare view's answers failed at load"
        p50 = statistics.median(page.times) if page.times else 0
        print(f"  [{n}/{len(rows)}] {page.key}: p50 {p50:.0f} ms, {page.rate:.1f} req/s {page.error}", flush=True)


# -- the report ------------------------------------------------------------------------------------


def p50_p95(values: list[float]) -> str:
    if not values:
        return "–"
    return f"{statistics.median(values):,.0f} / {topics_bench.percentile(values, 0.95):,.0f}"


def goals(page: Page) -> str:
    if page.error:
        return "error"
    missed = []
    if topics_bench.percentile(page.times, 0.95) > P95_GOAL_MS:
        missed.append("p95")
    if page.bare_rate and page.rate / page.bare_rate < RATE_GOAL.get(page.role, 0.2):
        missed.append("rate")
    return "missed: " + ", ".join(missed) if missed else "met"


def table(rows: list[Page]) -> str:
    lines = [
        "| page | as | p50 / p95 ms | bare p50 / p95 | req/s | bare req/s | of bare | queries demo / bench | goals |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for page in rows:
        ratio = f"{page.rate / page.bare_rate:.0%}" if page.bare_rate else "–"
        queries = " / ".join(str(page.queries.get(db, "–")) for db in ("demo", "large"))
        lines.append(
            f"| `{page.path}` {page.name} | {ROLES[page.role]} | {p50_p95(page.times)} | {p50_p95(page.bare_times)} | "
            f"{page.rate:,.1f} | {page.bare_rate:,.1f} | {ratio} | {queries} | {goals(page)} |"
        )
    return "\n".join(lines)


def report(rows: list[Page], args, built: dict, load_at_start: float) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    client = "wrk (1 thread)" if args.client == "wrk" else "a pool of http.client threads"
    bare = [t for page in rows for t in page.bare_times]
    longer = ", ".join(f"{p.key} {p.seconds} s" for p in rows if p.seconds > args.seconds)
    print(f"\n## Every page over HTTP against a bare Django view (seed {args.seed}, scale {args.scale})\n")
    print(table(rows))
    print()
    print("- data: " + ", ".join(f"{name.replace('_', ' ')} {n:,}" for name, n in built["counts"].items()))
    print(
        f"- gunicorn {args.workers} sync workers, production settings (DEBUG=0); PostgreSQL {version}; {cpus} CPUs "
        f"({platform.machine()}), Python {platform.python_version()}; load average {load_at_start:.1f} at the start, "
        f"{os.getloadavg()[0]:.1f} at the end"
    )
    print(
        f"- one client: {args.warmup} warm-up and {args.requests} timed requests per page, each followed by one of "
        f"the bare view (all of them: p50 / p95 {p50_p95(bare)} ms); requests per second: {args.connections} "
        f"connections for {args.seconds} s with {client} (a slow page's for long enough to answer two requests a "
        f"connection, up to {MAX_RATE_SECONDS} s: {longer or 'none'}), the page then the bare view"
    )
    measured = [p for p in rows if not p.error]
    slow = sum(topics_bench.percentile(p.times, 0.95) > P95_GOAL_MS for p in measured)
    low = sum("rate" in goals(p) for p in measured)
    print(
        f"- {slow} of {len(measured)} rows miss p95 ≤ {P95_GOAL_MS} ms; {low} miss the requests per second "
        f"(public ≥ 50 %, others ≥ 20 % of the bare view's); {len(rows) - len(measured)} failed"
    )


def main() -> int:
    args = parse_args()
    os.environ["DATABASE_URL"] = args.database_url
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    if args.count_only:
        topics_bench.setup_django()
        common.migrate_and_seed()
        print(json.dumps(count_queries([p for p in pages() if args.only in p.key])))
        return 0
    load_at_start, started = os.getloadavg()[0], time.perf_counter()
    for url in (args.database_url, http_data.with_database(args.database_url, DEMO_DATABASE)):
        if http_data.ensure_database(url, rebuild=args.rebuild):
            print(f"Created the database {http_data.database_name(url)}", flush=True)
    work = Path(tempfile.mkdtemp(prefix="http-bench-"))
    counting = start_demo_counts(args, work)
    topics_bench.setup_django()
    from django.conf import settings
    from django.db import connection

    built = http_data.ensure(seed=args.seed, scale=args.scale)
    rows = [p for p in pages() if args.only in p.key]
    print("Counting the queries of each page (demo, then the bench data)…", flush=True)
    for db, found in (("large", count_queries(rows)), ("demo", demo_counts(*counting))):
        for page in rows:
            page.queries[db] = found.get(page.key, "–")
    connection.close()
    server = serve(args, work)
    print(f"Measuring {len(rows)} pages over HTTP (gunicorn on port {server.port})…", flush=True)
    try:
        measure(rows, server.port, args, settings.DEMO_PASSWORD)
    finally:
        server.stop()
    if "Traceback" in (work / "gunicorn.log").read_text():
        print(f"gunicorn logged a traceback: see {work / 'gunicorn.log'}")
    report(rows, args, built, load_at_start)
    print(f"- took {time.perf_counter() - started:.0f} s")
    return 1 if any(p.error for p in rows) else 0


if __name__ == "__main__":
    sys.exit(main())
