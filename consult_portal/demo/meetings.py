"""The demo meetings: planned, scheduled, moved through their statuses and recorded through the services."""

from datetime import date, datetime, timedelta

from consult_portal.models import Area
from sessions import rules as meeting_rules
from sessions import services as meeting_services
from sessions.models import Meeting, Platform, RecordItem

from .common import MS, TS, BuilderBase, MeetingPlan
from .data import HELD_THIS_YEAR
from .subjects import CANCEL_REASONS, POSTPONE_REASONS

# 不调研不协商: the meetings announced before any research was done say why.
NOTICE_WITHOUT_RESEARCH = "群众反映集中、情况已基本清楚，先行发布协商通知，会前调研同步开展。"


class MeetingsStage(BuilderBase):
    """Meetings from plan to record."""

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
            # Scheduled on the story's day, when the meeting was still to come; backdate.py dates the rows so.
            with meeting_rules.as_of(meeting.scheduled):
                meeting.obj = self.schedule(meeting, title, organiser, where)
            meeting.times.append(meeting.scheduled)

    def schedule(self, meeting: MeetingPlan, title: str, organiser: str, where: str) -> Meeting:
        return meeting_services.meeting_schedule(
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

    def transition(self, meeting: MeetingPlan, to_status: str, when: datetime, reason: str = "", **kwargs) -> None:
        if to_status == MS.NOTICE_PUBLISHED and not meeting_rules.has_research_or_reason(meeting.obj):
            meeting.obj = meeting_services.meeting_set_no_research_reason(
                meeting=meeting.obj, reason=NOTICE_WITHOUT_RESEARCH, by=self.actor_for(meeting.town)
            )
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
