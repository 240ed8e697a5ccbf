"""The meetings and outcome items of bench/http_data.py's data set (see its docstring): the stages of `Build` that
write the activity, with their participants, status changes, history lines and the residents' scores."""

import time
from datetime import timedelta

from reminders_data import PHONE_PREFIXES, Generator, keep_given_timestamps

BATCH = 5_000
SPAN_DAYS = 3 * 365
AHEAD_DAYS = 60
MEETING_FORMS = {"meeting": 45, "on_site": 30, "written": 5, "online": 5, "expert": 5, "sector": 10}
PAST_STATUSES = {"recorded": 70, "held": 20, "cancelled": 5, "postponed": 5}
FUTURE_STATUSES = {"published": 60, "planned": 35, "postponed": 5}
RATINGS = {5: 40, 4: 30, 3: 15, 2: 10, 1: 5}
COMMENTS = ["整改很及时，点赞！", "路修好了，出行方便多了。", "希望后续加强管护。", "进度有点慢。", "还没有完全解决。"]
PROGRESS_NOTE = "已组织现场勘察，正在推进。"


class Activity:
    """Mixed into http_data.Build, which gives the random stream (`rng`), `now`, `today`, `tz`, the towns and
    villages, `town_of` (an area's town) and the helpers `weighted`, `person`, `moment` and `say`."""

    # -- meetings --------------------------------------------------------------------------------

    def meetings(self) -> None:
        from django.db import transaction

        from members.models import Assignment
        from sessions.models import Meeting, MeetingTransition, Participant, Platform
        from topics.models import Topic

        missing = self.target["meetings"] - Meeting.objects.count()
        if missing <= 0:
            return
        self.platforms = list(Platform.objects.order_by("pk").values_list("pk", "area_id", "name"))
        self.topics_of = {t.pk: [] for t in self.towns}
        for pk, town_id in Topic.objects.order_by("pk").values_list("pk", "town_id"):
            self.topics_of[town_id].append(pk)
        self.all_topics = [pk for pks in self.topics_of.values() for pk in pks]
        self.members_of = {t.pk: set() for t in self.towns}
        for member_id, area_id in Assignment.objects.filter(ends_on__isnull=True).values_list("member_id", "area_id"):
            if area_id in self.town_of:
                self.members_of[self.town_of[area_id]].add(member_id)
        self.members_of = {town: sorted(ids) for town, ids in self.members_of.items()}
        self.all_members = sorted({m for ids in self.members_of.values() for m in ids})
        per_meeting = self.target["participants"] / max(self.target["meetings"], 1)
        started, done = time.perf_counter(), 0
        fields = [Meeting._meta.get_field("created_at"), MeetingTransition._meta.get_field("at")]
        with keep_given_timestamps(*fields):
            while done < missing:
                size = min(BATCH // 5, missing - done)
                with transaction.atomic():
                    meetings = Meeting.objects.bulk_create([self.meeting() for _ in range(size)])
                    MeetingTransition.objects.bulk_create([t for m in meetings for t in self.transitions(m)])
                    Meeting.topics.through.objects.bulk_create(
                        [Meeting.topics.through(meeting_id=m.pk, topic_id=t) for m in meetings for t in m.bench_topics]
                    )
                    Participant.objects.bulk_create(
                        [p for m in meetings for p in self.participants(m, per_meeting)], batch_size=BATCH
                    )
                done += size
                if done % (BATCH * 2) < size or done == missing:
                    self.say(f"{done:,} meetings ({time.perf_counter() - started:.0f} s)")

    def meeting(self):
        from sessions.models import Meeting

        rng = self.rng
        platform_id, area_id, platform_name = rng.choice(self.platforms)
        town = self.town_of.get(area_id)
        starts = self.moment(self.now - timedelta(days=SPAN_DAYS), self.now + timedelta(days=AHEAD_DAYS))
        starts = starts.astimezone(self.tz).replace(minute=rng.choice((0, 30)), second=0, microsecond=0)
        ends = starts + timedelta(hours=rng.choice((1, 2, 3)))
        past = ends < self.now
        status = self.weighted(PAST_STATUSES if past else FUTURE_STATUSES)
        pool = self.topics_of[town] if town else self.all_topics
        topics = rng.sample(pool, min(len(pool), rng.choice((1, 1, 2))))
        meeting = Meeting(
            title=f"{platform_name}第{rng.randint(1, 40)}次协商议事"[:150],
            platform_id=platform_id,
            form=self.weighted(MEETING_FORMS),
            starts_at=starts,
            ends_at=ends,
            place=f"{platform_name}会议室"[:200],
            host=self.person(),
            organiser="区政协办公室",
            status=status,
            status_reason="因天气原因调整时间。" if status in ("postponed", "cancelled") else "",
            checkin_token=f"{rng.getrandbits(128):032x}",
            summary="与会人员围绕议题充分协商，形成共识。" if status == "recorded" else "",
            created_at=min(starts - timedelta(days=rng.randint(10, 40)), self.now - timedelta(days=1)),
        )
        meeting.bench_topics, meeting.bench_town = topics, town
        return meeting

    def transitions(self, meeting) -> list:
        from sessions.models import MeetingTransition

        rng, status = self.rng, meeting.status
        created = meeting.created_at
        steps = [("", "planned", created)]
        announced = status in ("published", "held", "recorded") or (status != "planned" and rng.random() < 0.8)
        if announced:
            steps.append(("planned", "published", created + timedelta(days=rng.randint(1, 7))))
        if status in ("held", "recorded"):
            steps.append(("published", "held", meeting.ends_at))
        if status == "recorded":
            steps.append(("held", "recorded", meeting.ends_at + timedelta(days=rng.randint(1, 5))))
        if status in ("postponed", "cancelled"):
            steps.append((steps[-1][1], status, meeting.starts_at - timedelta(days=rng.randint(1, 5))))
        return [
            MeetingTransition(
                meeting=meeting,
                at=min(at, self.now - timedelta(minutes=5)),
                from_status=before,
                to_status=after,
                reason=meeting.status_reason if after in ("postponed", "cancelled") else "",
            )
            for before, after, at in steps
        ]

    def participants(self, meeting, per_meeting: float) -> list:
        from sessions.models import Participant as P

        rng = self.rng
        past = meeting.status in ("held", "recorded")
        pool = self.members_of.get(meeting.bench_town) or self.all_members
        members = round(per_meeting * 6 / 11 * (0.6 + 0.8 * rng.random()))
        others = round(per_meeting * 5 / 11 * (0.6 + 0.8 * rng.random()))
        rows = []
        for member_id in rng.sample(pool, min(len(pool), members)):
            response = (P.Response.YES if rng.random() < 0.82 else P.Response.NO) if past else P.Response.PENDING
            checked = past and response == P.Response.YES and rng.random() < 0.92
            rows.append(P(meeting=meeting, kind=P.Kind.MEMBER, member_id=member_id, response=response,
                          checked_in_at=meeting.starts_at - timedelta(minutes=rng.randint(0, 25)) if checked else None))
        for i in range(others):
            kind = P.Kind.DEPARTMENT if i < 2 else P.Kind.RESIDENT
            rows.append(
                P(
                    meeting=meeting,
                    kind=kind,
                    name=self.person(),
                    organisation="区住房城乡建设局" if kind == P.Kind.DEPARTMENT else "村民代表",
                    phone=rng.choice(PHONE_PREFIXES) + f"{rng.randrange(10**8):08d}",
                    response=P.Response.YES if past else P.Response.PENDING,
                    checked_in_at=meeting.starts_at - timedelta(minutes=rng.randint(0, 25)) if past else None,
                )
            )
        return rows

    # -- outcome items, their history and the residents' scores -----------------------------------

    def items(self) -> None:
        from django.db import transaction

        from consult_portal.models import ResponsibleUnit
        from members.models import Member
        from outcomes.models import OutcomeEvent, OutcomeItem, SatisfactionResponse
        from sessions.models import Meeting
        from topics.models import Topic

        missing = self.target["items"] - OutcomeItem.objects.count()
        if missing <= 0:
            return
        units = list(ResponsibleUnit.objects.order_by("pk"))
        gen = Generator(
            rng=self.rng,
            topics=list(Topic.objects.order_by("pk").values_list("pk", "town_id", "town__name")),
            town_unit={u.town_id: u for u in units if u.kind == ResponsibleUnit.Kind.TOWN},
            departments=[u for u in units if u.kind == ResponsibleUnit.Kind.DEPARTMENT],
            member_ids=list(Member.objects.order_by("pk").values_list("pk", flat=True)),
            tz=self.tz,
            day=self.today,
        )
        held = {t.pk: [] for t in self.towns}
        for pk, area_id in Meeting.objects.held().order_by("pk").values_list("pk", "platform__area_id"):
            if area_id in self.town_of:
                held[self.town_of[area_id]].append(pk)
        published = self.target["items"] * 0.7 * 0.6  # closed, then published: see reminders_data.Generator
        self.per_item = self.target["responses"] / max(published, 1)
        self.villages_of = {t.pk: [v.pk for v in self.villages if v.parent_id == t.pk] for t in self.towns}
        through = OutcomeItem.supervisors.through
        fields = [
            OutcomeItem._meta.get_field("created_at"),
            OutcomeEvent._meta.get_field("at"),
            SatisfactionResponse._meta.get_field("created_at"),
        ]
        started, done = time.perf_counter(), 0
        with keep_given_timestamps(*fields):
            while done < missing:
                size = min(BATCH, missing - done)
                pairs = [gen.item() for _ in range(size)]
                for item, _ in pairs:
                    if item.published_at:  # published a few days after it closed: never in the future
                        item.published_at = min(item.published_at, self.now - timedelta(hours=1))
                    if held.get(item.town_id) and self.rng.random() < 0.6:
                        item.meeting_id = self.rng.choice(held[item.town_id])
                with transaction.atomic():
                    items = OutcomeItem.objects.bulk_create([item for item, _ in pairs])
                    events = [e for item in items for e in self.history(item)]
                    OutcomeEvent.objects.bulk_create(events, batch_size=BATCH)
                    through.objects.bulk_create(
                        [through(outcomeitem_id=i.pk, member_id=m) for i, (_, ms) in zip(items, pairs, strict=True)
                         for m in ms]
                    )
                    SatisfactionResponse.objects.bulk_create(
                        [r for item in items if item.published_at for r in self.responses(item)], batch_size=BATCH
                    )
                done += size
                self.say(f"{done:,} outcome items ({time.perf_counter() - started:.0f} s)")

    def history(self, item) -> list:
        """Handed over, progress reports, then the answer, its acceptance and publication as far as the item got."""
        from outcomes.models import OutcomeEvent as E

        rng = self.rng
        end = item.closed_at or min(self.now, item.created_at + timedelta(days=120))
        steps = [(E.Kind.HANDED_OVER, item.created_at, f"{item.unit.name} · {item.deadline.isoformat()}")]
        reports = rng.randint(1, 3) if item.status != "assigned" else rng.randint(0, 2)
        steps += [(E.Kind.PROGRESS, self.moment(item.created_at, end), PROGRESS_NOTE) for _ in range(reports)]
        if rng.random() < 0.16:
            steps.append((E.Kind.DEADLINE, self.moment(item.created_at, end), f"→ {item.deadline.isoformat()}"))
        if item.status not in ("assigned", "in_progress"):
            steps.append((E.Kind.ANSWERED, end - timedelta(days=2), item.answer[:200]))
        if item.closed_at:
            steps.append((E.Kind.ACCEPTED, item.closed_at, ""))
        if item.published_at:
            steps.append((E.Kind.PUBLISHED, item.published_at, ""))
        steps.sort(key=lambda step: step[1])
        return [E(item=item, kind=kind, at=min(at, self.now), note=note) for kind, at, note in steps]

    def responses(self, item) -> list:
        from outcomes.models import SatisfactionResponse

        rng = self.rng
        count = rng.randint(0, round(2 * self.per_item))
        villages = self.villages_of.get(item.town_id) or [None]
        return [
            SatisfactionResponse(
                item=item,
                rating=self.weighted(RATINGS),
                comment=rng.choice(COMMENTS) if rng.random() < 0.2 else "",
                village_id=rng.choice(villages),
                browser_token=f"bench-{rng.getrandbits(128):032x}",
                created_at=min(item.published_at + timedelta(hours=rng.randint(1, 60 * 24)), self.now),
            )
            for _ in range(count)
        ]
