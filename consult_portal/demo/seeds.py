"""What the seed articles count, in the demo county (#14): problems solved by some items (1–3), participation at the
recorded meetings (residents invited and attending, departments, member-times), a few pilot villages and platforms,
and the special committees' own research and inspections. Drawn from a stream of its own, so that the rest of the
story stays as it was; every number obeys the rules the pages check (`sessions.rules.check_participation`)."""

import random
from collections import defaultdict
from datetime import date, timedelta

from consult_portal.models import Area
from outcomes.models import OutcomeItem
from sessions import rules as meeting_rules
from sessions.models import Meeting, Participant, Platform, Research

from .common import SEED, BuilderBase, create_research

COMMITTEE_RESEARCH = (
    ("visit", "产业园区企业用工情况调研", "走访企业{n}家，{m}家反映技术工人紧缺，建议联合职业学校开设订单班。"),
    ("forum", "农村集体经济发展座谈", "座谈村干部{n}人，{m}个村集体经营性收入不足十万元，需因村施策。"),
    ("briefing", "养老服务政策宣讲", "向{n}个社区宣讲居家养老补贴政策，{m}个社区提出增设助餐点。"),
    ("inspection", "人居环境整治专项视察", "视察{n}个村，{m}个村垃圾转运点尚未建成，已形成视察报告。"),
    ("inspection", "中小学校园安全视察", "视察学校{n}所，{m}所校门口交通秩序需加强，建议增设护学岗。"),
)


class SeedsStage(BuilderBase):
    """The seed articles' figures."""

    def build_seed_figures(self) -> None:
        rng = random.Random(SEED + 2)
        self.seed_problems_solved(rng)
        self.seed_participation(rng)
        self.seed_pilots(rng)
        self.seed_committee_research(rng)

    def seed_problems_solved(self, rng: random.Random) -> None:
        """About a third of the items solve more than one problem (the seeds: 558 problems from 490 outcomes)."""
        items = list(OutcomeItem.objects.order_by("pk"))
        for item in items:
            item.problems_solved = rng.choice((1, 1, 1, 1, 2, 2, 3))
        OutcomeItem.objects.bulk_update(items, ["problems_solved"])

    def seed_participation(self, rng: random.Random) -> None:
        """Each recorded meeting: residents invited (those on the list and more told by the village), attending
        (no more than invited plus the walk-ins, and part of the attendance), departments and member-times from
        the check-ins."""
        people = defaultdict(list)
        for p in Participant.objects.filter(meeting__status=Meeting.Status.RECORDED).order_by("pk"):
            people[p.meeting_id].append(p)
        meetings = list(Meeting.objects.filter(status=Meeting.Status.RECORDED).order_by("pk"))
        for meeting in meetings:
            came = [p for p in people[meeting.pk] if p.checked_in_at]
            members = sum(1 for p in came if p.kind == Participant.Kind.MEMBER)
            departments = {p.organisation or p.name for p in came if p.kind == Participant.Kind.DEPARTMENT}
            listed = sum(1 for p in people[meeting.pk] if p.kind == Participant.Kind.RESIDENT and p.invited)
            invited = listed + rng.randint(5, 25)
            walk_ins = meeting.walk_in_count or 0
            attendance = meeting.attendance_count or 0
            room = max(attendance - members - len(departments), 0)
            attended = min(invited + walk_ins, room, max(0, round(invited * rng.uniform(0.6, 0.95)) + walk_ins))
            meeting.residents_invited, meeting.residents_attended = invited, attended
            meeting.departments_count, meeting.member_times = len(departments), members
            meeting_rules.check_participation(
                residents_invited=invited,
                residents_attended=attended,
                departments_count=len(departments),
                member_times=members,
                walk_in_count=walk_ins,
                attendance_count=meeting.attendance_count,
            )
        fields = ["residents_invited", "residents_attended", "departments_count", "member_times"]
        Meeting.objects.bulk_update(meetings, fields)

    def seed_pilots(self, rng: random.Random) -> None:
        """Four pilot villages (试点村) in two towns, one pilot town, and the platforms of the pilot villages."""
        towns = list(Area.objects.filter(level=Area.Level.TOWN).order_by("code"))
        chosen = rng.sample(towns, 2)
        villages = []
        for town in chosen:
            villages += rng.sample(list(town.children.order_by("code")), 2)
        Area.objects.filter(pk__in=[v.pk for v in villages] + [chosen[0].pk]).update(is_pilot=True)
        Platform.objects.filter(area__in=villages).update(is_pilot=True)

    def seed_committee_research(self, rng: random.Random) -> None:
        """Each committee's own research and inspections over last year and this year so far: most months of last
        year with research, one committee short of its inspections, done by its members."""
        rows, links = [], []
        committees = list(self.committees)
        by_committee = defaultdict(list)
        for member in self.members:
            if member.committee_id:
                by_committee[member.committee_id].append(member)
        yesterday = self.today - timedelta(days=1)
        for index, committee in enumerate(committees):
            members = by_committee.get(committee.pk) or []
            months = [(self.year - 1, m) for m in range(1, 13) if rng.random() < 0.75]
            months += [(self.year, m) for m in range(1, self.today.month + 1) if rng.random() < 0.6]
            for year, month in months:
                day = date(year, month, rng.randint(3, 26))
                if day > yesterday:
                    continue
                halves_inspected = index % 3 != 0  # every third committee inspects too seldom
                inspect = halves_inspected and month in (5, 11)
                kind, subject, finding = rng.choice(
                    [r for r in COMMITTEE_RESEARCH if (r[0] == "inspection") == inspect]
                )
                rows.append(
                    Research(
                        committee=committee,
                        date=day,
                        kind=kind,
                        subject=subject,
                        participants="有关部门负责同志",
                        findings=finding.format(n=rng.randint(3, 9), m=rng.randint(1, 3)),
                    )
                )
                links.append(rng.sample(members, min(len(members), rng.randint(2, 4))))
        create_research(rows, links)
