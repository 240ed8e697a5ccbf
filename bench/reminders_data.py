"""The data set of the reminder bench: open, answered and closed outcome items over a county of towns,
with the staff, units and supervisors a deadline scan writes to. Built once into the bench database."""

import random
import sys
import time
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from datetime import time as dtime
from pathlib import Path

import common  # bench/common.py: a script's own folder is on its path

ROOT = Path(__file__).resolve().parent.parent
BATCH = 5_000
EXPLAIN_OVER_S = 1.0
SLOW_SCAN_S = 5.0
# A fixed Monday, far from the real today: the same data and the same scan results on every run.
SCAN_DAY = date(2024, 6, 3)

# -- made-up content -------------------------------------------------------------------------------

PLACES_SUFFIX = ["", "一组", "二组", "三组", "场镇", "集镇"]
OBJECTS = [
    "通组道路",
    "产业路",
    "灌溉渠",
    "山坪塘",
    "农贸市场",
    "路灯",
    "垃圾收运点",
    "饮水管网",
    "停车位",
    "老旧小区电梯",
    "村卫生室",
    "公交站台",
    "养老服务站",
    "排水沟",
    "便民桥",
]
ACTIONS = [
    "建议将{o}改造纳入年度计划，明确资金来源和完工时间",
    "请尽快组织对{o}进行安全排查，消除隐患",
    "建议明确{o}管护责任主体，建立长效管理机制",
    "建议分步实施{o}提升工程，先解决群众最急最盼的部分",
    "请协调相关部门对{o}问题开展联合整治",
    "建议将{o}整改进展定期向群众公开",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶"
GIVEN = ["建国", "伟", "芳", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "秀英", "华"]
PHONE_PREFIXES = ["138", "139", "135", "136", "150", "151", "152", "158", "159", "182", "183", "187", "188", "199"]
ANSWERS = [
    "已完成整改，群众反映良好。",
    "已纳入年度计划并完成主体工程，剩余部分明年实施。",
    "经研究，受资金和规划限制，近期暂不具备实施条件，已向群众做好解释。",
]
NOT_FEASIBLE_REASON = "涉及规划调整和资金安排，近期暂不具备实施条件。"

# (share, status weights): what the items are, before their dates are drawn.
FINAL_WEIGHTS = {"implemented": 70, "partly": 20, "not_feasible": 10}
OPEN_WEIGHTS = {"assigned": 45, "in_progress": 55}
SHARE_FINAL, SHARE_ANSWERED = 0.70, 0.10  # the rest is open
OPEN_OVERDUE = 0.25  # of the open items, the share whose deadline has passed on SCAN_DAY
LATE_HAND_OVER = 0.05  # of the open items, handed over a few days before the deadline

# The bench's staff, on top of the demo logins.
EXTRA_OFFICE = 3
LIAISON_PER_TOWN = 2
USERS_PER_UNIT = 2


# -- set-up ----------------------------------------------------------------------------------------


def setup_django() -> None:
    common.setup_django("consult_bench_rem")


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


def ensure_staff() -> int:
    """Add the bench's office, liaison and unit users and a login per member; return how many were added."""
    from django.contrib.auth.models import Group
    from django.db import transaction

    from consult_portal import demo
    from consult_portal.models import Area, ResponsibleUnit, Role, User
    from members.models import Member

    rng = random.Random(3)
    towns = list(Area.objects.filter(parent__code=demo.COUNTY_CODE, level=Area.Level.TOWN).order_by("code"))
    wanted = [(f"bench-office-{i}", Role.OFFICE, {"is_staff": True}) for i in range(1, EXTRA_OFFICE + 1)]
    wanted += [
        (f"bench-liaison-{t.pk}-{i}", Role.LIAISON, {"town": t}) for t in towns for i in range(1, LIAISON_PER_TOWN + 1)
    ]
    wanted += [
        (f"bench-unit-{u.pk}-{i}", Role.UNIT, {"unit": u})
        for u in ResponsibleUnit.objects.order_by("pk")
        for i in range(1, USERS_PER_UNIT + 1)
    ]
    members = list(Member.objects.filter(user__isnull=True).order_by("pk"))
    wanted += [(f"bench-member-{m.pk}", Role.MEMBER, {"first_name": m.name[:150]}) for m in members]
    there = set(User.objects.filter(username__startswith="bench-").values_list("username", flat=True))
    missing = [w for w in wanted if w[0] not in there]
    if not missing:
        return 0
    with transaction.atomic():
        users = []
        for username, _role, extra in missing:
            user = User(username=username, email=f"{username}@bench.invalid", **extra)
            if "first_name" not in extra:
                user.first_name = rng.choice(SURNAMES) + rng.choice(GIVEN)
            user.set_unusable_password()
            users.append(user)
        users = User.objects.bulk_create(users)
        groups = {role: Group.objects.get_or_create(name=role)[0] for role in Role.values}
        User.groups.through.objects.bulk_create(
            [
                User.groups.through(user_id=user.pk, group_id=groups[role].pk)
                for user, (_name, role, _extra) in zip(users, missing, strict=True)
            ]
        )
        by_name = {u.username: u for u in users}
        for member in members:
            user = by_name.get(f"bench-member-{member.pk}")
            if user is not None:
                member.user = user
        Member.objects.bulk_update(members, ["user"])
    return len(missing)


class Generator:
    def __init__(self, rng, topics, town_unit, departments, member_ids, tz, day=SCAN_DAY):
        self.rng = rng
        self.day = day  # the day the deadlines are drawn around
        self.topics = topics  # (pk, town_id, town name)
        self.town_unit = town_unit
        self.departments = departments
        self.member_ids = member_ids
        self.tz = tz

    def weighted(self, options: dict) -> str:
        return self.rng.choices(list(options), weights=list(options.values()))[0]

    def at(self, day: date) -> datetime:
        """An office-hours moment of the day, in the portal's time zone."""
        return datetime.combine(day, dtime(9 + self.rng.randrange(8), self.rng.randrange(60)), self.tz)

    def phone(self) -> str:
        return self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"

    def item(self):
        """One OutcomeItem (unsaved) and its supervising member ids."""
        from outcomes.models import OutcomeItem

        rng = self.rng
        topic_id, town_id, town_name = rng.choice(self.topics)
        unit = self.town_unit[town_id] if town_id and rng.random() < 0.3 else rng.choice(self.departments)
        place = (town_name or "") + rng.choice(PLACES_SUFFIX)
        obj = rng.choice(OBJECTS)
        text = f"{place}{obj}：" + rng.choice(ACTIONS).format(o=obj) + "。"
        item = OutcomeItem(
            topic_id=topic_id,
            town_id=town_id,
            unit=unit,
            text=text,
            contact_name=unit.contact_name or rng.choice(SURNAMES) + rng.choice(GIVEN),
            contact_phone=unit.contact_phone or (self.phone() if rng.random() < 0.8 else ""),
        )
        share = rng.random()
        supervised = 0.15
        if share < SHARE_FINAL:
            item.status = self.weighted(FINAL_WEIGHTS)
            item.deadline = self.day - timedelta(days=rng.randint(1, 3 * 365))
            handed = item.deadline - timedelta(days=rng.randint(30, 90))
            closed = min(handed + timedelta(days=rng.randint(10, 150)), self.day - timedelta(days=1))
            item.answer_status = item.status
            item.answer = rng.choice(ANSWERS)
            item.reason = NOT_FEASIBLE_REASON if item.status == "not_feasible" else ""
            item.closed_at = self.at(closed)
            if rng.random() < 0.6:
                item.published_at = item.closed_at + timedelta(days=rng.randint(1, 10))
        elif share < SHARE_FINAL + SHARE_ANSWERED:
            item.status = "answered"
            item.answer_status = "implemented"
            item.answer = ANSWERS[0]
            item.deadline = self.day + timedelta(days=rng.randint(-30, 60))
            handed = item.deadline - timedelta(days=rng.randint(30, 90))
        else:
            item.status = self.weighted(OPEN_WEIGHTS)
            if rng.random() < OPEN_OVERDUE:
                item.deadline = self.day - timedelta(days=rng.randint(1, 60))
                supervised = 0.6
            else:
                item.deadline = self.day + timedelta(days=rng.randint(0, 120))
            if rng.random() < LATE_HAND_OVER:
                handed = item.deadline - timedelta(days=rng.randint(0, 6))
            else:
                handed = item.deadline - timedelta(days=rng.randint(14, 90))
        # Every item was handed over before the catch-up scan's day.
        handed = min(handed, self.day - timedelta(days=2 + rng.randrange(3)))
        item.created_at = self.at(handed)
        members = []
        if self.member_ids and rng.random() < supervised:
            members = rng.sample(self.member_ids, rng.randint(1, 2))
        return item, members


def ensure_data(target: int) -> dict:
    """Migrate, seed the demo county if missing, add the staff, top OutcomeItem up to `target`, ANALYZE."""
    from django.db import connection, transaction
    from django.utils import timezone

    from consult_portal.models import ResponsibleUnit
    from members.models import Member
    from outcomes.models import OutcomeEvent, OutcomeItem
    from topics.models import Topic

    timings = common.migrate_and_seed()

    timings["users"] = ensure_staff()

    existing = OutcomeItem.objects.count()
    missing = target - existing
    timings["added"] = max(missing, 0)
    if missing > 0:
        units = list(ResponsibleUnit.objects.order_by("pk"))
        gen = Generator(
            rng=random.Random(1),
            topics=list(Topic.objects.order_by("pk").values_list("pk", "town_id", "town__name")),
            town_unit={u.town_id: u for u in units if u.kind == ResponsibleUnit.Kind.TOWN},
            departments=[u for u in units if u.kind == ResponsibleUnit.Kind.DEPARTMENT],
            member_ids=list(Member.objects.order_by("pk").values_list("pk", flat=True)),
            tz=timezone.get_current_timezone(),
        )
        print(f"Adding {missing} outcome items to the {existing} there ({BATCH} a batch)…", flush=True)
        started = time.perf_counter()
        through = OutcomeItem.supervisors.through
        done = 0
        with keep_given_timestamps(OutcomeItem._meta.get_field("created_at"), OutcomeEvent._meta.get_field("at")):
            while done < missing:
                size = min(BATCH, missing - done)
                pairs = [gen.item() for _ in range(size)]
                with transaction.atomic():
                    items = OutcomeItem.objects.bulk_create([item for item, _ in pairs])
                    OutcomeEvent.objects.bulk_create(
                        [
                            OutcomeEvent(
                                item=item,
                                at=item.created_at,
                                kind=OutcomeEvent.Kind.HANDED_OVER,
                                note=f"{item.unit.name} · {item.contact_name} · {item.deadline.isoformat()}",
                            )
                            for item in items
                        ]
                    )
                    through.objects.bulk_create(
                        [
                            through(outcomeitem_id=item.pk, member_id=member_id)
                            for item, (_, members) in zip(items, pairs, strict=True)
                            for member_id in members
                        ]
                    )
                done += size
                print(f"  {existing + done} items ({time.perf_counter() - started:.1f} s)", flush=True)
        timings["fill"] = time.perf_counter() - started
        # Guard against a Django that ignores the switch: the hand-over dates must be the generated ones.
        kept = OutcomeItem.objects.filter(created_at__date__lt=SCAN_DAY).count()
        if kept < missing // 2:
            sys.exit(f"created_at was not kept: only {kept} items were handed over before {SCAN_DAY}.")

    started = time.perf_counter()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    timings["analyze"] = time.perf_counter() - started
    return timings


# -- the measurements ------------------------------------------------------------------------------
