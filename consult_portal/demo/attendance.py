"""Who takes part in the demo meetings and the research before them (bulk-inserted)."""

from collections import defaultdict
from datetime import datetime, timedelta

from django.utils import timezone

from sessions.models import Meeting, Participant, Research

from .common import TS, BuilderBase, MeetingPlan, TopicPlan, create_research
from .subjects import EXPERT_ORGS


class AttendanceStage(BuilderBase):
    """Participants, check-ins and research."""

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
                        checkin_method=P.CheckinMethod.LOGIN if checked else "",
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
                        checkin_method=P.CheckinMethod.STAFF if past else "",
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
                        checkin_method=P.CheckinMethod.STAFF if past else "",
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
        for row in rows:  # residents checked in by their phone's SMS code (#16)
            if row.kind == P.Kind.RESIDENT and row.checked_in_at:
                row.checkin_method = P.CheckinMethod.SMS
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
        create_research(rows, links)
