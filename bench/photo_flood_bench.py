"""Photo flood (issue #13): does the home page stay fast while anonymous visitors post hostile photos?

    createdb -h 127.0.0.1 -U postgres consult_bench_photos
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/consult_bench_photos [REDIS_URL=redis://127.0.0.1:6379/7] \\
        .venv/bin/python bench/photo_flood_bench.py [--duration 20] [--attackers 4] [--workers N]

The assessment posted three 6300 × 6300 single-colour PNGs (about 130 KB each, 39.7 megapixels) with an empty
title to /topics/suggest/: one took 8–17 s and about 450 MB in a worker, and four at once made `GET /` take
37.7 s. What this script does, in order:

1. migrates the database and collects the static files into a temporary STATIC_ROOT (the production settings use
   the manifest storage), and makes sure a bench town and village exist;
2. starts gunicorn (`consult_portal.wsgi`, --workers sync workers, default 2 x CPUs + 1) with the production
   settings (DEBUG=0, a bench SECRET_KEY, HTTP cookies, USE_X_FORWARDED_FOR=1) on a free port, as
   bench/load_bench.py does;
3. "quiet": one client GETs `/` back to back for --duration seconds;
4. "flood": the same, while --attackers threads (default 4, each its own address) post the hostile form again
   and again: the CSRF token from a GET of the form, then a multipart POST of three 6300 × 6300 single-colour
   PNGs, every other one with an empty title (as the assessment sent) and every other one with a title;
5. prints a Markdown table: per phase the `GET /` requests, p50/p95/max in ms, and for the flood the hostile
   POSTs, their status codes and their p50/p95/max; and the peak resident memory of the largest gunicorn worker
   (VmHWM). It exits 1 when a `GET /` failed, a hostile POST answered anything but 400 (refused beside the photo
   field) or 429 (the address's limit), a hostile POST took over --max-post-ms (default 1,000) at p95, or the
   flood's `GET /` p95 is over --max-home-ms (default 1,000).

REDIS_URL is optional: without it each worker counts the rate limit in its own memory, which does not change
the refusal (the photos are refused from their headers). Use a database of its own.
"""

import argparse
import io
import os
import re
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

import common  # bench/common.py: a script's own folder is on its path
from load_bench import CSRF, KEY, Browser, Gunicorn, base_env, manage, percentile

ROOT = Path(__file__).resolve().parent.parent
SIDE = 6300
PIXELS_MESSAGES = ("像素过多", "too many pixels")  # consult_portal.images.too_many_pixels, Chinese or English


def hostile_png() -> bytes:
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (SIDE, SIDE), (90, 140, 200)).save(out, format="PNG")
    return out.getvalue()


def multipart(fields: dict, files: list[tuple[str, str, bytes]]) -> tuple[bytes, str]:
    boundary = f"----bench{uuid.uuid4().hex}"
    parts = []
    for name, value in fields.items():
        parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode())
    for name, filename, data in files:
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; filename="{filename}"\r\n'
            "Content-Type: image/png\r\n\r\n"
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def home_poller(port: int, stop: threading.Event, samples: list, failures: list) -> None:
    browser = Browser(port, "10.78.0.1")
    while not stop.is_set():
        started = time.perf_counter()
        try:
            status, _, _ = browser.request("GET", "/")
        except OSError as exc:
            failures.append(f"GET / {type(exc).__name__}: {exc}")
            continue
        samples.append((time.perf_counter() - started) * 1000)
        if status != 200:
            failures.append(f"GET / answered {status}")


def attacker(index: int, port: int, png: bytes, stop: threading.Event, posts: list, town: int, village: int):
    browser = Browser(port, f"10.78.1.{index + 1}")
    n = 0
    while not stop.is_set():
        n += 1
        status, _, html = browser.request("GET", "/topics/suggest/")
        token, key = CSRF.search(html), KEY.search(html)
        if status != 200 or not token or not key:
            posts.append((status, 0.0, f"GET of the form answered {status}"))
            continue
        fields = {
            "csrfmiddlewaretoken": token.group(1),
            "submission_key": key.group(1),
            "title": "" if n % 2 else f"洪水测试 {index}-{n}",
            "description": "村口路灯坏了三个月。",
            "category": "livelihood",
            "town": town,
            "village": village,
            "website": "",
        }
        body, content_type = multipart(fields, [("photos", f"flood{i}.png", png) for i in range(3)])
        started = time.perf_counter()
        try:
            status, _, html = browser.request("POST", "/topics/suggest/", body, {"Content-Type": content_type})
        except OSError as exc:
            posts.append((0, (time.perf_counter() - started) * 1000, f"{type(exc).__name__}: {exc}"))
            continue
        elapsed = (time.perf_counter() - started) * 1000
        refused = status == 429 or (status == 400 and any(m in html for m in PIXELS_MESSAGES))
        snippet = "" if refused else re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))[:160]
        posts.append((status, elapsed, snippet))


def worker_peak_rss_mb(master_pid: int) -> float:
    """The largest peak resident set (VmHWM) of gunicorn's workers, in MB."""
    try:
        children = Path(f"/proc/{master_pid}/task/{master_pid}/children").read_text().split()
    except OSError:
        return 0.0
    peaks = []
    for pid in children:
        try:
            status = Path(f"/proc/{pid}/status").read_text()
        except OSError:
            continue
        found = re.search(r"VmHWM:\s+(\d+) kB", status)
        if found:
            peaks.append(int(found.group(1)) / 1024)
    return max(peaks, default=0.0)


def stats(values: list[float]) -> str:
    if not values:
        return "– | – | –"
    return f"{percentile(values, 50):.0f} | {percentile(values, 95):.0f} | {max(values):.0f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL", ""))
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", ""))
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--attackers", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2 * (os.cpu_count() or 1) + 1)
    parser.add_argument("--max-home-ms", type=float, default=1000.0)
    parser.add_argument("--max-post-ms", type=float, default=1000.0)
    args = parser.parse_args()
    common.require_postgres("consult_bench_photos")

    load_at_start = os.getloadavg()[0]
    work = Path(tempfile.mkdtemp(prefix="photo-flood-"))
    env = base_env(args, None, str(work / "static"))
    county, town, village = common.serve_setup(env, manage)
    png = hostile_png()
    print(f"hostile photo: {SIDE} × {SIDE} single-colour PNG, {len(png):,} bytes", file=sys.stderr)

    log = work / "gunicorn.log"
    server = Gunicorn(env, args.workers, log)
    phases = {}
    posts: list = []
    try:
        for phase in ("quiet", "flood"):
            stop = threading.Event()
            samples, failures = [], []
            threads = [threading.Thread(target=home_poller, args=(server.port, stop, samples, failures))]
            if phase == "flood":
                threads += [
                    threading.Thread(target=attacker, args=(i, server.port, png, stop, posts, town.pk, village.pk))
                    for i in range(args.attackers)
                ]
            for thread in threads:
                thread.start()
            time.sleep(args.duration)
            stop.set()
            for thread in threads:
                thread.join()
            phases[phase] = (samples, failures)
        peak = worker_peak_rss_mb(server.process.pid)
    finally:
        server.stop()

    problems = []
    for phase, (_samples, failures) in phases.items():
        problems += [f"{phase}: {f}" for f in Counter(failures)]
    statuses = Counter(status for status, _, _ in posts)
    for status, _, snippet in posts:
        if snippet:
            problems.append(f"hostile POST answered {status}: {snippet}")
            break
    post_ms = [ms for _, ms, _ in posts if ms]
    if post_ms and percentile(post_ms, 95) > args.max_post_ms:
        problems.append(f"hostile POST p95 {percentile(post_ms, 95):.0f} ms > {args.max_post_ms:.0f} ms")
    flood_home = phases["flood"][0]
    if flood_home and percentile(flood_home, 95) > args.max_home_ms:
        problems.append(f"GET / p95 during the flood {percentile(flood_home, 95):.0f} ms > {args.max_home_ms:.0f} ms")
    if not posts:
        problems.append("no hostile POST was answered")
    if "Traceback" in log.read_text():
        problems.append(f"gunicorn logged a traceback: see {log}")

    print()
    print(
        f"{args.duration:.0f} s per phase, {args.attackers} attackers (3 × {SIDE}² PNG of {len(png) // 1024} KB per "
        f"POST), gunicorn {args.workers} sync workers, {os.cpu_count()} CPUs, REDIS_URL "
        f"{'set' if args.redis_url else 'not set'}, load average at start {load_at_start:.1f} / at end "
        f"{os.getloadavg()[0]:.1f}"
    )
    print()
    print("| phase | GET / requests | GET / p50 ms | p95 ms | max ms | hostile POSTs | statuses | POST p50 ms | p95 ms "
          "| max ms |")
    print("|---|---:|---:|---:|---:|---:|---|---:|---:|---:|")
    for phase, (samples, _) in phases.items():
        flood = phase == "flood"
        status_text = ", ".join(f"{s}: {c}" for s, c in sorted(statuses.items())) if flood else "–"
        print(
            f"| {phase} | {len(samples):,} | {stats(samples)} | {len(posts) if flood else 0:,} | {status_text} | "
            f"{stats(post_ms) if flood else '– | – | –'} |"
        )
    print()
    print(f"Peak resident memory of the largest gunicorn worker (VmHWM): {peak:.0f} MB")
    print()
    return common.verdict(problems)


if __name__ == "__main__":
    sys.exit(main())
