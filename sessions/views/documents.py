"""The meeting's Word documents: the notice (会议通知) and the record (会议纪要), in Chinese, scoped and audited."""

from django.utils import dateformat, timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consult_portal import audit
from consult_portal.access import capability_required
from consult_portal.documents import (
    Sections,
    chinese_date,
    chinese_datetime,
    docx_filename,
    docx_response,
    in_chinese,
    new_document,
    paragraph,
    paragraphs,
    sign_off,
    table,
)

from .. import selectors
from ..models import Meeting, Participant, RecordItem


def _when(meeting: Meeting) -> str:
    starts = timezone.localtime(meeting.starts_at, timezone.get_default_timezone())
    ends = timezone.localtime(meeting.ends_at, timezone.get_default_timezone())
    if starts.date() == ends.date():
        return f"{chinese_datetime(starts)}—{dateformat.format(ends, 'G:i')}"
    return f"{chinese_datetime(starts)}—{chinese_datetime(ends)}"


def _where(meeting: Meeting) -> str:
    platform = meeting.platform
    area = platform.area
    areas = f"{area.parent.name}{area.name}" if area.level == area.Level.VILLAGE and area.parent else area.name
    place = meeting.place or platform.address
    parts = [place, f"{platform.name}（{areas}）"] if place else [f"{platform.name}（{areas}）"]
    if platform.address and platform.address != place:
        parts.append(platform.address)
    return "，".join(parts)


MEMBERS_NAMED = 3  # an addressee names this many members, then "and others"


def _addressee(meeting: Meeting, people: list[Participant]) -> str:
    """主送: the members, the departments and the experts taking part, and the platform that holds the meeting
    (residents are not named): "王律师委员，县住建局，甲一村议事室"."""
    members = [p.member.name for p in people if p.kind == Participant.Kind.MEMBER and p.member]
    units = dict.fromkeys(
        p.organisation or p.name for p in people if p.kind == Participant.Kind.DEPARTMENT and (p.organisation or p.name)
    )
    experts = [p.name for p in people if p.kind == Participant.Kind.EXPERT and p.name]
    parts = []
    if len(members) > MEMBERS_NAMED:
        names = "、".join(members[: MEMBERS_NAMED - 1])
        parts.append(
            ngettext(
                "Members %(names)s and others, %(count)s in all",
                "Members %(names)s and others, %(count)s in all",
                len(members),
            )
            % {"names": names, "count": len(members)}
        )
    elif members:
        parts.append(_("Members %(names)s") % {"names": "、".join(members)})
    parts += ["、".join(units), "、".join(experts), meeting.platform.name]
    return "，".join(part for part in parts if part)


def _status_note(document, meeting: Meeting) -> None:
    if meeting.status in (Meeting.Status.POSTPONED, Meeting.Status.CANCELLED):
        paragraph(document, meeting.status_reason, label=meeting.get_status_display())


@capability_required("exports.download")
@in_chinese
def meeting_notice(request, pk: int):
    """会议通知: the notice of a consultation meeting, to print, stamp and post or send."""
    meeting = selectors.meeting_for_user(request, pk)
    title = _("Notice of the meeting: %(title)s") % {"title": meeting.title}
    number = _("No. %(number)s") % {"number": meeting.notice_number} if meeting.notice_number else ""
    invited = [p for p in meeting.participants.all() if p.invited and p.response != Participant.Response.NO]
    document = new_document(title=title, number=number, addressee=_addressee(meeting, invited))
    _status_note(document, meeting)
    paragraph(
        document,
        _("It has been decided to hold a consultation meeting at %(place)s on %(when)s. The arrangements are:")
        % {"when": chinese_datetime(meeting.starts_at), "place": meeting.place or meeting.platform.name},
    )
    # One short item a paragraph ("一、时间：……"), so that a notice of ordinary length keeps to one page.
    section = Sections(document)
    section.item(_("Time"), _when(meeting))
    section.item(_("Place"), _where(meeting))
    section.item(_("Form of consultation"), meeting.get_form_display())
    topics = [topic.title for topic in meeting.topics.all()]
    if topics:
        listed = topics[0] if len(topics) == 1 else "；".join(f"{n}. {t}" for n, t in enumerate(topics, start=1))
        section.item(_("Topics"), listed)
    if meeting.host:
        section.item(_("Host"), meeting.host)
    if meeting.organiser:
        section.item(_("Organised by"), meeting.organiser)
    if meeting.how_to_take_part:
        first, *more = [line.strip() for line in meeting.how_to_take_part.splitlines() if line.strip()]
        section.item(_("How to take part"), first)
        for line in more:
            paragraph(document, line)
    sign_off(document)
    audit.record(actor=request.user, action="meeting_notice_export", obj=meeting, request=request)
    return docx_response(document, docx_filename(title))


def _participation(meeting: Meeting) -> list[tuple[str, str]]:
    """The participation recorded, as (label, value) rows; the rate when both of its terms are known."""
    rate = meeting.participation_percent if meeting.participation_rate is not None else None
    rows = [
        (_("Residents invited"), meeting.residents_invited),
        (_("Residents attending"), meeting.residents_attended),
        (_("Residents' participation rate"), rate),
        (_("Departments taking part"), meeting.departments_count),
        (_("Member-times"), meeting.member_times),
    ]
    return [(label, str(value)) for label, value in rows if value is not None]


def _attendees(meeting: Meeting) -> list[Participant]:
    """Who took part: those whose check-in counts (`counts_as_checked_in`); where nobody's does, those invited who
    did not decline."""
    participants = list(meeting.participants.all())
    present = [p for p in participants if p.counts_as_checked_in]
    return present or [p for p in participants if p.response != Participant.Response.NO]


def _attendee_rows(attendees: list[Participant]) -> list[list[str]]:
    rows = []
    for kind, label in Participant.Kind.choices:
        names = []
        for p in attendees:
            if p.kind != kind:
                continue
            if p.member:
                names.append(f"{p.member.name}（{p.member.sector.name}）")
            elif p.organisation and kind != Participant.Kind.RESIDENT:
                names.append(f"{p.name}（{p.organisation}）")
            else:
                names.append(p.name)
        if names:
            rows.append([str(label), "、".join(names)])
    return rows


@capability_required("exports.download")
@in_chinese
def meeting_record(request, pk: int):
    """会议纪要: what was discussed, the suggestions raised and the consensus reached (协商意见)."""
    meeting = selectors.meeting_for_user(request, pk)
    title = _("Record of the meeting: %(title)s") % {"title": meeting.title}
    attendees = _attendees(meeting)
    document = new_document(title=title, addressee=_addressee(meeting, attendees))
    if meeting.status != Meeting.Status.RECORDED:
        paragraph(document, _("The record of this meeting is not completed yet."), label=_("Note"))
    _status_note(document, meeting)
    section = Sections(document)

    section(_("The meeting"))
    facts = [
        [_("Time"), _when(meeting)],
        [_("Place"), _where(meeting)],
        [_("Form of consultation"), meeting.get_form_display()],
    ]
    if meeting.host:
        facts.append([_("Host"), meeting.host])
    if meeting.organiser:
        facts.append([_("Organised by"), meeting.organiser])
    if meeting.attendance_count is not None:
        facts.append([_("Attendance"), str(meeting.attendance_count)])
    if meeting.walk_in_count:
        facts.append([_("Residents who came of their own accord"), str(meeting.walk_in_count)])
    for label, value in _participation(meeting):
        facts.append([label, value])
    table(document, facts)

    topics = list(meeting.topics.all())
    if topics:
        section(_("Topics"))
        for number, topic in enumerate(topics, start=1):
            paragraph(document, f"{number}. {topic.title}")

    rows = _attendee_rows(attendees)
    if rows:
        section(_("Participants"))
        table(document, rows)

    research = list(meeting.research.all())
    if research:
        section(_("Research before the meeting"))
        for number, entry in enumerate(research, start=1):
            who = f"（{entry.participants}）" if entry.participants else ""
            paragraph(
                document, f"{number}. {chinese_date(entry.date)}，{entry.get_kind_display()}{who}：{entry.findings}"
            )

    if meeting.summary:
        section(_("Proceedings"))
        paragraphs(document, meeting.summary)
    if meeting.answers:
        section(_("Departments' answers on the spot"))
        paragraphs(document, meeting.answers)

    items = list(meeting.record_items.select_related("proposer").order_by("pk"))
    for kind, label in ((RecordItem.Kind.SUGGESTION, _("Suggestions raised")), (RecordItem.Kind.CONSENSUS, None)):
        chosen = [item for item in items if item.kind == kind]
        if not chosen:
            continue
        section(label or _("Consultation opinions (consensus reached)"))
        for number, item in enumerate(chosen, start=1):
            by = "（" + _("Raised by") + f"：{item.proposer.name}）" if item.proposer else ""
            paragraph(document, f"{number}. {item.text}{by}")
    sign_off(document, date=meeting.starts_at)  # a record is dated by its meeting
    audit.record(actor=request.user, action="meeting_record_export", obj=meeting, request=request)
    return docx_response(document, docx_filename(title))
