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

The stages: `areas` (places, units, platforms), `people` (members, assignments, logins), `topics`
(plans and topics), `meetings`, `attendance` (participants, research), `outcomes` (items, progress,
satisfaction, conclusions) and `backdate`, put together in `builder.DemoBuilder`; the fixture data
is in `data` (the county) and `subjects` (what the story is about).
"""

from django.db import transaction

from consult_portal.models import Area, Committee, ResponsibleUnit, Sector
from members.models import Assignment, Member
from outcomes.models import OutcomeItem, ProgressUpdate, SatisfactionResponse
from sessions.models import Meeting, MeetingTransition, Participant, Platform, Research
from topics.models import ConsultationPlan, PlanEntry, Topic, TopicEvent

from .builder import DemoBuilder
from .common import CITY_MEMBERS, COUNTY_CODE, COUNTY_MEMBERS, COUNTY_NAME, DEMO_UNIT_NAME, SEED
from .people import ensure_logins, login_rows

__all__ = [
    "CITY_MEMBERS",
    "COUNTY_CODE",
    "COUNTY_MEMBERS",
    "COUNTY_NAME",
    "DEMO_UNIT_NAME",
    "SEED",
    "DemoBuilder",
    "counts",
    "ensure_logins",
    "login_rows",
    "seed",
]


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
