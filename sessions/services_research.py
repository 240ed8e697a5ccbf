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


COMMITTEE_FIELDS = ["committee", "kind", "date", "subject", "participants", "members", "findings"]


def _check_committee_research(*, committee, date_: date, kind: str, findings: str) -> None:
    errors = {}
    if committee is None:
        errors["committee"] = _("Choose the special committee that did it.")
    if kind not in Research.Kind.values:
        errors["kind"] = _("Choose research or an inspection.")
    if not findings.strip():
        errors["findings"] = _("Write down what the research found.")
    try:
        rules.check_research_date(date_)
    except ValidationError as error:
        errors.update(error.error_dict)
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def committee_research_add(
    *,
    by,
    committee,
    date_: date,
    kind: str,
    findings: str,
    subject: str = "",
    participants: str = "",
    members: Iterable[Member] = (),
) -> Research:
    """专委会调研/视察: research or an inspection by a special committee, not tied to a meeting or a topic; what the
    committees' duties count (a month with research, a half year inspected) and the members' performance."""
    _check_committee_research(committee=committee, date_=date_, kind=kind, findings=findings)
    research = Research.objects.create(
        committee=committee,
        date=date_,
        kind=kind,
        subject=subject.strip(),
        participants=participants.strip(),
        findings=findings.strip(),
    )
    research.members.set(members)
    audit.record(
        actor=by, action="committee_research_add", obj=research, after=audit.snapshot(research, COMMITTEE_FIELDS)
    )
    return research


@transaction.atomic
def committee_research_change(
    *,
    research: Research,
    by,
    committee,
    date_: date,
    kind: str,
    findings: str,
    subject: str = "",
    participants: str = "",
    members: Iterable[Member] = (),
) -> Research:
    """Correct a committee's research record, audited with what it was when anything changed."""
    research = Research.objects.select_for_update().get(pk=research.pk, committee__isnull=False)
    _check_committee_research(committee=committee, date_=date_, kind=kind, findings=findings)
    before = audit.snapshot(research, COMMITTEE_FIELDS)
    research.committee, research.date, research.kind = committee, date_, kind
    research.subject, research.participants, research.findings = subject.strip(), participants.strip(), findings.strip()
    research.save()
    research.members.set(members)
    after = audit.snapshot(research, COMMITTEE_FIELDS)
    if after != before:
        audit.record(actor=by, action="committee_research_change", obj=research, before=before, after=after)
    return research
