"""The demo topics and the year plans: each topic planned step by step, then run through the topic services."""

import io
from datetime import date, datetime, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image, ImageDraw

from consult_portal.images import CleanImage, clean_image
from consult_portal.models import Area, User
from members.models import Member
from sessions.models import Platform
from topics import services as topic_services
from topics.models import PlanEntry, Topic, TopicPhoto

from .common import DEMO_UNIT_NAME, TS, BuilderBase, MeetingPlan, TopicPlan
from .subjects import DECLINE_REASONS, SUBJECTS, Subject


class TopicsStage(BuilderBase):
    """Year plans, the plan of every topic, and the topics written through the services."""

    def build_plans(self) -> None:
        """Each year's plan as a draft, which takes its topics (`run_topics`) before `approve_plans`."""
        self.plans, self.plan_approvals = {}, {}
        for year, month_day in ((self.year - 1, (2, 24)), (self.year, (2, 26))):
            approved = min(date(year, *month_day), self.today - timedelta(days=1))
            self.plans[year] = topic_services.plan_get_or_create(year=year, by=self.office)
            self.plan_approvals[year] = (approved, f"沙政协〔{year}〕{self.rng.randint(3, 12)}号")

    def approve_plans(self) -> None:
        for year, (approved, document_number) in self.plan_approvals.items():
            plan = topic_services.plan_approve(
                plan=self.plans[year],
                by=self.leader,
                approved_by="区政协主席会议",
                approved_on=approved,
                document_number=document_number,
            )
            plan = topic_services.plan_publish(plan=plan, by=self.office, notify=False)
            plan.published_at = self.cap(self.at(approved + timedelta(days=3), 10))
            plan.save(update_fields=["published_at"])
            self.plans[year] = plan

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
        when = max(accepted + timedelta(days=1), self.at(self.plan_approvals[plan.year][0], 11))
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
