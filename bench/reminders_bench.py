"""How the daily deadline scan of outcome items (outcomes/reminders.py) holds up with many items on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/consult_bench_rem \
        .venv/bin/python bench/reminders_bench.py [--items 100000] [--rounds 3] [--explain]

What it does, in order:

1. migrates the database and loads the demo county (`seed_demo`) when it is missing;
2. gives the county the staff a real installation has (the demo has one login per role): 3 more office
   users, 2 liaison users per town, 2 users per responsible unit and a login for every member, all with an
   email address and an unusable password; a re-run adds none of them again;
3. tops the OutcomeItem table up to --items rows with bulk_create in batches of 5,000 (deterministic content
   from random.Random(1), one "handed over" history line per item, supervising members on some), then runs
   ANALYZE; once the table holds enough items a re-run adds nothing. The items are dated around a fixed scan
   day, SCAN_DAY, so that every run measures the same thing whatever the date: 70 % closed long ago, 10 %
   answered and waiting for the office (not open), 20 % open (assigned or in progress) with deadlines from
   60 days before to 120 days after SCAN_DAY; a few were handed over too late for some reminders. The
   seed_demo items are dated around the real today, far from SCAN_DAY, and stay out of the scan's windows;
4. for each of --rounds rounds: removes what the previous round's scans made (the outcome_due and
   outcome_overdue notifications, the "escalated" history lines, escalated_on), VACUUM ANALYZE, then times
   `reminders.scan(day)` four times, counting the SQL queries (CaptureQueriesContext) and the Notification
   rows each scan inserted:
   - catch-up, the day before SCAN_DAY: the first scan ever over these items, so every open item in its
     7-day window gets its nearest reminder and every overdue item is escalated (the worst case: a first
     deployment, or a scan that did not run for days). It also makes the next one a steady-state day;
   - the first scan of SCAN_DAY: the 7/3/1-day reminders that fall on the day and the items overdue since;
   - the same scan again the same day: it must queue nothing;
   - the next day's scan;
5. prints a Markdown table (median, fastest and slowest time over the rounds, SQL queries, messages queued,
   Notification rows inserted, items escalated), the item counts, the PostgreSQL version and the CPU count,
   and the EXPLAIN ANALYZE plans of the scan's main selects when a scan takes over 1 s (or with --explain).

Deliveries are queued, not executed. The scan inserts outbox rows and registers, per batch, an on_commit
callback that calls `consult_portal.notifications.enqueue(pk)` for each row it inserted. Without REDIS_URL
the settings run Celery eagerly, so `enqueue` would deliver every message in-process (a claiming UPDATE, a
SELECT, a mail and another UPDATE per row) inside the timed scan. The bench replaces
`notifications.enqueue` with a function that only records the id: the scan runs unchanged, in autocommit
with its own transactions and row locks, and the on_commit callbacks still fire after each batch commits.
Wrapping the scan in an outer atomic block to capture the callbacks instead would turn its per-batch
transactions into savepoints and hold every lock to the end, which is not how it runs. What is not timed is
the broker's share: with Redis each queued message is one publish (a round-trip) after its batch commits.
The recorded ids must match both the counts `scan` returns and the Notification rows inserted.

Never point it at a database whose data matters: it adds tens of thousands of made-up items, users and
notifications, and each round deletes the outcome reminder notifications and escalation marks it finds.
"""

import argparse
import os
import platform
import statistics
import sys
import time
from dataclasses import dataclass
from datetime import date, timedelta

from reminders_data import EXPLAIN_OVER_S, SCAN_DAY, SLOW_SCAN_S, ensure_data, setup_django


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=100_000, help="outcome items the table should hold (100000)")
    parser.add_argument("--rounds", type=int, default=3, help="times each scan is measured (default 3)")
    parser.add_argument("--explain", action="store_true", help="print the plans even when every scan is fast")
    return parser.parse_args()


@dataclass
class Scan:
    name: str
    day: date
    seconds: float
    queries: int
    queued: dict
    inserted: int
    enqueued: int
    escalated: int
    captured: list


SCANS = [
    ("catch-up: first scan ever (day before)", -1),
    ("first scan of the day", 0),
    ("same scan again, same day", 0),
    ("next day's scan", 1),
]


def reset(days: list[date]) -> None:
    """Undo what the bench's scans did, so that each round starts from the same state."""
    from django.db import connection, transaction

    from consult_portal.models import Notification
    from outcomes import reminders
    from outcomes.models import OutcomeEvent, OutcomeItem

    with transaction.atomic():
        marked = OutcomeItem.objects.filter(escalated_on__in=days)
        OutcomeEvent.objects.filter(item__in=marked, kind=OutcomeEvent.Kind.ESCALATED).delete()
        marked.update(escalated_on=None)
        Notification.objects.filter(kind__in=[reminders.KIND_DUE, reminders.KIND_OVERDUE]).delete()
    with connection.cursor() as cursor:
        for model in (Notification, OutcomeEvent, OutcomeItem):
            cursor.execute(f'VACUUM ANALYZE "{model._meta.db_table}"')


def run_scan(name: str, day: date, enqueued: list) -> Scan:
    from django.contrib.contenttypes.models import ContentType
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from consult_portal.models import Notification
    from outcomes import reminders
    from outcomes.models import OutcomeItem

    enqueued.clear()
    ContentType.objects.clear_cache()  # every scan looks its content type up, as the first of a worker does
    before = Notification.objects.count()
    escalated_before = OutcomeItem.objects.filter(escalated_on=day).count()
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        queued = reminders.scan(day)
        seconds = time.perf_counter() - started
    inserted = Notification.objects.count() - before
    scan = Scan(
        name=name,
        day=day,
        seconds=seconds,
        queries=len(captured.captured_queries),
        queued=queued,
        inserted=inserted,
        enqueued=len(enqueued),
        escalated=OutcomeItem.objects.filter(escalated_on=day).count() - escalated_before,
        captured=list(captured.captured_queries),
    )
    total = queued["due"] + queued["overdue"]
    if not total == inserted == scan.enqueued:
        sys.exit(f"{name}: scan said {queued}, {inserted} rows were inserted, {scan.enqueued} were enqueued.")
    return scan


def run_rounds(rounds: int) -> list[list[Scan]]:
    from django.conf import settings
    from django.urls import reverse
    from django.utils import translation

    from consult_portal import notifications

    # Load the URLconf and the translation catalogue once, as a worker does on its first task: a one-off
    # cost of the process, not of the scan.
    with translation.override(settings.LANGUAGE_CODE):
        reverse("outcomes:staff-detail", args=[1])
        translation.gettext("Overdue")
    enqueued: list[int] = []
    # Queue, do not deliver: see the module docstring.
    notifications.enqueue = lambda notification_id, channel=None: enqueued.append(notification_id) or True
    days = [SCAN_DAY + timedelta(days=shift) for _name, shift in SCANS]
    results = []
    for number in range(1, rounds + 1):
        reset(days)
        scans = []
        for name, shift in SCANS:
            scan = run_scan(name, SCAN_DAY + timedelta(days=shift), enqueued)
            print(
                f"  round {number}, {name} ({scan.day}): {scan.seconds:.2f} s, {scan.queries} queries, "
                f"{scan.inserted} notifications",
                flush=True,
            )
            scans.append(scan)
        if scans[2].inserted:
            sys.exit("The same scan run twice on a day queued messages the second time.")
        results.append(scans)
    return results


def explain(scan: Scan) -> None:
    """EXPLAIN ANALYZE the scan's main selects: the reminder candidates and the first escalation batch.

    The escalation select finds nothing once the scan has marked the items, so its plan is taken in a
    transaction that clears the marks of the day first and is rolled back.
    """
    from django.db import connection, transaction

    from outcomes.models import OutcomeItem

    main = [q for q in scan.captured if 'FROM "outcomes_outcomeitem"' in q["sql"] and "FOR UPDATE" not in q["sql"]]
    main = main[:1]
    main += [q for q in scan.captured if "SKIP LOCKED" in q["sql"]][:1]
    slowest = sorted(scan.captured, key=lambda q: float(q["time"]), reverse=True)[:5]
    print(f"\n### EXPLAIN ANALYZE: {scan.name}, {scan.day} ({scan.seconds:.2f} s, {scan.queries} queries)\n")
    print("Slowest queries of the scan:\n")
    for query in slowest:
        print(f"- {float(query['time']) * 1000:.1f} ms: {query['sql'][:160]}…")
    print()
    for query in main:
        print(f"-- {float(query['time']) * 1000:.1f} ms when captured\n{query['sql']}\n")
        with transaction.atomic():
            OutcomeItem.objects.filter(escalated_on=scan.day).update(escalated_on=None)
            with connection.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
                print("\n".join(row[0] for row in cursor.fetchall()))
            transaction.set_rollback(True)
        print()


def report(results: list[list[Scan]], timings: dict, force_explain: bool) -> None:
    from django.conf import settings
    from django.db import connection
    from django.db.models import Count, Q

    from consult_portal.models import Notification, User
    from outcomes.models import OutcomeItem

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    last = results[-1]

    print(f"\n## Reminder scan bench (scan day {SCAN_DAY}, {len(results)} rounds)\n")
    print(
        "| scan | day | median s | min s | max s | queries | queued due / overdue "
        "| notifications inserted | items escalated |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|")
    for i, scan in enumerate(last):
        times = [r[i].seconds for r in results]
        for other in results:
            if (other[i].queries, other[i].inserted) != (scan.queries, scan.inserted):
                print(f"<!-- round differs: {other[i].name}: {other[i].queries} queries, {other[i].inserted} rows -->")
        print(
            f"| {scan.name} | {scan.day} | {statistics.median(times):.2f} | {min(times):.2f} | {max(times):.2f} "
            f"| {scan.queries} | {scan.queued['due']} / {scan.queued['overdue']} | {scan.inserted} | {scan.escalated} |"
        )
    print()
    counts = OutcomeItem.objects.aggregate(
        total=Count("pk"),
        open=Count("pk", filter=Q(status__in=OutcomeItem.OPEN)),
        window=Count(
            "pk",
            filter=Q(status__in=OutcomeItem.OPEN, deadline__gte=SCAN_DAY, deadline__lte=SCAN_DAY + timedelta(days=7)),
        ),
        overdue=Count("pk", filter=Q(status__in=OutcomeItem.OPEN, deadline__lt=SCAN_DAY)),
        answered=Count("pk", filter=Q(status=OutcomeItem.Status.ANSWERED)),
        final=Count("pk", filter=Q(status__in=OutcomeItem.FINAL)),
    )
    supervised = OutcomeItem.supervisors.through.objects.values("outcomeitem_id").distinct().count()
    print(
        f"- outcome items: {counts['total']}: {counts['open']} open ({counts['window']} with a deadline in the "
        f"7 days from {SCAN_DAY}, {counts['overdue']} overdue on it), {counts['answered']} answered, "
        f"{counts['final']} closed; {supervised} with supervising members"
    )
    users = User.objects.filter(is_active=True)
    print(
        f"- active users: {users.count()} ({users.filter(unit__isnull=False).count()} of units, "
        f"{users.filter(town__isnull=False).count()} of towns, "
        f"{users.filter(groups__name='office').count()} office); "
        f"reminders {settings.OUTCOME_REMINDER_DAYS} days before, "
        f"SMS {'on' if settings.OUTCOME_REMINDER_SMS else 'off'}"
    )
    print(f"- notifications in the outbox after the last round: {Notification.objects.count()}")
    print(f"- PostgreSQL {version}; scan run in-process, deliveries queued not run; DEBUG={os.environ.get('DEBUG')}")
    load = "/".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(
        f"- machine: {cpus} CPUs (nproc), {platform.machine()}, Python {platform.python_version()}; "
        f"load average {load} at the end (1/5/15 min)"
    )
    setup = ", ".join(
        f"{label} {timings[key]:.1f} s"
        for key, label in (("migrate", "migrate"), ("seed_demo", "seed_demo"), ("fill", "fill"), ("analyze", "ANALYZE"))
        if key in timings
    )
    print(f"- set-up: {timings['added']} items and {timings['users']} users added; {setup}")

    slow = [s for s in last if s.seconds > SLOW_SCAN_S]
    if slow:
        print(f"\nOver {SLOW_SCAN_S:.0f} s: {', '.join(s.name for s in slow)}.")
    slowest = max(last, key=lambda s: s.seconds)
    if slowest.seconds > EXPLAIN_OVER_S or force_explain:
        explain(slowest)
    else:
        print(f"\nNo scan took over {EXPLAIN_OVER_S:.0f} s: no plan printed.")


def main() -> None:
    args = parse_args()
    setup_django()
    timings = ensure_data(args.items)
    print("Measuring…", flush=True)
    results = run_rounds(args.rounds)
    report(results, timings, args.explain)


if __name__ == "__main__":
    main()
