"""How the staff topic list and the public tracking page hold up with many topics on PostgreSQL.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/consult_bench \
        .venv/bin/python bench/topics_bench.py [--topics 100000] [--requests 200]

What it does, in order:

1. migrates the database and loads the demo county (`seed_demo`) when it is missing;
2. tops the Topic table up to --topics rows with bulk_create in batches of 5,000 (deterministic content
   from random.Random(1), one TopicEvent per topic), then runs ANALYZE; once the table holds enough
   topics a re-run adds nothing;
3. times the pages in-process with django.test.Client against the real database: 5 warm-up requests,
   then --requests timed ones per scenario, and the SQL queries of one more request;
4. prints a Markdown table (median and 95th percentile in ms, queries per request), the topic count,
   the PostgreSQL version and the CPU count, and the EXPLAIN ANALYZE plans of the slowest scenario's
   list queries when its median is over 100 ms.

Never point it at a database whose data matters: it adds tens of thousands of made-up topics.
"""

import argparse
import math
import os
import platform
import random
import statistics
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

import common  # bench/common.py: a script's own folder is on its path

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5_000
WARMUP = 5
EXPLAIN_OVER_MS = 100.0
SEARCH_WORD = "路灯"

# -- made-up content -------------------------------------------------------------------------------

OBJECTS = {
    "development": [
        "通组道路",
        "产业路",
        "灌溉渠",
        "山坪塘",
        "农贸市场",
        "茶叶基地",
        "电商服务站",
        "冷链仓库",
        "乡村旅游步道",
        "便民桥",
    ],
    "livelihood": [
        "路灯",
        "垃圾收运点",
        "饮水管网",
        "停车位",
        "老旧小区电梯",
        "村卫生室",
        "公交站台",
        "养老服务站",
        "幼儿园",
        "公共厕所",
        "排水沟",
        "健身广场",
    ],
    "hard_case": ["宅基地确权", "土地流转", "征地补偿", "危房改造", "拆迁安置", "林权登记", "安置房办证"],
    "harmony": ["广场舞噪音", "犬只管理", "物业纠纷", "占道经营", "餐馆油烟", "违规搭建", "邻里用水"],
}
PROBLEMS = [
    "年久失修",
    "缺乏管护",
    "建设滞后",
    "存在安全隐患",
    "管理不规范",
    "矛盾突出",
    "群众反映强烈",
    "长期未解决",
    "布局不合理",
    "使用不方便",
]
TITLE_FORMS = [
    "关于{p}{o}{x}的建议",
    "{p}{o}{x}问题",
    "建议尽快解决{p}{o}问题",
    "{p}{o}改造提升",
    "请求协调{p}{o}{x}",
]
SENTENCES = [
    "群众多次向村（社区）两委反映，希望政协组织协商推动解决。",
    "附近居住群众约{n}户，日常出行和生活受到较大影响。",
    "雨季问题更加突出，老人和学生往来存在安全隐患。",
    "此前已向有关部门反映，但一直没有得到彻底解决。",
    "建议相关部门实地调研，制定切实可行的整改方案。",
    "希望明确管护责任主体，建立长效管理机制。",
    "周边学校、卫生室和集市较多，人流车流集中。",
    "部分群众愿意投工投劳，希望政府给予适当补助。",
    "建议分年度实施，先解决群众最急最盼的部分。",
    "希望整改进展能够及时向群众公开。",
    "晚上照明不足，夜间出行很不方便。",
    "经初步了解，涉及{n}个村民小组，意见比较集中。",
]
DECLINE_REASONS = [
    "该事项已纳入部门年度工作计划，将按计划实施，不再另行组织协商。",
    "该事项属于司法程序处理范围，建议通过法律途径解决。",
    "经核实，该问题已由村（社区）现场解决。",
    "议题涉及规划调整，近期不具备协商条件。",
]
REQUESTING_BODIES = ["区委办公室", "区政府办公室", "区委政法委", "区农业农村局", "区住房城乡建设局"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
GIVEN = ["建国", "伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "秀英", "华"]
PHONE_PREFIXES = ["138", "139", "135", "136", "150", "151", "152", "158", "159", "182", "183", "187", "188", "199"]

# The share of each category, source and (by how old the topic is) status.
CATEGORY_WEIGHTS = {"livelihood": 45, "development": 25, "hard_case": 15, "harmony": 15}
SOURCE_WEIGHTS = {"resident": 75, "party": 15, "member": 10}
# (share of the time span from now backwards, status weights); statuses without extra required fields only.
STATUS_BY_AGE = [
    (0.10, {"submitted": 45, "visiting": 25, "accepted": 15, "declined": 10, "concluded": 5}),
    (0.35, {"submitted": 8, "visiting": 12, "accepted": 30, "declined": 15, "concluded": 35}),
    (1.01, {"submitted": 2, "visiting": 3, "accepted": 15, "declined": 20, "concluded": 60}),
]
SPAN_DAYS = 3 * 365


# -- set-up ----------------------------------------------------------------------------------------


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--topics", type=int, default=100_000, help="topics the table should hold (default 100000)")
    parser.add_argument("--requests", type=int, default=200, help="timed requests per scenario (default 200)")
    return parser.parse_args()


def setup_django() -> None:
    common.setup_django("consult_bench")

    from django.conf import settings
    from django.test.utils import override_settings, setup_test_environment

    setup_test_environment()
    # Plain HTTP for the in-process client; no collected static manifest is needed to render templates. The
    # tracking scenario looks up hundreds of codes from one address: the bench times the page, not the limit.
    override_settings(
        TRACKING_LOOKUPS_PER_HOUR=10**6,
        SECURE_SSL_REDIRECT=False,
        SESSION_COOKIE_SECURE=False,
        CSRF_COOKIE_SECURE=False,
        STORAGES={
            **settings.STORAGES,
            "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
        },
    ).enable()


# -- the data --------------------------------------------------------------------------------------


@contextmanager
def keep_given_timestamps(*model_fields):
    """bulk_create calls pre_save, so auto_now(_add) fields would all get "now": switch them off meanwhile."""
    saved = [(f, f.auto_now, f.auto_now_add) for f in model_fields]
    try:
        for f, _now, _add in saved:
            f.auto_now = f.auto_now_add = False
        yield
    finally:
        for f, now, add in saved:
            f.auto_now, f.auto_now_add = now, add


@dataclass
class Generator:
    rng: random.Random
    towns: list
    villages_of: dict
    member_ids: list
    codes: set
    now: object
    this_year: int
    town_weights: list = field(default_factory=list)

    def __post_init__(self):
        # Bigger towns (more villages) bring more topics.
        self.town_weights = [len(self.villages_of[t.pk]) + 2 for t in self.towns]

    def weighted(self, options: dict) -> str:
        return self.rng.choices(list(options), weights=list(options.values()))[0]

    def code(self, alphabet: str) -> str:
        while True:
            value = "".join(self.rng.choice(alphabet) for _ in range(8))
            if value not in self.codes:
                self.codes.add(value)
                return value

    def description(self, place: str, obj: str, problem: str) -> str:
        text = f"{place}{obj}{problem}。"
        for sentence in self.rng.sample(SENTENCES, len(SENTENCES)):  # no sentence twice
            if len(text) >= 190:
                break
            text += sentence.format(n=self.rng.randint(3, 120))
        return text[:220]

    def topic(self, alphabet: str):
        from django.utils import timezone

        from topics.models import Topic

        rng = self.rng
        town = rng.choices(self.towns, weights=self.town_weights)[0]
        village = rng.choice(self.villages_of[town.pk]) if rng.random() < 0.85 else None
        place = village.name if village else town.name
        category = self.weighted(CATEGORY_WEIGHTS)
        obj, problem = rng.choice(OBJECTS[category]), rng.choice(PROBLEMS)
        age = rng.random()
        created = self.now - timedelta(minutes=5) - timedelta(seconds=age * SPAN_DAYS * 86400)
        status = self.weighted(next(weights for limit, weights in STATUS_BY_AGE if age < limit))
        source = self.weighted(SOURCE_WEIGHTS)
        if source == "member" and not self.member_ids:
            source = "resident"
        year = max(timezone.localtime(created).year, self.this_year - 2)
        topic = Topic(
            title=rng.choice(TITLE_FORMS).format(p=place, o=obj, x=problem)[:100],
            description=self.description(place, obj, problem),
            source=source,
            category=category,
            town=town,
            village=village,
            status=status,
            tracking_code=self.code(alphabet),
            year=year,
            created_at=created,
            updated_at=min(created + timedelta(days=rng.randint(0, 90)), self.now - timedelta(minutes=1)),
        )
        if source == "resident":
            topic.submitter_name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            if rng.random() < 0.7:
                topic.submitter_phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                topic.consent_at = created
        elif source == "party":
            topic.requesting_body = rng.choice(REQUESTING_BODIES)
            topic.document_number = f"沙委办函〔{year}〕{rng.randint(1, 300)}号"
            topic.requested_on = timezone.localtime(created).date()
        else:
            topic.recommended_by_id = rng.choice(self.member_ids)
            topic.reasons = "该问题群众关注度高，涉及面广，适合通过协商凝聚共识、推动解决。"
        if status == "declined":
            topic.public_reason = rng.choice(DECLINE_REASONS)
        return topic


def ensure_data(target: int) -> dict:
    """Migrate, seed the demo county if missing, top Topic up to `target` rows, ANALYZE. Return timings."""
    from django.db import connection

    from topics.models import Topic

    timings = common.migrate_and_seed()

    missing = target - Topic.objects.count()
    timings["added"] = max(missing, 0)
    if missing > 0:
        started = time.perf_counter()
        add_topics(missing, random.Random(1))
        timings["fill"] = time.perf_counter() - started

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["analyze"] = time.perf_counter() - started
    return timings


def add_topics(missing: int, rng: random.Random) -> None:
    """Add `missing` made-up topics over the demo county's towns, each with its "submitted" history line."""
    from django.db import transaction
    from django.utils import timezone

    from consult_portal import demo
    from consult_portal.models import Area
    from members.models import READABLE_ALPHABET, Member
    from topics.models import Topic, TopicEvent

    existing = Topic.objects.count()
    county = Area.objects.get(code=demo.COUNTY_CODE)
    towns = list(Area.objects.filter(parent=county, level=Area.Level.TOWN).order_by("code"))
    villages_of = {t.pk: list(Area.objects.filter(parent=t).order_by("code")) for t in towns}
    now = timezone.now()
    gen = Generator(
        rng=rng,
        towns=towns,
        villages_of=villages_of,
        member_ids=list(Member.objects.order_by("pk").values_list("pk", flat=True)),
        codes=set(Topic.objects.values_list("tracking_code", flat=True)),
        now=now,
        this_year=timezone.localdate().year,
    )
    print(f"Adding {missing} topics to the {existing} there ({BATCH} a batch)…", flush=True)
    started = time.perf_counter()
    timestamp_fields = [
        Topic._meta.get_field("created_at"),
        Topic._meta.get_field("updated_at"),
        TopicEvent._meta.get_field("at"),
    ]
    done = 0
    with keep_given_timestamps(*timestamp_fields):
        while done < missing:
            size = min(BATCH, missing - done)
            topics = [gen.topic(READABLE_ALPHABET) for _ in range(size)]
            with transaction.atomic():
                Topic.objects.bulk_create(topics)
                TopicEvent.objects.bulk_create(
                    [
                        TopicEvent(
                            topic=t,
                            at=t.created_at,
                            action="submit",
                            from_status="",
                            to_status=Topic.Status.SUBMITTED,
                            public_note="议题已收到，我们将尽快核实处理。",
                        )
                        for t in topics
                    ]
                )
            done += size
            print(f"  {existing + done} topics ({time.perf_counter() - started:.1f} s)", flush=True)
    # Guard against a Django that ignores the switch: the dates must be the generated ones.
    spread = Topic.objects.filter(created_at__lt=now - timedelta(days=365)).count()
    if spread < missing // 4:
        sys.exit(f"created_at was not kept: only {spread} topics are older than a year.")


# -- the measurements ------------------------------------------------------------------------------


@dataclass
class Result:
    name: str
    url: str
    median: float
    p95: float
    queries: int
    captured: list


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def measure(name: str, client, urls, requests: int) -> Result:
    """urls: one URL, or a callable giving the URL of the i-th request."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    url_of = urls if callable(urls) else (lambda _i: urls)

    def get(i: int) -> float:
        url = url_of(i)
        started = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - started
        assert response.status_code == 200, f"{name}: {url} answered {response.status_code}"
        return elapsed * 1000

    for i in range(WARMUP):
        get(i)
    timings = [get(WARMUP + i) for i in range(requests)]
    with CaptureQueriesContext(connection) as captured:
        get(WARMUP + requests)
    return Result(
        name=name,
        url=url_of(WARMUP + requests),
        median=statistics.median(timings),
        p95=percentile(timings, 0.95),
        queries=len(captured.captured_queries),
        captured=list(captured.captured_queries),
    )


def run_scenarios(requests: int) -> list[Result]:
    from django.test import Client
    from django.utils import timezone

    from consult_portal import demo
    from consult_portal.models import Area, User
    from topics.models import Topic

    office, liaison, anonymous = Client(), Client(), Client()
    office.force_login(User.objects.get(username="office"))
    liaison.force_login(User.objects.get(username="town"))

    towns = list(Area.objects.filter(parent__code=demo.COUNTY_CODE, level=Area.Level.TOWN).order_by("code"))
    town = towns[2]
    year = timezone.localdate().year - 1
    filtered = f"/staff/topics/?status=concluded&town={town.pk}&year={year}"
    hits = Topic.objects.filter(status="concluded", town=town, year=year).count()
    matches = Topic.objects.filter(title__icontains=SEARCH_WORD).count()
    assert hits and matches, "the filter and the search word should match topics"

    rng = random.Random(2)
    codes = rng.sample(list(Topic.objects.values_list("tracking_code", flat=True)), WARMUP + requests + 1)

    scenarios = [
        ("staff list, page 1 (office)", office, "/staff/topics/"),
        ("staff list, page 50 (office)", office, "/staff/topics/?page=50"),
        (f"staff list, status+town+year ({hits} hits)", office, filtered),
        (f"staff list, search q={SEARCH_WORD} (office)", office, f"/staff/topics/?q={SEARCH_WORD}"),
        ("staff list, liaison `town` (scoped)", liaison, "/staff/topics/"),
        ("tracking page (anonymous, new code each time)", anonymous, lambda i: f"/topics/track/{codes[i]}/"),
    ]
    results = []
    for name, client, urls in scenarios:
        result = measure(name, client, urls, requests)
        print(f"  {name}: median {result.median:.1f} ms, p95 {result.p95:.1f} ms", flush=True)
        results.append(result)
    return results


def explain(result: Result) -> None:
    """EXPLAIN ANALYZE the page query (and the paginator's COUNT) the scenario ran on the topic table."""
    from django.db import connection

    on_topics = [q for q in result.captured if 'FROM "topics_topic"' in q["sql"]]
    chosen = [q for q in on_topics if "COUNT(*)" in q["sql"]] + [q for q in on_topics if " LIMIT " in q["sql"]]
    if not chosen and result.captured:
        chosen = [max(result.captured, key=lambda q: float(q["time"]))]
    print(f"\n### EXPLAIN ANALYZE: {result.name} (median {result.median:.1f} ms)\n")
    for query in chosen:
        print(f"-- {float(query['time']) * 1000:.1f} ms when captured\n{query['sql']}\n")
        with connection.cursor() as cursor:
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + query["sql"])
            print("\n".join(row[0] for row in cursor.fetchall()))
        print()


def report(results: list[Result], timings: dict, requests: int) -> None:
    from django.db import connection

    from topics.models import Topic, TopicEvent

    with connection.cursor() as cursor:
        cursor.execute("SHOW server_version")
        version = cursor.fetchone()[0]
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()

    print(f"\n## Topics bench ({requests} timed requests per scenario after {WARMUP} warm-up)\n")
    print("| scenario | median ms | p95 ms | queries |")
    print("|---|---:|---:|---:|")
    for r in results:
        print(f"| {r.name} | {r.median:.1f} | {r.p95:.1f} | {r.queries} |")
    print()
    print(f"- topics: {Topic.objects.count()}, history entries: {TopicEvent.objects.count()}")
    print(f"- PostgreSQL {version}; Django in-process test client; DEBUG={os.environ.get('DEBUG')}")
    print(f"- machine: {cpus} CPUs (nproc), {platform.machine()}, Python {platform.python_version()}")
    fill = ", ".join(
        f"{label} {timings[key]:.1f} s"
        for key, label in (("migrate", "migrate"), ("seed_demo", "seed_demo"), ("fill", "fill"), ("analyze", "ANALYZE"))
        if key in timings
    )
    print(f"- set-up: {timings['added']} topics added; {fill}")

    slowest = max(results, key=lambda r: r.median)
    if slowest.median > EXPLAIN_OVER_MS:
        explain(slowest)
    else:
        print(f"\nNo scenario has a median over {EXPLAIN_OVER_MS:.0f} ms: no plan printed.")


def main() -> None:
    args = parse_args()
    setup_django()
    timings = ensure_data(args.topics)
    print("Measuring…", flush=True)
    results = run_scenarios(args.requests)
    report(results, timings, args.requests)


if __name__ == "__main__":
    main()
