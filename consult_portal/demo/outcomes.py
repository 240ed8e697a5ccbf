"""The demo outcomes: record items handed over and worked on, satisfaction, and the topics they conclude: a topic
whose results are all published concludes by itself (outcome_publish), as on the portal."""

from datetime import datetime, timedelta

from django.utils import timezone

from outcomes import services as outcome_services
from outcomes.models import OutcomeItem, ProgressUpdate, SatisfactionResponse
from topics.models import Topic

from .common import OS, TS, BuilderBase, MeetingPlan, TopicPlan
from .data import PHONE_PREFIXES
from .subjects import ANSWERS, COMMENTS, NOT_FEASIBLE_REASONS, PROGRESS_TEXTS, Subject


class OutcomesStage(BuilderBase):
    """Outcome items, progress and satisfaction, then the topics' conclusion."""

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
            # Published once the meeting's items are all handed over: the last one published concludes its topics.
            to_publish, last_published = [], recorded
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
                if published:
                    to_publish.append(obj)
                    published_at = moments.pop(0)
                    last_published = max(last_published, published_at)
                    responses += self.satisfaction(obj, meeting, status, published_at)
                self.outcome_times.append((obj, handed, answered, closed, published_at))
                overdue = not final and deadline < self.today
                if overdue or rng.random() < 0.2:
                    for member in rng.sample(meeting.members, min(len(meeting.members), rng.randint(1, 2))):
                        supervisors.append(OutcomeItem.supervisors.through(outcomeitem_id=obj.pk, member_id=member.pk))
            for obj in to_publish:
                outcome_services.outcome_publish(item=obj, by=self.office, notify=False)
            concluded = set(
                Topic.objects.filter(pk__in=[t.obj.pk for t in meeting.topics], status=TS.CONCLUDED).values_list(
                    "pk", flat=True
                )
            )
            for topic in meeting.topics:
                if topic.obj.pk in concluded:
                    self.concluded_at[id(topic)] = last_published
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
                verified=bool(phone),  # a phone here stands for one confirmed by its SMS code (#16)
                browser_token="" if phone else f"{rng.getrandbits(128):032x}",
                comment=rng.choice(COMMENTS) if rng.random() < 0.3 else "",
            )
            row._at = moment
            rows.append(row)
        return rows

    def run_conclusions(self, topics: list[TopicPlan]) -> None:
        """The moment of the history entry of each topic its last published result concluded (`run_outcomes`)."""
        for plan in topics:
            when = self.concluded_at.get(id(plan))
            if when is not None and plan.obj is not None:
                plan.times.append(when)
