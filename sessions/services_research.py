"""Writes on research (调研): the visits, forums and briefings before a consultation, audited like every write.

Research happens before the meeting (`rules.check_research_date`); the reason a meeting goes ahead without
any is kept on the meeting (`services.meeting_set_no_research_reason`).
"""

from collections.abc import Iterable
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from consult_portal import audit
from members.models import Member
from topics.models import Topic

from . import rules
from .models import Meeting, Research

RESEARCH_FIELDS = ["meeting", "topic", "date", "kind", "participants", "members", "findings"]


@transaction.atomic
def research_add(
    *,
    by,
    date_: date,
    kind: str,
    findings: str,
    meeting: Meeting | None = None,
    topic: Topic | None = None,
    participants: str = "",
    members: Iterable[Member] = (),
) -> Research:
    """调研 before a consultation: a visit, forum or briefing, linked to the meeting or the topic, dated no later
    than today nor than the meeting's day."""
    if meeting is None and topic is None:
        raise ValidationError(_("Research belongs to a meeting or a topic."))
    if not findings.strip():
        raise ValidationError(_("Write down what the research found."))
    rules.check_research_date(date_, meeting)
    research = Research.objects.create(
        meeting=meeting,
        topic=topic,
        date=date_,
        kind=kind,
        participants=participants.strip(),
        findings=findings.strip(),
    )
    research.members.set(members)
    audit.record(actor=by, action="research_add", obj=meeting or topic, after=audit.snapshot(research, RESEARCH_FIELDS))
    return research
