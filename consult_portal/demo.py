"""The demo county for `manage.py seed_demo`: a district modelled on 沙湾区 (9 towns and streets,
92 villages and communities, 105 platforms, 34 city and 151 county members), with topics, meetings
and outcomes over the current and previous year.

Deterministic: every choice comes from `random.Random(SEED)`; only the dates move with "today".
Codes that the models would draw from `secrets` (duty codes, tracking codes, check-in tokens) are
drawn from the same generator. The topics, their status changes, the meetings and their
transitions and the outcome items go through the services the app uses; the wide fan-out tables
(participants, research, satisfaction responses) are bulk-inserted. Timestamps that the models set
to "now" are moved back to the dates of the story afterwards.

Re-runnable: when the county already exists only the demo logins are refreshed.
"""

import io
import random
import string
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime

from django.conf import settings
from django.contrib.auth.models import Group
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone
from PIL import Image, ImageDraw

from consult_portal.images import CleanImage, clean_image
from consult_portal.models import Area, Committee, ResponsibleUnit, Role, Sector, User
from members.models import READABLE_ALPHABET, Assignment, Member
from outcomes import services as outcome_services
from outcomes.models import OutcomeEvent, OutcomeItem, ProgressUpdate, SatisfactionResponse
from sessions import services as meeting_services
from sessions.models import Meeting, MeetingTransition, Participant, Platform, RecordItem, Research
from topics import services as topic_services
from topics.models import ConsultationPlan, PlanEntry, Topic, TopicEvent, TopicPhoto

from .demo_data import (
    ANSWERS,
    BASES,
    CANCEL_REASONS,
    COMMENTS,
    COMMITTEES,
    DECLINE_REASONS,
    DEPARTMENTS,
    EXPERT_ORGS,
    EXTRA_EXPERTISE,
    GIVEN,
    HELD_THIS_YEAR,
    LOGINS,
    MICROS,
    NOT_FEASIBLE_REASONS,
    PARKS,
    PHONE_PREFIXES,
    POSTPONE_REASONS,
    PROGRESS_TEXTS,
    SECTORS,
    STUDIOS,
    SUBJECTS,
    SURNAMES,
    TOWNS,
    VILLAGE_ROOMS,
    Subject,
)

SEED = 20240910
COUNTY_CODE = "511111"
COUNTY_NAME = "沙湾区"
DEMO_UNIT_NAME = "区住房城乡建设局"
CITY_MEMBERS, COUNTY_MEMBERS = 34, 151

TS = Topic.Status
MS = Meeting.Status
OS = OutcomeItem.Status

# ---------------------------------------------------------------------------------------------
# The plan of the story, built before anything is written
# ---------------------------------------------------------------------------------------------


@dataclass
class TopicPlan:
    subject: Subject
    place: str
    town: Area
    village: Area | None
    year: int
    created: datetime
    steps: list[dict] = field(default_factory=list)
    title: str = ""
    merge_target: "TopicPlan | None" = None
    meeting: "MeetingPlan | None" = None
    obj: Topic | None = None
    times: list[datetime] = field(default_factory=list)


@dataclass
class MeetingPlan:
    group: str  # prev, cur, held, published, planned, postponed, cancelled
    town: Area | None
    platform: Platform
    form: str
    starts_at: datetime
    ends_at: datetime
    scheduled: datetime
    topics: list[TopicPlan] = field(default_factory=list)
    obj: Meeting | None = None
    times: list[datetime] = field(default_factory=list)
    members: list[Member] = field(default_factory=list)


class DemoBuilder:
    def __init__(self):
        self.rng = random.Random(SEED)
        self.photo_rng = random.Random(SEED + 1)  # its own stream: photos do not shift the rest of the data
        self.now = timezone.now()
        self.today = timezone.localdate()
        self.year = self.today.year
        self.used_phones: set[str] = set()
        self.used_names: set[str] = set()

    # -- small helpers -----------------------------------------------------------------------

    def at(self, day: date, hour: int = 10, minute: int = 0) -> datetime:
        return timezone.make_aware(datetime.combine(day, dtime(hour, minute)))

    def cap(self, moment: datetime) -> datetime:
        """No event of the story happens in the future."""
        return min(moment, self.now - timedelta(minutes=10))

    def office_time(self, day: date) -> datetime:
        return self.at(day, self.rng.randint(9, 16), self.rng.choice((0, 10, 20, 30, 40, 50)))

    def spread(self, start: datetime, end: datetime, count: int) -> list[datetime]:
        """`count` sorted moments between start and end."""
        span = max((end - start).total_seconds(), 0)
        return sorted(start + timedelta(seconds=self.rng.random() * span) for _ in range(count))

    def phone(self) -> str:
        while True:
            number = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.used_phones:
                self.used_phones.add(number)
                return number

    def person(self, unique: bool = False) -> str:
        while True:
            name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
            if not unique or name not in self.used_names:
                self.used_names.add(name)
                return name

    def code(self, used: set[str], length: int = 8) -> str:
        while True:
            value = "".join(self.rng.choice(READABLE_ALPHABET) for _ in range(length))
            if value not in used:
                used.add(value)
                return value

    def weighted(self, options: dict):
        return self.rng.choices(list(options), weights=list(options.values()))[0]

    def actor_for(self, town: Area | None) -> User:
        return self.town_user if town is not None and town.pk == self.towns[0].pk else self.office

    # -- reference data ----------------------------------------------------------------------

    def build_areas(self) -> None:
        self.county = Area.objects.create(name=COUNTY_NAME, code=COUNTY_CODE, level=Area.Level.COUNTY)
        self.towns = Area.objects.bulk_create(
            [
                Area(name=name, code=f"{COUNTY_CODE}{i + 1:03d}", level=Area.Level.TOWN, parent=self.county)
                for i, (name, _) in enumerate(TOWNS)
            ]
        )
        villages = []
        for i, (_, names) in enumerate(TOWNS):
            villages += [
                Area(
                    name=name,
                    code=f"{COUNTY_CODE}{i + 1:03d}{j + 1:03d}",
                    level=Area.Level.VILLAGE,
                    parent=self.towns[i],
                )
                for j, name in enumerate(names)
            ]
        self.villages = Area.objects.bulk_create(villages)
        self.villages_of = defaultdict(list)
        for village in self.villages:
            self.villages_of[village.parent_id].append(village)
        self.village_by_name = {v.name: v for v in self.villages}

    def build_reference(self) -> None:
        self.sectors = Sector.objects.bulk_create([Sector(name=name) for name in SECTORS])
        self.sector_by_name = {s.name: s for s in self.sectors}
        self.committees = Committee.objects.bulk_create([Committee(name=name) for name in COMMITTEES])
        units = [
            ResponsibleUnit(
                name=name, contact_name=self.person(), contact_phone=self.phone(), email=f"unit{i + 1:02d}@demo.invalid"
            )
            for i, name in enumerate(DEPARTMENTS)
        ]
        units += [
            ResponsibleUnit(
                name=f"{town.name}办事处" if town.name.endswith("街道") else f"{town.name}人民政府",
                kind=ResponsibleUnit.Kind.TOWN,
                town=town,
                contact_name=self.person(),
                contact_phone=self.phone(),
            )
            for town in self.towns
        ]
        units = ResponsibleUnit.objects.bulk_create(units)
        self.unit_by_name = {u.name: u for u in units}
        self.town_unit = {u.town_id: u for u in units if u.kind == ResponsibleUnit.Kind.TOWN}

    def five_dates(self, platform: Platform) -> None:
        """五有: most platforms are confirmed on all four items; some still miss one or two."""
        base = date(self.year - 3, 3, 1) + timedelta(days=self.rng.randint(0, 700))
        names = ["organisation_confirmed_on", "sign_confirmed_on", "staff_confirmed_on", "rules_confirmed_on"]
        missing = 0 if self.rng.random() < 0.82 else self.rng.randint(1, 2)
        for name in names[: len(names) - missing]:
            setattr(platform, name, base + timedelta(days=self.rng.randint(0, 60)))

    def build_platforms(self) -> None:
        rng = self.rng
        rows = []

        def add(name, level, kind, area, address, host_unit, sector=None):
            platform = Platform(
                name=name,
                level=level,
                kind=kind,
                area=area,
                sector=sector,
                host_unit=host_unit,
                contact_name=self.person(),
                contact_phone=self.phone(),
                address=address,
            )
            self.five_dates(platform)
            rows.append(platform)

        L, K = Platform.Level, Platform.Kind
        add("沙湾区“有事来协商”议事厅", L.COUNTY, K.ROOM, self.county, "沙湾区沫若大道区政协机关三楼", "区政协办公室")
        for town in self.towns:
            add(
                f"{town.name}政协联络站“有事来协商”议事室",
                L.TOWN,
                K.ROOM,
                town,
                f"{town.name}便民服务中心二楼",
                f"{town.name}政协联络站",
            )
        roomless = {v.name for v in rng.sample(self.villages, len(self.villages) - VILLAGE_ROOMS)}
        for village in self.villages:
            if village.name not in roomless:
                add(
                    f"{village.name}“有事来协商”议事室",
                    L.VILLAGE,
                    K.ROOM,
                    village,
                    f"{village.parent.name}{village.name}党群服务中心",
                    f"{village.name}民委员会" if village.name.endswith("村") else f"{village.name}居民委员会",
                )
        for community, suffix in MICROS:
            village = self.village_by_name[community]
            add(
                f"{community}{suffix}",
                L.VILLAGE,
                K.MICRO,
                village,
                f"{village.parent.name}{community}居民活动广场",
                f"{community}居民委员会",
            )
        for name, town_index, sector in STUDIOS:
            town = self.towns[town_index]
            add(
                name,
                L.TOWN,
                K.STUDIO,
                town,
                f"{town.name}政协联络站一楼",
                f"区政协{sector}界别活动组",
                sector=self.sector_by_name[sector],
            )
        for name, town_index in BASES:
            town = self.towns[town_index]
            add(name, L.TOWN, K.BASE, town, f"{town.name}产业示范园", f"{town.name}政协联络站")
        for name, town_index in PARKS:
            town = self.towns[town_index]
            park = name.split("“")[0]
            add(name, L.TOWN, K.PARK, town, f"{town.name}{park}管委会", f"{park}管委会")
        self.platforms = Platform.objects.bulk_create(rows)
        self.county_room = self.platforms[0]
        self.town_room = {p.area_id: p for p in self.platforms if p.level == L.TOWN and p.kind == K.ROOM}
        self.platforms_of = defaultdict(list)  # town pk → its village rooms and micro-sites
        self.special_of = defaultdict(list)  # town pk → studios, bases, parks
        for platform in self.platforms:
            if platform.level == L.VILLAGE:
                self.platforms_of[platform.area.parent_id].append(platform)
            elif platform.kind != K.ROOM:
                self.special_of[platform.area_id].append(platform)

    # -- members -----------------------------------------------------------------------------

    def build_members(self) -> None:
        rng = self.rng
        term_start = date(self.year - 2, 1, 10)
        term_end = date(self.year + 3, 1, 9)
        duty_codes = set(Member.objects.values_list("duty_code", flat=True))
        self.used_phones.update(p for p in Member.objects.exclude(phone="").values_list("phone", flat=True))
        sector_names = list(SECTORS)
        members = []
        for i in range(CITY_MEMBERS + COUNTY_MEMBERS):
            sector = rng.choice(sector_names)
            tags = rng.sample(SECTORS[sector], rng.randint(1, min(2, len(SECTORS[sector]))))
            if rng.random() < 0.35:
                extra = rng.choice(EXTRA_EXPERTISE)
                if extra not in tags:
                    tags.append(extra)
            start = term_start if rng.random() < 0.9 else term_start + timedelta(days=rng.randint(200, 500))
            members.append(
                Member(
                    name=self.person(unique=True),
                    level=Member.Level.CITY if i < CITY_MEMBERS else Member.Level.COUNTY,
                    sector=self.sector_by_name[sector],
                    committee=self.committees[rng.randrange(len(self.committees))] if rng.random() < 0.92 else None,
                    expertise=",".join(tags),
                    phone=self.phone(),
                    duty_code=self.code(duty_codes),
                    term_start=start,
                    term_end=term_end,
                )
            )
        self.members = Member.objects.bulk_create(members)

        # Sinking: city members to towns, county members to villages; a few villages stay without one.
        assignments = []
        self.members_of_town = defaultdict(list)
        uncovered = {v.name for v in rng.sample(self.villages, 5)}
        covered = [v for v in self.villages if v.name not in uncovered]
        county_members = self.members[CITY_MEMBERS:]
        for i, member in enumerate(self.members[:CITY_MEMBERS]):
            town = self.towns[i % len(self.towns)]
            assignments.append(
                Assignment(
                    member=member,
                    area=town,
                    role=Assignment.Role.CONTACT,
                    starts_on=member.term_start + timedelta(days=30),
                )
            )
            self.members_of_town[town.pk].append(member)
        targets = covered + [rng.choice(covered) for _ in range(len(county_members) - len(covered))]
        for member, village in zip(county_members, targets, strict=True):
            role = Assignment.Role.RESIDENT if rng.random() < 0.6 else Assignment.Role.CONTACT
            assignments.append(
                Assignment(member=member, area=village, role=role, starts_on=member.term_start + timedelta(days=30))
            )
            self.members_of_town[village.parent_id].append(member)
            if rng.random() < 0.12:  # a second, earlier assignment that has ended
                other = rng.choice(covered)
                if other.pk != village.pk:
                    assignments.append(
                        Assignment(
                            member=member,
                            area=other,
                            role=Assignment.Role.CONTACT,
                            starts_on=member.term_start,
                            ends_on=member.term_start + timedelta(days=29),
                        )
                    )
        # The demo member: the first county member in the first town, also its town's contact member.
        self.demo_member = next(m for m in county_members if m in self.members_of_town[self.towns[0].pk])
        assignments.append(
            Assignment(
                member=self.demo_member,
                area=self.towns[0],
                role=Assignment.Role.CONTACT,
                starts_on=self.demo_member.term_start + timedelta(days=31),
            )
        )
        Assignment.objects.bulk_create(assignments)

    # -- logins ------------------------------------------------------------------------------

    def build_logins(self) -> None:
        users = ensure_logins(town=self.towns[0], unit=self.unit_by_name[DEMO_UNIT_NAME], member=self.demo_member)
        self.office, self.town_user, self.member_user = users["office"], users["town"], users["member"]
        self.unit_user, self.leader = users["unit"], users["leader"]

    # -- the plans -----------------------------------------------------------------------------

    def build_plans(self) -> None:
        self.plans = {}
        for year, month_day in ((self.year - 1, (2, 24)), (self.year, (2, 26))):
            approved = min(date(year, *month_day), self.today - timedelta(days=1))
            plan = topic_services.plan_get_or_create(year=year, by=self.office)
            plan = topic_services.plan_approve(
                plan=plan,
                by=self.leader,
                approved_by="区政协主席会议",
                approved_on=approved,
                document_number=f"沙政协〔{year}〕{self.rng.randint(3, 12)}号",
            )
            plan = topic_services.plan_publish(plan=plan, by=self.office)
            plan.published_at = self.cap(self.at(approved + timedelta(days=3), 10))
            plan.save(update_fields=["published_at"])
            self.plans[year] = plan

    # -- the story: meetings and topics ----------------------------------------------------------

    def pick_platform(self, town: Area | None) -> Platform:
        if town is None:
            return self.county_room
        roll = self.rng.random()
        if roll < 0.6 and self.platforms_of[town.pk]:
            return self.rng.choice(self.platforms_of[town.pk])
        if roll < 0.85 or not self.special_of[town.pk]:
            return self.town_room[town.pk]
        return self.rng.choice(self.special_of[town.pk])

    def pick_form(self, platform: Platform) -> str:
        F, K = Meeting.Form, Platform.Kind
        if platform.level == Platform.Level.COUNTY:
            options = {F.MEETING: 4, F.SECTOR: 2, F.EXPERT: 2}
        elif platform.kind == K.STUDIO:
            options = {F.SECTOR: 7, F.MEETING: 3}
        elif platform.kind in (K.BASE, K.PARK):
            options = {F.EXPERT: 5, F.ON_SITE: 5}
        elif platform.level == Platform.Level.TOWN:
            options = {F.MEETING: 5, F.ONLINE: 2, F.WRITTEN: 2, F.SECTOR: 1}
        else:
            options = {F.ON_SITE: 6, F.MEETING: 3, F.ONLINE: 1}
        return self.weighted(options)

    def meeting_day(self, group: str) -> date:
        rng, today = self.rng, self.today
        elapsed = (today - date(self.year, 1, 1)).days
        if group == "prev":
            return date(self.year - 1, rng.randint(4, 11), rng.randint(1, 28))
        if group == "cur":
            return today - timedelta(days=rng.randint(21, max(22, min(320, elapsed - 1))))
        if group == "held":
            return today - timedelta(days=rng.randint(2, 14))
        if group == "published":
            return today + timedelta(days=rng.randint(2, 28))
        if group == "planned":
            return today + timedelta(days=rng.randint(21, 70))
        if group == "postponed":
            return today + timedelta(days=rng.randint(-5, 15))
        return today + timedelta(days=rng.randint(-20, 20))  # cancelled

    def plan_meetings(self) -> list[MeetingPlan]:
        rng = self.rng
        slots: list[tuple[str, Area | None]] = [("prev", rng.choice(self.towns)) for _ in range(5)]
        slots.append(("prev", None))
        held_towns = [town for town, n in zip(self.towns, HELD_THIS_YEAR, strict=True) for _ in range(n)]
        rng.shuffle(held_towns)
        slots += [("held", town) for town in held_towns[:4]]
        slots += [("cur", town) for town in held_towns[4:]]
        slots.append(("cur", None))
        upcoming = ["published"] * 7 + ["planned"] * 4 + ["postponed"] * 3 + ["cancelled"] * 2
        short = [self.towns[i] for i, n in enumerate(HELD_THIS_YEAR) if n < 2]
        for i, group in enumerate(upcoming):
            town = None if i == 3 else short[i] if i < len(short) else rng.choice(self.towns)
            slots.append((group, town))

        meetings = []
        for group, town in slots:
            platform = self.pick_platform(town)
            day = self.meeting_day(group)
            hour = rng.choice((9, 9, 10, 14, 14, 15, 19))
            starts = self.at(day, hour, rng.choice((0, 30)))
            ends = starts + timedelta(minutes=rng.choice((90, 120, 150)))
            scheduled = min(starts - timedelta(days=rng.randint(12, 30)), self.now - timedelta(days=rng.randint(1, 10)))
            meetings.append(
                MeetingPlan(
                    group=group,
                    town=town,
                    platform=platform,
                    form=self.pick_form(platform),
                    starts_at=starts,
                    ends_at=ends,
                    scheduled=self.office_time(scheduled.date()),
                )
            )
        # Every form at least once, on past meetings.
        missing = [f for f in Meeting.Form.values if f not in {m.form for m in meetings}]
        recorded = [m for m in meetings if m.group in ("prev", "cur")]
        for form, meeting in zip(missing, recorded[1::2], strict=False):
            meeting.form = form
        return meetings

    def new_topic(
        self, town: Area, village: Area | None, created: datetime, year: int, subjects: list[Subject] = SUBJECTS
    ) -> TopicPlan:
        place = village.name if village is not None else town.name
        while True:
            subject = self.rng.choice(subjects)
            title = subject.title.format(p=place)
            if title not in self.titles:
                self.titles.add(title)
                return TopicPlan(
                    subject=subject, place=place, town=town, village=village, year=year, created=created, title=title
                )

    def step(
        self,
        plan: TopicPlan,
        to_status: str,
        action: str,
        when: datetime,
        public: str = "",
        internal: str = "",
        **extra,
    ) -> datetime:
        when = self.cap(max(when, plan.steps[-1]["at"] if plan.steps else plan.created))
        plan.steps.append(dict(to_status=to_status, action=action, at=when, public=public, internal=internal, **extra))
        return when

    def visit_step(self, plan: TopicPlan, when: datetime) -> datetime:
        where = plan.village.name if plan.village else plan.town.name
        return self.step(
            plan,
            TS.VISITING,
            "visit",
            when,
            public="联络站工作人员已会同村（社区）干部上门走访，正在核实情况。",
            internal=f"联络站会同{where}两委走访群众{self.rng.randint(5, 30)}户，情况基本属实。",
        )

    def accept_step(self, plan: TopicPlan, when: datetime) -> datetime:
        return self.step(
            plan,
            TS.ACCEPTED,
            "accept",
            when,
            public="议题已经区政协主席会议研究，确定为协商议题。",
            internal="符合“党政所需、群众所盼、政协所能”原则，建议列入年度协商计划。",
        )

    def plan_step(
        self, plan: TopicPlan, accepted: datetime, before: datetime | None, level: str, quarter: int | None = None
    ) -> bool:
        """Enter the topic in its year's plan if that fits between acceptance and `before`."""
        consultation_plan = self.plans.get(plan.year)
        if consultation_plan is None:
            return False
        when = max(accepted + timedelta(days=1), self.at(consultation_plan.approved_on, 11))
        if before is not None and when >= before - timedelta(hours=1):
            return False
        if when > self.now:
            return False
        quarter = quarter or self.rng.randint(max(1, (when.month - 1) // 3 + 1), 4)
        self.step(
            plan,
            TS.PLANNED,
            "plan",
            when,
            public=f"已列入{plan.year}年度协商计划，拟于第{quarter}季度开展协商。",
            internal=f"拟在{PlanEntry.PlatformLevel(level).label}平台开展协商。",
            quarter=quarter,
            level=level,
        )
        return True

    def plan_topics(self, meetings: list[MeetingPlan]) -> list[TopicPlan]:
        rng = self.rng
        self.titles: set[str] = set(Topic.objects.values_list("title", flat=True))
        topics: list[TopicPlan] = []
        # The demo unit's subjects go to the first past meeting of each year, so its login has items.
        unit_subjects = [s for s in SUBJECTS if s.unit == DEMO_UNIT_NAME]
        firsts = {id(next(m for m in meetings if m.group == group)) for group in ("prev", "cur")}

        # Topics on meetings: accepted (often planned) before the meeting was scheduled.
        for meeting in meetings:
            count = 2 if meeting.group in ("prev", "cur", "held") and rng.random() < 0.3 else 1
            for _ in range(count):
                town = meeting.town or rng.choice(self.towns)
                if meeting.platform.level == Platform.Level.VILLAGE:
                    village = meeting.platform.area
                elif rng.random() < 0.7:
                    village = rng.choice(self.villages_of[town.pk])
                else:
                    village = None
                accepted = self.office_time((meeting.scheduled - timedelta(days=rng.randint(3, 25))).date())
                visited = accepted - timedelta(days=rng.randint(4, 15)) if rng.random() < 0.5 else None
                created = (visited or accepted) - timedelta(days=rng.randint(2, 12), minutes=rng.randint(0, 300))
                subjects = unit_subjects if id(meeting) in firsts else SUBJECTS
                # A topic belongs to the year it is taken up in, even when its meeting is early next year.
                plan = self.new_topic(town, village, created, min(meeting.starts_at.year, self.year), subjects)
                if visited:
                    self.visit_step(plan, visited)
                accepted = self.accept_step(plan, accepted)
                level = meeting.platform.level
                quarter = (meeting.starts_at.month - 1) // 3 + 1 if meeting.starts_at.year == plan.year else 4
                if rng.random() < (0.6 if meeting.group in ("published", "planned", "postponed") else 0.75):
                    self.plan_step(plan, accepted, meeting.scheduled, level, quarter)
                plan.meeting = meeting
                meeting.topics.append(plan)
                topics.append(plan)

        # Topics not on a meeting, in every other state.
        def recent(lo: int, hi: int) -> datetime:
            return self.cap(self.office_time(self.today - timedelta(days=rng.randint(lo, hi))))

        def some_place() -> tuple[Area, Area | None]:
            town = rng.choice(self.towns)
            return town, (rng.choice(self.villages_of[town.pk]) if rng.random() < 0.75 else None)

        for _ in range(16):
            town, village = some_place()
            created = recent(0, 25)
            topics.append(self.new_topic(town, village, created, created.year))
        for _ in range(12):
            town, village = some_place()
            created = recent(12, 50)
            plan = self.new_topic(town, village, created, created.year)
            self.visit_step(plan, created + timedelta(days=rng.randint(2, 8)))
            topics.append(plan)
        for target in ["accepted"] * 7 + ["planned"] * 10:
            town, village = some_place()
            created = recent(40, 150)
            plan = self.new_topic(town, village, created, self.year)
            if rng.random() < 0.5:
                self.visit_step(plan, created + timedelta(days=rng.randint(3, 10)))
            accepted = self.accept_step(plan, created + timedelta(days=rng.randint(12, 30)))
            if target == "planned":  # stays accepted if the plan is not approved yet
                level = self.weighted({Platform.Level.VILLAGE: 5, Platform.Level.TOWN: 3, Platform.Level.COUNTY: 1})
                self.plan_step(plan, accepted, None, level)
            topics.append(plan)
        for outcome in ["declined"] * 10 + ["forwarded"] * 9:
            town, village = some_place()
            if rng.random() < 0.4:
                created = self.office_time(date(self.year - 1, rng.randint(2, 11), rng.randint(1, 28)))
            else:
                created = recent(10, 200)
            plan = self.new_topic(town, village, created, created.year)
            when = created + timedelta(days=rng.randint(2, 10))
            if outcome == "declined":
                if rng.random() < 0.5:
                    when = self.visit_step(plan, when) + timedelta(days=rng.randint(3, 15))
                self.step(
                    plan,
                    TS.DECLINED,
                    "decline",
                    when,
                    public=rng.choice(DECLINE_REASONS),
                    internal="经联络站研究，不列入协商议题。",
                )
            else:
                unit = self.unit_by_name[plan.subject.unit]
                self.step(
                    plan,
                    TS.FORWARDED,
                    "forward",
                    when,
                    public=f"该诉求属于{unit.name}日常工作职责，已转交直接办理，办理结果将告知您。",
                    internal="不需协商，转部门办理。",
                    forwarded_to=unit,
                )
            topics.append(plan)
        # Duplicates of topics already taken up, merged into them.
        targets = [t for t in topics if t.meeting is not None]
        for target in rng.sample(targets, 8):
            created = self.cap(target.created + timedelta(days=rng.randint(3, 40), hours=rng.randint(0, 8)))
            plan = TopicPlan(
                subject=target.subject,
                place=target.place,
                town=target.town,
                village=target.village,
                year=created.year,
                created=created,
                title=f"关于{target.title}的建议",
                merge_target=target,
            )
            self.step(
                plan,
                TS.MERGED,
                "merge",
                created + timedelta(days=rng.randint(2, 10)),
                public=f"与同类议题“{target.title}”合并办理。",
                internal="重复议题，合并。",
            )
            topics.append(plan)
        return topics

    def submit_kwargs(self, plan: TopicPlan, source: str, member: Member | None) -> tuple[dict, User | None]:
        rng = self.rng
        kwargs = {
            "title": plan.title,
            "source": source,
            "category": plan.subject.category,
            "town": plan.town,
            "village": plan.village,
            "year": plan.year,
            "description": plan.subject.description.format(p=plan.place),
        }
        if source == Topic.Source.PARTY:
            town = plan.town.name
            body, number = rng.choice(
                [
                    ("中共沙湾区委办公室", "沙委办"),
                    ("沙湾区人民政府办公室", "沙府办函"),
                    (f"中共{town}工作委员会" if town.endswith("街道") else f"中共{town}委员会", f"{town[:2]}委"),
                ]
            )
            kwargs |= {
                "requesting_body": body,
                "document_number": f"{number}〔{plan.created.year}〕{rng.randint(5, 80)}号",
                "requested_on": timezone.localdate(plan.created),
            }
            return kwargs, self.office
        if source == Topic.Source.MEMBER:
            kwargs |= {
                "recommended_by": member,
                "reasons": f"{member.name}委员在下沉走访中多次听到群众反映此事，涉及群众切身利益，群众期盼强烈。",
                "evidence": f"走访记录{rng.randint(3, 12)}份，现场照片{rng.randint(4, 20)}张，群众联名信1份。",
            }
            return kwargs, self.member_user if member.pk == self.demo_member.pk else self.office
        kwargs |= {"submitter_name": self.person(), "submitter_phone": self.phone() if rng.random() < 0.8 else ""}
        kwargs["consent"] = bool(kwargs["submitter_phone"])
        return kwargs, None

    def photo(self) -> CleanImage:
        """A simple street scene, put through the same checks as a resident's upload."""
        rng = self.photo_rng
        picture = Image.new("RGB", (640, 480), (rng.randint(150, 200), rng.randint(190, 230), 245))
        draw = ImageDraw.Draw(picture)
        draw.rectangle((0, 300, 640, 480), fill=(rng.randint(90, 130), rng.randint(110, 150), 80))
        for _ in range(rng.randint(3, 6)):
            left, width, height = rng.randint(0, 560), rng.randint(50, 140), rng.randint(80, 220)
            shade = rng.randint(150, 230)
            draw.rectangle((left, 300 - height, left + width, 300), fill=(shade, shade - 20, shade - 40))
        draw.polygon([(260, 480), (380, 480), (330, 300), (310, 300)], fill=(90, 90, 95))
        buffer = io.BytesIO()
        picture.save(buffer, format="JPEG", quality=80)
        return clean_image(SimpleUploadedFile("photo.jpg", buffer.getvalue(), content_type="image/jpeg"))

    def run_topic(self, plan: TopicPlan, source: str, member: Member | None) -> None:
        kwargs, by = self.submit_kwargs(plan, source, member)
        topic = topic_services.topic_submit(**kwargs, by=by, notify=False)
        if source == Topic.Source.RESIDENT and self.photo_rng.random() < 0.4:
            for _ in range(self.photo_rng.randint(1, 3)):
                photo = self.photo()
                TopicPhoto.objects.create(topic=topic, image=photo.image, thumbnail=photo.thumbnail)
        plan.times.append(plan.created)
        for step in plan.steps:
            actor = self.office if step["action"] in ("accept", "plan") else self.actor_for(plan.town)
            if step["to_status"] == TS.PLANNED:
                entry = topic_services.plan_add_topic(
                    plan=self.plans[plan.year],
                    topic=topic,
                    quarter=step["quarter"],
                    platform_level=step["level"],
                    by=actor,
                    public_note=step["public"],
                    internal_note=step["internal"],
                    notify=False,
                )
                topic = entry.topic
            else:
                topic = topic_services.topic_change_status(
                    topic=topic,
                    to_status=step["to_status"],
                    by=actor,
                    action=step["action"],
                    public_note=step["public"],
                    internal_note=step["internal"],
                    merged_into=plan.merge_target.obj if plan.merge_target else None,
                    forwarded_to=step.get("forwarded_to"),
                    notify=False,
                )
            plan.times.append(step["at"])
        plan.obj = topic

    def run_topics(self, topics: list[TopicPlan]) -> None:
        rng = self.rng
        demo_town = self.towns[0].pk
        demo_quota = 3
        for plan in topics:
            if plan.merge_target is not None:
                continue
            if demo_quota and plan.town.pk == demo_town and plan.meeting is None:
                source, member = Topic.Source.MEMBER, self.demo_member
                demo_quota -= 1
            else:
                source = self.weighted({Topic.Source.PARTY: 2, Topic.Source.RESIDENT: 4, Topic.Source.MEMBER: 3})
                member = rng.choice(self.members_of_town[plan.town.pk]) if source == Topic.Source.MEMBER else None
            self.run_topic(plan, source, member)

    def run_merged(self, topics: list[TopicPlan]) -> None:
        for plan in topics:
            if plan.merge_target is not None:
                self.run_topic(plan, Topic.Source.RESIDENT, None)

    # -- meetings ----------------------------------------------------------------------------------

    def run_meetings(self, meetings: list[MeetingPlan]) -> None:
        for meeting in meetings:
            first = meeting.topics[0]
            where = meeting.platform.name
            if meeting.form == Meeting.Form.ON_SITE:
                title = f"院坝协商：{first.title}"
            elif meeting.form == Meeting.Form.ONLINE:
                title = f"“云协商”：{first.title}"
            else:
                title = f"“{first.title}”协商议事会"
            if len(meeting.topics) > 1:
                title = f"{title}等{len(meeting.topics)}项议题"
            organiser = f"{meeting.town.name}政协联络站" if meeting.town else "区政协委员工作委员会"
            meeting.obj = meeting_services.meeting_schedule(
                title=title[:150],
                platform=meeting.platform,
                starts_at=meeting.starts_at,
                ends_at=meeting.ends_at,
                by=self.actor_for(meeting.town),
                topics=[t.obj for t in meeting.topics],
                form=meeting.form,
                host=self.person(),
                organiser=organiser,
                how_to_take_part=f"欢迎关心此事的群众到{where}参加，或致电{meeting.platform.contact_phone}报名。",
            )
            meeting.times.append(meeting.scheduled)

    def build_participants(self, meetings: list[MeetingPlan]) -> None:
        rng = self.rng
        P = Participant
        rows = []
        demo_upcoming = 0
        for meeting in meetings:
            past = meeting.group in ("prev", "cur", "held")
            pool = self.members_of_town[meeting.town.pk] if meeting.town else self.members
            chosen = rng.sample(pool, min(len(pool), rng.randint(4, 7)))
            is_demo_town = meeting.town is not None and meeting.town.pk == self.towns[0].pk
            wants_demo = is_demo_town or (meeting.group == "published" and demo_upcoming < 3)
            if wants_demo and self.demo_member not in chosen:
                chosen.append(self.demo_member)
            if meeting.group in ("published", "planned") and self.demo_member in chosen:
                demo_upcoming += 1
            meeting.members = chosen
            for member in chosen:
                if past:
                    response = P.Response.YES if rng.random() < 0.82 else P.Response.NO
                elif meeting.group == "planned":
                    response = self.weighted({P.Response.PENDING: 7, P.Response.YES: 3})
                else:
                    response = self.weighted({P.Response.PENDING: 5, P.Response.YES: 4, P.Response.NO: 1})
                if member == self.demo_member and not past:
                    response = P.Response.YES if demo_upcoming == 1 else P.Response.PENDING
                checked = past and response == P.Response.YES and rng.random() < 0.92
                rows.append(
                    P(
                        meeting=meeting.obj,
                        kind=P.Kind.MEMBER,
                        member=member,
                        response=response,
                        checked_in_at=self.checkin(meeting) if checked else None,
                    )
                )
            units = {t.subject.unit for t in meeting.topics}
            for unit in sorted(units):
                rows.append(
                    P(
                        meeting=meeting.obj,
                        kind=P.Kind.DEPARTMENT,
                        name=self.person(),
                        organisation=unit,
                        phone=self.phone(),
                        response=P.Response.YES,
                        checked_in_at=self.checkin(meeting) if past else None,
                    )
                )
            if meeting.town is not None:
                rows.append(
                    P(
                        meeting=meeting.obj,
                        kind=P.Kind.DEPARTMENT,
                        name=self.person(),
                        organisation=self.town_unit[meeting.town.pk].name,
                        phone=self.phone(),
                        response=P.Response.YES,
                        checked_in_at=self.checkin(meeting) if past else None,
                    )
                )
            for _ in range(rng.randint(2, 5)):
                place = meeting.topics[0].place
                rows.append(
                    P(
                        meeting=meeting.obj,
                        kind=P.Kind.RESIDENT,
                        name=self.person(),
                        organisation=f"{place}群众",
                        phone=self.phone(),
                        response=P.Response.YES if past or rng.random() < 0.5 else P.Response.PENDING,
                        checked_in_at=self.checkin(meeting) if past and rng.random() < 0.9 else None,
                    )
                )
            if meeting.form == Meeting.Form.EXPERT:
                for org in rng.sample(EXPERT_ORGS, 2):
                    rows.append(
                        P(
                            meeting=meeting.obj,
                            kind=P.Kind.EXPERT,
                            name=self.person(),
                            organisation=org,
                            response=P.Response.YES,
                            checked_in_at=self.checkin(meeting) if past else None,
                        )
                    )
        Participant.objects.bulk_create(rows, batch_size=500)
        self.checked_in = defaultdict(int)
        for row in rows:
            if row.checked_in_at:
                self.checked_in[row.meeting_id] += 1

    def checkin(self, meeting: MeetingPlan) -> datetime:
        return meeting.starts_at - timedelta(minutes=self.rng.randint(0, 25))

    def build_research(self, meetings: list[MeetingPlan], topics: list[TopicPlan]) -> None:
        rng = self.rng
        R = Research
        rows, links = [], []
        for meeting in meetings:
            if meeting.group not in ("prev", "cur", "held", "published"):
                continue
            for _ in range(rng.randint(1, 2)):
                day = min(
                    timezone.localdate(meeting.starts_at) - timedelta(days=rng.randint(4, 20)),
                    self.today - timedelta(days=1),
                )
                topic = rng.choice(meeting.topics)
                members = rng.sample(meeting.members, min(len(meeting.members), rng.randint(1, 3)))
                kind = self.weighted({R.Kind.VISIT: 4, R.Kind.FORUM: 3, R.Kind.BRIEFING: 2, R.Kind.INSPECTION: 1})
                where = topic.village.name if topic.village else topic.town.name
                rows.append(
                    R(
                        meeting=meeting.obj,
                        topic=topic.obj,
                        date=day,
                        kind=kind,
                        participants=f"{where}两委干部、联络站工作人员、委员{'、'.join(m.name for m in members)}",
                        findings=topic.subject.finding.format(n=rng.randint(2, 9), m=rng.randint(2, 6)),
                    )
                )
                links.append(members)
        for plan in topics:
            visits = [s for s in plan.steps if s["action"] == "visit"]
            if plan.meeting is None and visits and plan.obj.status == TS.VISITING:
                members = rng.sample(self.members_of_town[plan.town.pk], 1)
                where = plan.village.name if plan.village else plan.town.name
                rows.append(
                    R(
                        topic=plan.obj,
                        date=timezone.localdate(visits[0]["at"]),
                        kind=R.Kind.VISIT,
                        participants=f"{where}两委干部、联络站工作人员、委员{members[0].name}",
                        findings=plan.subject.finding.format(n=rng.randint(2, 9), m=rng.randint(2, 6)),
                    )
                )
                links.append(members)
        rows = Research.objects.bulk_create(rows)
        through = Research.members.through
        through.objects.bulk_create(
            [
                through(research_id=row.pk, member_id=m.pk)
                for row, members in zip(rows, links, strict=True)
                for m in members
            ]
        )

    def transition(self, meeting: MeetingPlan, to_status: str, when: datetime, reason: str = "", **kwargs) -> None:
        meeting.obj = meeting_services.meeting_transition(
            meeting=meeting.obj,
            to_status=to_status,
            by=self.actor_for(meeting.town),
            reason=reason,
            notify=False,
            **kwargs,
        )
        meeting.times.append(self.cap(when))

    def run_transitions(self, meetings: list[MeetingPlan]) -> None:
        rng = self.rng
        go = self.transition
        rescheduled = False
        for meeting in meetings:
            group = meeting.group
            notice = self.cap(
                max(meeting.scheduled + timedelta(hours=2), meeting.starts_at - timedelta(days=rng.randint(3, 8)))
            )
            if group == "planned":
                continue
            if group == "cancelled":
                if rng.random() < 0.5:
                    go(meeting, MS.NOTICE_PUBLISHED, notice)
                go(meeting, MS.CANCELLED, notice + timedelta(days=1), rng.choice(CANCEL_REASONS))
                continue
            if group == "published" and not rescheduled:
                # Announced, postponed, then announced again for a week later.
                rescheduled = True
                go(meeting, MS.NOTICE_PUBLISHED, notice)
                go(meeting, MS.POSTPONED, notice + timedelta(days=1), rng.choice(POSTPONE_REASONS))
                meeting.starts_at += timedelta(days=7)
                meeting.ends_at += timedelta(days=7)
                go(
                    meeting,
                    MS.NOTICE_PUBLISHED,
                    notice + timedelta(days=2),
                    starts_at=meeting.starts_at,
                    ends_at=meeting.ends_at,
                )
                continue
            go(meeting, MS.NOTICE_PUBLISHED, notice)
            if group == "postponed":
                go(
                    meeting,
                    MS.POSTPONED,
                    min(notice + timedelta(days=2), meeting.starts_at - timedelta(days=1)),
                    rng.choice(POSTPONE_REASONS),
                )
            if group in ("prev", "cur", "held"):
                go(meeting, MS.HELD, meeting.ends_at)
                for topic in meeting.topics:
                    if topic.steps[-1]["to_status"] in (TS.ACCEPTED, TS.PLANNED):
                        topic.times.append(meeting.ends_at)
            if group in ("prev", "cur"):
                items = self.record_items(meeting)
                walk_in = rng.randint(0, 20) if meeting.form == Meeting.Form.ON_SITE else rng.randint(0, 6)
                when = self.cap(meeting.ends_at + timedelta(days=rng.randint(1, 4)))
                titles = "”“".join(t.title for t in meeting.topics)
                consensus = sum(kind == "consensus" for kind, _ in items)
                meeting.obj = meeting_services.meeting_record(
                    meeting=meeting.obj,
                    by=self.actor_for(meeting.town),
                    items=items,
                    walk_in_count=walk_in,
                    attendance_count=self.checked_in[meeting.obj.pk] + walk_in,
                    summary=(
                        f"会议围绕“{titles}”开展协商，委员、部门负责人和群众代表充分发表意见，"
                        f"形成共识{consensus}条、意见建议{len(items) - consensus}条。"
                    ),
                    answers=f"{meeting.topics[0].subject.unit}负责人现场回应了群众关切，表示将按协商意见抓紧研究落实。",
                )
                self.credit_proposers(meeting.obj)
                meeting.times.append(when)

    def credit_proposers(self, meeting: Meeting) -> None:
        """Say which attending member raised each suggestion, for the performance record."""
        present = list(
            meeting.participants.filter(member__isnull=False, checked_in_at__isnull=False)
            .order_by("pk")
            .values_list("member_id", flat=True)
        )
        if not present:
            return
        items = list(meeting.record_items.filter(kind="suggestion").order_by("pk"))
        for item in items:
            item.proposer_id = self.photo_rng.choice(present)  # a side stream: the rest of the data stays as it was
        RecordItem.objects.bulk_update(items, ["proposer"])

    def record_items(self, meeting: MeetingPlan) -> list[tuple[str, str]]:
        rng = self.rng
        items = []
        wanted = rng.randint(3, 5)
        for i, topic in enumerate(meeting.topics):
            share = wanted if len(meeting.topics) == 1 else max(2, wanted // 2 + (i == 0))
            suggestions = rng.sample(topic.subject.suggestions, min(share, len(topic.subject.suggestions)))
            items += [("suggestion", s.format(p=topic.place)) for s in suggestions]
            items.append(("consensus", topic.subject.consensus))
        return items

    # -- outcomes ---------------------------------------------------------------------------------

    def outcome_statuses(self, meetings: list[MeetingPlan]) -> dict[int, list[str]]:
        """The final status of each handed-over record item, per meeting, before any date is drawn."""
        rng = self.rng
        prev = {OS.IMPLEMENTED: 6, OS.PARTLY: 2.5, OS.NOT_FEASIBLE: 1.5}
        older = {
            OS.IMPLEMENTED: 3.5,
            OS.PARTLY: 1.5,
            OS.NOT_FEASIBLE: 1,
            OS.ANSWERED: 1.5,
            OS.IN_PROGRESS: 2,
            OS.ASSIGNED: 0.5,
        }
        newer = {OS.ASSIGNED: 3.5, OS.IN_PROGRESS: 4, OS.ANSWERED: 2, OS.IMPLEMENTED: 0.5}
        current = sorted((m for m in meetings if m.group == "cur"), key=lambda m: m.starts_at)
        half = len(current) // 2
        plan = {}
        for meeting in meetings:
            if meeting.group not in ("prev", "cur"):
                continue
            weights = prev if meeting.group == "prev" else older if current.index(meeting) < half else newer
            items = list(meeting.obj.record_items.order_by("id"))
            statuses = []
            for item in items:
                handed = item.kind == "suggestion" or rng.random() < 0.35
                statuses.append((item, self.weighted(weights) if handed else None))
            plan[meeting.obj.pk] = statuses
        # Make sure every status appears at least once.
        seen = {s for statuses in plan.values() for _, s in statuses if s}
        missing = [s for s in OS.values if s not in seen]
        spots = [(pk, i) for m in current for pk in [m.obj.pk] for i, (_, s) in enumerate(plan[pk]) if s]
        for status, (pk, i) in zip(missing, spots[::3], strict=False):
            plan[pk][i] = (plan[pk][i][0], status)
        return plan

    def run_outcomes(self, meetings: list[MeetingPlan]) -> None:
        rng = self.rng
        statuses = self.outcome_statuses(meetings)
        self.outcome_times: list[tuple[OutcomeItem, datetime, datetime | None, datetime | None]] = []
        self.progress_times: list[tuple[ProgressUpdate, datetime]] = []
        self.concluded_at: dict[int, datetime] = {}
        responses, supervisors = [], []
        for meeting in meetings:
            if meeting.obj.pk not in statuses:
                continue
            recorded = meeting.times[-1]
            topic_plan = meeting.topics[0]
            all_final, last = True, recorded
            for item, status in statuses[meeting.obj.pk]:
                if status is None:
                    continue
                handed = self.cap(self.office_time((recorded + timedelta(days=rng.randint(1, 6))).date()))
                if item.kind == "consensus" or (meeting.town and rng.random() < 0.2):
                    unit = self.town_unit[(meeting.town or topic_plan.town).pk]
                else:
                    unit = self.unit_by_name[self.subject_of(meeting, item).unit]
                final = status in OutcomeItem.FINAL
                if final:
                    deadline = timezone.localdate(handed) + timedelta(days=rng.randint(30, 90))
                else:
                    deadline = self.today + timedelta(
                        days=rng.randint(-30, -1) if rng.random() < 0.45 else rng.randint(5, 60)
                    )
                    deadline = max(deadline, timezone.localdate(handed) + timedelta(days=7))
                obj = outcome_services.outcome_hand_over(
                    record_item=item,
                    text=item.text,
                    unit=unit,
                    contact_name=unit.contact_name or self.person(),
                    contact_phone=unit.contact_phone,
                    deadline=deadline,
                    by=self.office,
                    notify=False,
                )
                published = final and rng.random() < (0.85 if meeting.group == "prev" else 0.6)
                n_progress = 0 if status == OS.ASSIGNED else rng.randint(1, 3)
                n_steps = n_progress + (status not in (OS.ASSIGNED, OS.IN_PROGRESS)) + final + published
                end = self.now - timedelta(hours=1)
                if meeting.group == "prev":
                    end = min(end, handed + timedelta(days=rng.randint(30, 120)))
                moments = self.spread(handed, end, n_steps) if n_steps else []
                unit_by = self.unit_user if unit.pk == self.unit_user.unit_id else self.office
                for text, moment in zip(rng.sample(PROGRESS_TEXTS, n_progress), moments, strict=False):
                    update = outcome_services.outcome_post_progress(
                        item=obj, text=text, by=unit_by, on=timezone.localdate(moment)
                    )
                    self.progress_times.append((update, moment))
                moments = moments[n_progress:]
                answered = closed = published_at = None
                if status not in (OS.ASSIGNED, OS.IN_PROGRESS):
                    answer = rng.choice(ANSWERS[status if final else OS.ANSWERED])
                    reason = rng.choice(NOT_FEASIBLE_REASONS) if status == OS.NOT_FEASIBLE else ""
                    obj = outcome_services.outcome_answer(
                        item=obj,
                        answer=answer,
                        status=status if final else OS.IMPLEMENTED,
                        reason=reason,
                        by=unit_by,
                        notify=False,
                    )
                    answered = moments.pop(0)
                if final:
                    obj = outcome_services.outcome_accept(item=obj, by=self.office, notify=False)
                    closed = moments.pop(0)
                    last = max(last, closed)
                if published:
                    obj = outcome_services.outcome_publish(item=obj, by=self.office, notify=False)
                    published_at = moments.pop(0)
                    last = max(last, published_at)
                    responses += self.satisfaction(obj, meeting, status, published_at)
                all_final &= final
                self.outcome_times.append((obj, handed, answered, closed, published_at))
                overdue = not final and deadline < self.today
                if overdue or rng.random() < 0.2:
                    for member in rng.sample(meeting.members, min(len(meeting.members), rng.randint(1, 2))):
                        supervisors.append(OutcomeItem.supervisors.through(outcomeitem_id=obj.pk, member_id=member.pk))
            if all_final and meeting.group in ("prev", "cur"):
                for topic in meeting.topics:
                    self.concluded_at[id(topic)] = self.cap(last + timedelta(days=rng.randint(1, 5)))
        OutcomeItem.supervisors.through.objects.bulk_create(supervisors)
        responses = SatisfactionResponse.objects.bulk_create(responses, batch_size=500)
        for response in responses:
            response.created_at = response._at
        SatisfactionResponse.objects.bulk_update(responses, ["created_at"], batch_size=500)

    def subject_of(self, meeting: MeetingPlan, item) -> Subject:
        for topic in meeting.topics:
            if item.text in {s.format(p=topic.place) for s in topic.subject.suggestions}:
                return topic.subject
        return meeting.topics[0].subject

    def satisfaction(self, item: OutcomeItem, meeting: MeetingPlan, status: str, published: datetime) -> list:
        rng = self.rng
        weights = {5: 1, 4: 2, 3: 3, 2: 2, 1: 1} if status == OS.NOT_FEASIBLE else {5: 45, 4: 30, 3: 15, 2: 7, 1: 3}
        villages = self.villages_of[meeting.town.pk] if meeting.town else self.villages
        phones: set[str] = set()
        rows = []
        end = min(self.now - timedelta(minutes=30), published + timedelta(days=30))
        for moment in self.spread(published, end, rng.randint(6, 24)):
            phone = ""
            if rng.random() < 0.7:
                phone = rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}"
                if phone in phones:
                    continue
                phones.add(phone)
            row = SatisfactionResponse(
                item=item,
                rating=self.weighted(weights),
                village=rng.choice(villages),
                phone=phone,
                browser_token="" if phone else f"{rng.getrandbits(128):032x}",
                comment=rng.choice(COMMENTS) if rng.random() < 0.3 else "",
            )
            row._at = moment
            rows.append(row)
        return rows

    def run_conclusions(self, topics: list[TopicPlan]) -> None:
        for plan in topics:
            when = self.concluded_at.get(id(plan))
            if when is None or plan.obj is None:
                continue
            plan.obj = topic_services.topic_change_status(
                topic=plan.obj,
                to_status=TS.CONCLUDED,
                by=self.office,
                action="conclude",
                public_note="协商成果已全部办理完毕，办理结果已公示。",
                notify=False,
            )
            plan.times.append(when)

    # -- moving "now" timestamps back into the story -----------------------------------------------

    def backdate(self, topics: list[TopicPlan], meetings: list[MeetingPlan]) -> None:
        rng = self.rng
        codes = set(Topic.objects.values_list("tracking_code", flat=True))
        by_pk = {plan.obj.pk: plan for plan in topics}
        events = defaultdict(list)
        for event in TopicEvent.objects.filter(topic__in=list(by_pk)).order_by("topic_id", "id"):
            events[event.topic_id].append(event)
        changed_events, changed_topics = [], []
        for topic in Topic.objects.filter(pk__in=list(by_pk)).order_by("pk"):
            plan = by_pk[topic.pk]
            rows = events[topic.pk]
            if len(rows) != len(plan.times):
                raise RuntimeError(f"Topic {topic.pk}: {len(rows)} history entries for {len(plan.times)} moments.")
            last = plan.created
            for event, moment in zip(rows, plan.times, strict=True):
                last = max(last, moment)
                event.at = last
            changed_events += rows
            topic.created_at, topic.updated_at = plan.created, last
            if topic.submitter_phone:
                topic.consent_at = plan.created
            topic.tracking_code = self.code(codes)
            changed_topics.append(topic)
        TopicEvent.objects.bulk_update(changed_events, ["at"], batch_size=500)
        Topic.objects.bulk_update(
            changed_topics, ["created_at", "updated_at", "consent_at", "tracking_code"], batch_size=500
        )

        tokens = set(Meeting.objects.values_list("checkin_token", flat=True))
        alphabet = string.ascii_letters + string.digits + "-_"
        by_pk = {m.obj.pk: m for m in meetings}
        transitions = defaultdict(list)
        for transition in MeetingTransition.objects.filter(meeting__in=list(by_pk)).order_by("meeting_id", "id"):
            transitions[transition.meeting_id].append(transition)
        changed_transitions, changed_meetings = [], []
        for obj in Meeting.objects.filter(pk__in=list(by_pk)).order_by("pk"):
            plan = by_pk[obj.pk]
            rows = transitions[obj.pk]
            if len(rows) != len(plan.times):
                raise RuntimeError(f"Meeting {obj.pk}: {len(rows)} transitions for {len(plan.times)} moments.")
            last = plan.scheduled
            for transition, moment in zip(rows, plan.times, strict=True):
                last = max(last, moment)
                transition.at = last
            changed_transitions += rows
            obj.created_at = plan.scheduled
            while True:
                token = "".join(rng.choice(alphabet) for _ in range(22))
                if token not in tokens:
                    tokens.add(token)
                    break
            obj.checkin_token = token
            changed_meetings.append(obj)
        MeetingTransition.objects.bulk_update(changed_transitions, ["at"], batch_size=500)
        Meeting.objects.bulk_update(changed_meetings, ["created_at", "checkin_token"], batch_size=500)

        items, moments = [], {}
        for item, handed, answered, closed, published in self.outcome_times:
            item.created_at, item.closed_at, item.published_at = handed, closed, published
            items.append(item)
            moments[item.pk] = {
                OutcomeEvent.Kind.HANDED_OVER: [handed],
                OutcomeEvent.Kind.ANSWERED: [answered],
                OutcomeEvent.Kind.ACCEPTED: [closed],
                OutcomeEvent.Kind.PUBLISHED: [published],
                OutcomeEvent.Kind.PROGRESS: [],
            }
        OutcomeItem.objects.bulk_update(items, ["created_at", "closed_at", "published_at"], batch_size=500)
        updates = []
        for update, moment in self.progress_times:
            update.created_at = moment
            updates.append(update)
            moments[update.item_id][OutcomeEvent.Kind.PROGRESS].append(moment)
        ProgressUpdate.objects.bulk_update(updates, ["created_at"], batch_size=500)
        # The items' history: each line at the moment of the step it records.
        events = list(OutcomeEvent.objects.filter(item__in=items).order_by("item_id", "id"))
        for event in events:
            event.at = moments[event.item_id][event.kind].pop(0)
        OutcomeEvent.objects.bulk_update(events, ["at"], batch_size=500)

    # -- all of it ----------------------------------------------------------------------------------

    def link_committees(self) -> None:
        """Each special committee links one or two liaison stations and, in turn, the member studios."""
        towns = sorted(self.towns, key=lambda town: town.code)
        studios = list(Platform.objects.filter(kind=Platform.Kind.STUDIO).order_by("name"))
        for index, committee in enumerate(self.committees):
            committee.stations.set(towns[index * 2 % len(towns) : index * 2 % len(towns) + 1 + index % 2])
        for index, studio in enumerate(studios):
            studio.committee = self.committees[index % len(self.committees)]
        Platform.objects.bulk_update(studios, ["committee"])

    def build(self) -> None:
        self.build_areas()
        self.build_reference()
        self.build_platforms()
        self.link_committees()
        self.build_members()
        self.build_logins()
        self.build_plans()
        meetings = self.plan_meetings()
        topics = self.plan_topics(meetings)
        self.run_topics(topics)
        self.run_meetings(meetings)
        self.build_participants(meetings)
        self.build_research(meetings, topics)
        self.run_transitions(meetings)
        self.run_merged(topics)
        self.run_outcomes(meetings)
        self.run_conclusions(topics)
        self.backdate(topics, meetings)


# ---------------------------------------------------------------------------------------------
# Logins and the entry point
# ---------------------------------------------------------------------------------------------


def _demo_unit() -> ResponsibleUnit | None:
    unit = ResponsibleUnit.objects.filter(name=DEMO_UNIT_NAME).first()
    if unit is None:
        unit = (
            ResponsibleUnit.objects.filter(kind=ResponsibleUnit.Kind.DEPARTMENT)
            .annotate(n=Count("outcomes"))
            .order_by("-n", "name")
            .first()
        )
    return unit


def _demo_member() -> Member | None:
    user = User.objects.filter(username="member").first()
    linked = Member.objects.filter(user=user).first() if user else None
    if linked is not None:
        return linked
    today = timezone.now()
    return (
        Member.objects.filter(user__isnull=True)
        .annotate(n=Count("participations", filter=Q(participations__meeting__starts_at__gte=today)))
        .order_by("-n", "pk")
        .first()
    )


def ensure_logins(
    *, town: Area | None = None, unit: ResponsibleUnit | None = None, member: Member | None = None
) -> dict[str, User]:
    """Create or refresh the five demo logins, with DEMO_PASSWORD, their group and their scope."""
    county = Area.objects.filter(code=COUNTY_CODE).first()
    if town is None and county is not None:
        town = county.children.order_by("code").first()
    unit = unit or _demo_unit()
    member = member or _demo_member()
    users = {}
    for username, role, display in LOGINS:
        user = User.objects.filter(username=username).first() or User(username=username)
        user.first_name = member.name if role == Role.MEMBER and member is not None else display
        user.last_name = ""
        user.email = f"{username}@demo.invalid"
        user.is_active = True
        user.is_staff = role == Role.OFFICE
        user.town = town if role == Role.LIAISON else None
        user.unit = unit if role == Role.UNIT else None
        user.set_password(settings.DEMO_PASSWORD)
        user.save()
        user.groups.add(Group.objects.get_or_create(name=role)[0])
        users[username] = user
    if member is not None and member.user_id != users["member"].pk:
        Member.objects.filter(user=users["member"]).exclude(pk=member.pk).update(user=None)
        member.user = users["member"]
        member.save(update_fields=["user"])
    return users


def seed() -> bool:
    """Build the demo county, or refresh the logins when it exists. Return whether data was created."""
    with transaction.atomic():
        if Area.objects.filter(code=COUNTY_CODE).exists():
            ensure_logins()
            return False
        DemoBuilder().build()
        return True


def counts() -> list[tuple[str, int]]:
    """Rows per table, for the command's summary."""
    rows = [
        (Area._meta.verbose_name_plural, Area.objects.count()),
        (str(Area.Level.TOWN.label), Area.objects.filter(level=Area.Level.TOWN).count()),
        (str(Area.Level.VILLAGE.label), Area.objects.filter(level=Area.Level.VILLAGE).count()),
    ]
    for model in (Platform, Sector, Committee, ResponsibleUnit):
        rows.append((model._meta.verbose_name_plural, model.objects.count()))
    rows.append((Member._meta.verbose_name_plural, Member.objects.count()))
    rows.append((str(Member.Level.CITY.label), Member.objects.filter(level=Member.Level.CITY).count()))
    rows.append((str(Member.Level.COUNTY.label), Member.objects.filter(level=Member.Level.COUNTY).count()))
    for model in (
        Assignment,
        Topic,
        TopicEvent,
        ConsultationPlan,
        PlanEntry,
        Meeting,
        MeetingTransition,
        Participant,
        Research,
        OutcomeItem,
        ProgressUpdate,
        SatisfactionResponse,
    ):
        rows.append((model._meta.verbose_name_plural, model.objects.count()))
    return [(str(label), n) for label, n in rows]


def login_rows() -> list[tuple[str, str]]:
    return [(username, str(Role(role).label)) for username, role, _ in LOGINS]
