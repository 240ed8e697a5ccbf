"""What every bench script does first: refuse any database but PostgreSQL, and set Django up with the
production settings (DEBUG=0) and a bench-only secret, unless the environment gives its own."""

import os
import socket
import sys
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH_SECRET_KEY = "bench-only-secret-key-never-use-it-anywhere-else-0123456789"


def require_postgres(example_database: str) -> None:
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://", "pgsql://", "postgis://")):
        sys.exit(
            "Refusing to run: DATABASE_URL must point at PostgreSQL, "
            f"e.g. postgres://postgres@127.0.0.1:5432/{example_database}"
        )


def setup_django(example_database: str) -> None:
    """Django in this process, against DATABASE_URL, which must be PostgreSQL."""
    require_postgres(example_database)
    sys.path.insert(0, str(ROOT))
    os.environ["DJANGO_SETTINGS_MODULE"] = "consult_portal.settings"
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", BENCH_SECRET_KEY)
    os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1")
    # WhiteNoise warns that STATIC_ROOT does not exist: the in-process benches serve no static files.
    warnings.filterwarnings("ignore", message="No directory at")

    import django

    django.setup()

    from django.db import connection

    if connection.vendor != "postgresql":
        sys.exit(f"Refusing to run: the database is {connection.vendor}, not PostgreSQL.")


def migrate_and_seed() -> dict:
    """Migrate, and load the demo county (seed_demo) when it is missing; the seconds each step took."""
    from django.core.management import call_command

    from consult_portal import demo
    from consult_portal.models import Area

    timings = {}
    started = time.perf_counter()
    call_command("migrate", interactive=False, verbosity=0)
    timings["migrate"] = time.perf_counter() - started
    if not Area.objects.filter(code=demo.COUNTY_CODE).exists():
        print("Loading the demo county (seed_demo)…", flush=True)
        started = time.perf_counter()
        # The benches run with DEBUG=0 on a database of their own: the demo logins' published password is expected.
        call_command("seed_demo", allow_production=True)
        timings["seed_demo"] = time.perf_counter() - started
    return timings


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve_setup(env: dict, manage) -> tuple:
    """For the benches that start gunicorn: migrate and collect the static files with the server's environment,
    set Django up in this process with the same, and make the bench's own county, town and village."""
    os.environ.update(env)
    started = time.perf_counter()
    manage(env, "migrate", "--noinput")
    manage(env, "collectstatic", "--noinput")
    print(f"migrate + collectstatic: {time.perf_counter() - started:.1f} s", file=sys.stderr)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from consult_portal.models import Area

    county, _ = Area.objects.get_or_create(code="BENCH-C", defaults={"name": "压测县", "level": Area.Level.COUNTY})
    town, _ = Area.objects.get_or_create(
        code="BENCH-T", defaults={"name": "压测镇", "level": Area.Level.TOWN, "parent": county}
    )
    village, _ = Area.objects.get_or_create(
        code="BENCH-V", defaults={"name": "压测村", "level": Area.Level.VILLAGE, "parent": town}
    )
    return county, town, village


def verdict(problems: list[str], prefix: str = "") -> int:
    """Print the problems found and the closing line; the exit code."""
    for problem in problems:
        print(f"- {prefix}{problem}")
    print("All checks passed." if not problems else "Some checks FAILED.")
    return 1 if problems else 0
