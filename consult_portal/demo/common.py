"""What every stage of the demo builder shares: the fixed seed and names, the plan of the story
(`TopicPlan`, `MeetingPlan`, built before anything is written) and the builder's state and small helpers."""

import random
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as dtime

from django.utils import timezone

from consult_portal.models import Area, User
from members.models import READABLE_ALPHABET, Member
from outcomes.models import OutcomeItem
from sessions.models import Meeting, Platform, Research
from topics.models import Topic

from .data import GIVEN, PHONE_PREFIXES, SURNAMES
from .subjects import Subject

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


class BuilderBase:
    """The random streams, "now", and the helpers every stage draws names, codes and moments with."""

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


def create_research(rows: list[Research], links: list[list[Member]]) -> list[Research]:
    """The research `rows` saved at once, each with the members of its entry in `links`."""
    rows = Research.objects.bulk_create(rows)
    through = Research.members.through
    through.objects.bulk_create(
        [through(research_id=row.pk, member_id=m.pk) for row, members in zip(rows, links, strict=True) for m in members]
    )
    return rows
