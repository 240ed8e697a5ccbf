"""The data set of bench/http_bench.py: the demo county (seed_demo: 9 towns, 92 villages, 105 platforms, the demo
logins) with 100 times the seed district's activity on top, drawn from one `random.Random(seed)`:

- 2,000 members in all, each sunk into a village of the county;
- 100,000 topics in all (bench/topics_bench.py's generator, one history line each), 2,000 of this year's in the
  published plan of the year;
- 20,000 meetings over the platforms, three years back to two months ahead (held and recorded, some postponed or
  cancelled, announced and planned ones ahead), each with its status changes, one or two topics of its town and
  about 11 participants: 220,000 (members of the town, departments, residents);
- 50,000 outcome items (bench/reminders_data.py's generator, dated around today), most from a meeting of their town,
  with about 5 history lines each: 250,000; supervising members on some;
- about 220,000 satisfaction responses on the published items;
- 100,000 audit entries over three years.

`--scale` multiplies every figure (the smoke run, --quick, builds a hundredth). Built once into a database of its own:
the table `http_bench_built` marks a finished build with its seed and scale, and a later run reuses it. The dates are
drawn around the day of the build.
"""

import json
import random
import sys
import time
from datetime import timedelta
from urllib.parse import urlsplit, urlunsplit

import common  # bench/common.py: a script's own folder is on its path
import topics_bench
from http_activity import BATCH, SPAN_DAYS, Activity
from reminders_data import GIVEN, PHONE_PREFIXES, SURNAMES, keep_given_timestamps

MARKER = "http_bench_built"
TARGETS = {
    "members": 2_000,
    "topics": 100_000,
    "plan_entries": 2_000,
    "meetings": 20_000,
    "participants": 220_000,
    "items": 50_000,
    "events": 250_000,
    "responses": 220_000,
    "audit": 100_000,
}
AUDIT_ACTIONS = {
    "topic": ["topic_submit", "topic_accept", "topic_visit", "topic_decline", "topic_conclude", "topic_note"],
    "meeting": ["meeting_schedule", "meeting_publish", "meeting_hold", "meeting_record"],
    "outcomeitem": ["outcome_create", "outcome_progress", "outcome_answer", "outcome_accept", "outcome_publish"],
}


# -- the database ----------------------------------------------------------------------------------


def with_database(url: str, database: str = "postgres") -> str:
    """The same server and login, another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def database_name(url: str) -> str:
    return urlsplit(url).path.lstrip("/")


def ensure_database(url: str, *, rebuild: bool) -> bool:
    """Create the database of `url` when it is missing (drop it first with `rebuild`); return whether it was made."""
    import psycopg2
    from psycopg2 import sql

    name = database_name(url)
    connection = psycopg2.connect(with_database(url))
    connection.autocommit = True
    try:
        with connection.cursor() as cursor:
            if rebuild:
                cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
            if cursor.fetchone():
                return False
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            return True
    finally:
        connection.close()


def marker() -> dict | None:
    """The finished build's seed, scale, date and counts, or None when the database holds no finished build."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT to_regclass(%s)", [MARKER])
        if cursor.fetchone()[0] is None:
            return None
        cursor.execute(f"SELECT seed, scale, built_at, seconds, counts FROM {MARKER}")
        row = cursor.fetchone()
    if row is None:
        return None
    seed, scale, built_at, seconds, found = row
    found = json.loads(found) if isinstance(found, str) else found
    return {"seed": seed, "scale": scale, "built_at": built_at, "seconds": seconds, "counts": found}


def counts() -> dict:
    from consult_portal.models import AuditEntry
    from members.models import Member
    from outcomes.models import OutcomeEvent, OutcomeItem, SatisfactionResponse
    from sessions.models import Meeting, Participant
    from topics.models import PlanEntry, Topic

    models = {
        "members": Member,
        "topics": Topic,
        "plan_entries": PlanEntry,
        "meetings": Meeting,
        "participants": Participant,
        "items": OutcomeItem,
        "events": OutcomeEvent,
        "responses": SatisfactionResponse,
        "audit": AuditEntry,
    }
    return {name: model.objects.count() for name, model in models.items()}


# -- the build -------------------------------------------------------------------------------------


class Build(Activity):
    """Adds the rows, stage by stage, from one random stream."""

    def __init__(self, seed: int, scale: float):
        from django.utils import timezone

        from consult_portal import demo
        from consult_portal.models import Area

        self.rng = random.Random(seed)
        self.target = {name: round(value * scale) for name, value in TARGETS.items()}
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.tz = timezone.get_current_timezone()
        county = Area.objects.get(code=demo.COUNTY_CODE)
        self.towns = list(Area.objects.filter(parent=county, level=Area.Level.TOWN).order_by("code"))
        self.villages = list(Area.objects.filter(parent__in=self.towns).order_by("code"))
        self.town_of = {v.pk: v.parent_id for v in self.villages} | {t.pk: t.pk for t in self.towns}

    def say(self, text: str) -> None:
        print(f"  {text}", flush=True)

    def weighted(self, options: dict):
        return self.rng.choices(list(options), weights=list(options.values()))[0]

    def person(self) -> str:
        return self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)

    def moment(self, start, end):
        return start + (end - start) * self.rng.random()

    @staticmethod
    def unique(used: set, draw) -> str:
        while (value := draw()) in used:
            pass
        used.add(value)
        return value

    # -- members ---------------------------------------------------------------------------------

    def members(self) -> None:
        from consult_portal.models import Committee, Sector
        from members.models import READABLE_ALPHABET, Assignment, Member

        missing = self.target["members"] - Member.objects.count()
        if missing <= 0:
            return
        rng = self.rng
        sectors, committees = list(Sector.objects.order_by("pk")), list(Committee.objects.order_by("pk"))
        phones = set(Member.objects.exclude(phone="").values_list("phone", flat=True))
        codes = set(Member.objects.values_list("duty_code", flat=True))
        start, end = self.today.replace(year=self.today.year - 2, month=1, day=10), self.today.replace(
            year=self.today.year + 3, month=1, day=9
        )
        members = []
        for _ in range(missing):
            phone = self.unique(phones, lambda: rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}")
            code = self.unique(codes, lambda: "".join(rng.choices(READABLE_ALPHABET, k=8)))
            members.append(
                Member(
                    name=self.person(),
                    level=Member.Level.COUNTY if rng.random() < 0.8 else Member.Level.CITY,
                    sector=rng.choice(sectors),
                    committee=rng.choice(committees) if committees and rng.random() < 0.9 else None,
                    phone=phone,
                    duty_code=code,
                    term_start=start,
                    term_end=end,
                )
            )
        members = Member.objects.bulk_create(members, batch_size=BATCH)
        Assignment.objects.bulk_create(
            [
                Assignment(
                    member=m,
                    area=rng.choice(self.villages),
                    role=Assignment.Role.RESIDENT if rng.random() < 0.6 else Assignment.Role.CONTACT,
                    starts_on=start + timedelta(days=30),
                )
                for m in members
            ],
            batch_size=BATCH,
        )
        self.say(f"{missing:,} members")

    # -- topics and the plan ---------------------------------------------------------------------

    def topics(self) -> None:
        from topics.models import Topic

        missing = self.target["topics"] - Topic.objects.count()
        if missing > 0:
            topics_bench.add_topics(missing, self.rng)

    def plan(self) -> None:
        from topics.models import ConsultationPlan, PlanEntry, Topic

        plan = ConsultationPlan.objects.filter(status=ConsultationPlan.Status.PUBLISHED).order_by("-year").first()
        if plan is None:
            return
        missing = self.target["plan_entries"] - plan.entries.count()
        candidates = list(
            Topic.objects.filter(year=plan.year, status__in=["accepted", "concluded"], plan_entry__isnull=True)
            .order_by("pk")
            .values_list("pk", "status")
        )
        rng = self.rng
        chosen = rng.sample(candidates, max(min(missing, len(candidates)), 0))
        if not chosen:
            return
        levels = [PlanEntry.PlatformLevel.COUNTY, PlanEntry.PlatformLevel.TOWN, PlanEntry.PlatformLevel.VILLAGE]
        PlanEntry.objects.bulk_create(
            [
                PlanEntry(plan=plan, topic_id=pk, quarter=rng.randint(1, 4), platform_level=rng.choice(levels))
                for pk, _ in chosen
            ],
            batch_size=BATCH,
        )
        Topic.objects.filter(pk__in=[pk for pk, status in chosen if status == "accepted"]).update(status="planned")
        self.say(f"{len(chosen):,} plan entries in {plan.year}")

    # -- the audit log ---------------------------------------------------------------------------

    def audit(self) -> None:
        from django.contrib.contenttypes.models import ContentType

        from consult_portal.models import AuditEntry, User
        from outcomes.models import OutcomeItem
        from sessions.models import Meeting
        from topics.models import Topic

        missing = self.target["audit"] - AuditEntry.objects.count()
        if missing <= 0:
            return
        rng = self.rng
        actors = list(User.objects.filter(username__in=["office", "town"]).order_by("pk"))
        objects = {
            model._meta.model_name: (
                ContentType.objects.get_for_model(model),
                list(model.objects.order_by("-pk").values_list("pk", flat=True)[:5000]),
            )
            for model in (Topic, Meeting, OutcomeItem)
        }
        names = list(objects)
        rows = []
        for _ in range(missing):
            name = rng.choice(names)
            content_type, pks = objects[name]
            pk = rng.choice(pks)
            rows.append(
                AuditEntry(
                    at=self.moment(self.now - timedelta(days=SPAN_DAYS), self.now),
                    actor=rng.choice(actors),
                    action=rng.choice(AUDIT_ACTIONS[name]),
                    content_type=content_type,
                    object_id=str(pk),
                    object_repr=f"{name} {pk}",
                    before={"status": "submitted"},
                    after={"status": "accepted"},
                    ip=f"10.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                )
            )
        with keep_given_timestamps(AuditEntry._meta.get_field("at")):
            AuditEntry.objects.bulk_create(rows, batch_size=BATCH)
        self.say(f"{missing:,} audit entries")


def ensure(*, seed: int, scale: float) -> dict:
    """Migrate; build the data set unless the marker says it is there; VACUUM ANALYZE after a build. The marker."""
    from django.db import connection

    timings = common.migrate_and_seed()
    found = marker()
    if found is not None:
        if (found["seed"], found["scale"]) != (seed, scale):
            sys.exit(
                f"The database holds a build of seed {found['seed']} at scale {found['scale']}, not seed {seed} at "
                f"scale {scale}: run with --rebuild."
            )
        return found
    if timings.get("seed_demo") is None:
        sys.exit("The database holds data but no finished bench build (an interrupted one?): run with --rebuild.")
    print(f"Building the data set (seed {seed}, scale {scale})…", flush=True)
    started = time.perf_counter()
    build = Build(seed, scale)
    for stage in (build.members, build.topics, build.plan, build.meetings, build.items, build.audit):
        stage()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")
        cursor.execute(
            f"CREATE TABLE {MARKER} (seed bigint, scale double precision, built_at timestamptz, seconds double "
            "precision, counts jsonb)"
        )
        cursor.execute(
            f"INSERT INTO {MARKER} VALUES (%s, %s, now(), %s, %s)",
            [seed, scale, time.perf_counter() - started, json.dumps(counts())],
        )
    return marker()
