"""The Word documents the office sends on paper, and the staff lists' .xlsx exports (#7).

Each download is scoped like the page it comes from (liaison staff get their own town's objects, 404 otherwise),
and audited: a document or a sheet leaves the portal with personal data in it.
"""

import re
from functools import wraps

from django.conf import settings
from django.http import Http404
from django.urls import path
from django.utils import dateformat, timezone, translation
from django.utils.translation import gettext as _
from docx.enum.text import WD_ALIGN_PARAGRAPH

from members import selectors as member_selectors
from outcomes import selectors as outcome_selectors
from outcomes.forms.staff import OutcomeFilterForm
from outcomes.models import OutcomeItem
from outcomes.views.staff import satisfaction_scope
from sessions import selectors as meeting_selectors
from sessions import selectors_platforms as platform_selectors
from sessions.models import Meeting, Participant, Platform, RecordItem
from sessions.views.platforms import PlatformFilterForm, coverage_year
from sessions.views.staff import MeetingFilterForm
from topics import selectors as topic_selectors
from topics.models import ConsultationPlan, PlanEntry, Topic
from topics.views.staff import TopicFilterForm

from . import audit, committees
from .access import STAFF_ROLES, role_required, town_scope
from .documents import (
    chinese_date,
    chinese_datetime,
    docx_response,
    heading,
    masthead,
    new_document,
    page_break,
    paragraph,
    paragraphs,
    table,
)
from .forms import year_param
from .models import Area, ResponsibleUnit
from .spreadsheets import xlsx_download
from .templatetags.portal import mask_phone

CHUNK = 1000
NUMERALS = "一二三四五六七八九十"


def _in_chinese(view):
    """Papers sent by the office are in Chinese, the portal's language, whatever the reader has chosen."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        with translation.override(settings.LANGUAGE_CODE):
            return view(request, *args, **kwargs)

    return wrapper


def _filename(title: str, suffix: str = ".docx") -> str:
    return re.sub(r'[\\/:*?"<>|\s]+', "", title)[:80] + suffix


class _Sections:
    """一、二、三…: the numbering of the headings that a document actually has."""

    def __init__(self, document):
        self.document = document
        self.count = 0

    def __call__(self, text: str):
        self.count += 1
        number = NUMERALS[self.count - 1] if self.count <= len(NUMERALS) else str(self.count)
        return heading(self.document, f"{number}、{text}")


# ---------------------------------------------------------------------------------------------------- documents


def _meeting(request, pk: int) -> Meeting:
    try:
        return meeting_selectors.meeting_for_staff(pk=pk, town=town_scope(request.user))
    except Meeting.DoesNotExist:
        raise Http404 from None


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


def _status_note(document, meeting: Meeting) -> None:
    if meeting.status in (Meeting.Status.POSTPONED, Meeting.Status.CANCELLED):
        paragraph(document, meeting.status_reason, label=meeting.get_status_display())


@role_required(*STAFF_ROLES)
@_in_chinese
def meeting_notice(request, pk: int):
    """会议通知: the notice of a consultation meeting, to print, stamp and post or send."""
    meeting = _meeting(request, pk)
    title = _("Notice of the meeting: %(title)s") % {"title": meeting.title}
    document = new_document(title=title)
    _status_note(document, meeting)
    paragraph(
        document,
        _("It has been decided to hold a consultation meeting at %(place)s on %(when)s. The arrangements are:")
        % {"when": chinese_datetime(meeting.starts_at), "place": meeting.place or meeting.platform.name},
    )
    section = _Sections(document)
    section(_("Time"))
    paragraph(document, _when(meeting))
    section(_("Place"))
    paragraph(document, _where(meeting))
    section(_("Form of consultation"))
    paragraph(document, meeting.get_form_display())
    topics = list(meeting.topics.all())
    if topics:
        section(_("Topics"))
        for number, topic in enumerate(topics, start=1):
            paragraph(document, f"{number}. {topic.title}")
    if meeting.host or meeting.organiser:
        section(_("Host and organiser"))
        if meeting.host:
            paragraph(document, meeting.host, label=_("Host"))
        if meeting.organiser:
            paragraph(document, meeting.organiser, label=_("Organised by"))
    if meeting.how_to_take_part:
        section(_("How to take part"))
        paragraphs(document, meeting.how_to_take_part)
    audit.record(actor=request.user, action="meeting_notice_export", obj=meeting, request=request)
    return docx_response(document, _filename(title))


def _attendees(meeting: Meeting) -> list[Participant]:
    """Who took part: those checked in; where nobody was checked in, those invited who did not decline."""
    participants = list(meeting.participants.all())
    present = [p for p in participants if p.checked_in_at]
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


@role_required(*STAFF_ROLES)
@_in_chinese
def meeting_record(request, pk: int):
    """会议纪要: what was discussed, the suggestions raised and the consensus reached (协商意见)."""
    meeting = _meeting(request, pk)
    title = _("Record of the meeting: %(title)s") % {"title": meeting.title}
    document = new_document(title=title, date=meeting.starts_at)
    if meeting.status != Meeting.Status.RECORDED:
        paragraph(document, _("The record of this meeting is not completed yet."), label=_("Note"))
    _status_note(document, meeting)
    section = _Sections(document)

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
    table(document, facts, widths=[40, 116])

    topics = list(meeting.topics.all())
    if topics:
        section(_("Topics"))
        for number, topic in enumerate(topics, start=1):
            paragraph(document, f"{number}. {topic.title}")

    rows = _attendee_rows(_attendees(meeting))
    if rows:
        section(_("Participants"))
        table(document, rows, widths=[40, 116])

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
    audit.record(actor=request.user, action="meeting_record_export", obj=meeting, request=request)
    return docx_response(document, _filename(title))


def _assignment_sheet(document, item: OutcomeItem) -> None:
    paragraph(
        document,
        _("No. %(number)s (%(year)s)") % {"number": item.pk, "year": item.created_at.year},
        indent=False,
        align=WD_ALIGN_PARAGRAPH.RIGHT,
    )
    source = []
    if item.meeting:
        source.append(f"{item.meeting.title}（{chinese_date(item.meeting.starts_at)}）")
    if item.topic:
        source.append(_("Topic") + f"：{item.topic.title}")
    contact = item.contact_name + (f"，{item.contact_phone}" if item.contact_phone else "")
    table(
        document,
        [
            [_("Responsible unit"), item.unit.name],
            [_("Contact person"), contact],
            [_("Source"), "\n".join(source)],
            [_("Outcome item"), item.text],
            [_("Handed over"), chinese_date(item.created_at)],
            [_("Handling deadline"), chinese_date(item.deadline)],
            [
                _("Requirements"),
                _(
                    "Please study the item and handle it seriously; report progress in the consultation portal as it "
                    "happens, and give the handling result and its status before the deadline. Where the item cannot "
                    "be done for now, explain the reason."
                ),
            ],
        ],
        widths=[36, 120],
    )
    table(
        document,
        [
            [_("Handed over by (office, stamp)"), _("Received by (unit, signature and date)")],
            ["\n\n\n", "\n\n\n"],
        ],
        widths=[78, 78],
    )


def _outcome(request, pk: int) -> OutcomeItem:
    town = town_scope(request.user)
    items = OutcomeItem.objects.select_related("unit", "meeting", "topic")
    if town is not None:
        items = items.filter(town=town)
    try:
        return items.get(pk=pk)
    except OutcomeItem.DoesNotExist:
        raise Http404 from None


@role_required(*STAFF_ROLES)
@_in_chinese
def outcome_assignment(request, pk: int):
    """交办单 of one outcome item."""
    item = _outcome(request, pk)
    title = _("Assignment sheet for consultation outcomes")
    document = new_document(title=title)
    _assignment_sheet(document, item)
    audit.record(actor=request.user, action="assignment_sheet_export", obj=item, request=request)
    return docx_response(document, _filename(f"{title}-{item.pk}"))


@role_required(*STAFF_ROLES)
@_in_chinese
def meeting_assignments(request, pk: int):
    """The assignment sheets of every item handed over from a meeting, one to a page."""
    meeting = _meeting(request, pk)
    items = list(OutcomeItem.objects.filter(meeting=meeting).select_related("unit", "meeting", "topic").order_by("pk"))
    title = _("Assignment sheet for consultation outcomes")
    document = new_document(title=title)
    if not items:
        paragraph(document, _("No item has been handed over from this meeting yet."))
    for index, item in enumerate(items):
        if index:
            page_break(document)
            masthead(document, title=title)
        _assignment_sheet(document, item)
    audit.record(
        actor=request.user, action="assignment_sheet_export", obj=meeting, after={"items": len(items)}, request=request
    )
    return docx_response(document, _filename(f"{title}-{meeting.title}"))


# ---------------------------------------------------------------------------------------------------- spreadsheets


def _local(value):
    """openpyxl writes no time zones: the portal's local time, naive."""
    if value is None:
        return None
    return timezone.localtime(value, timezone.get_default_timezone()).replace(tzinfo=None)


def _labels(choices) -> dict:
    return {value: str(label) for value, label in choices}


def _place(town: str | None, village: str | None) -> str:
    return f"{town} · {village}" if village else (town or "")


def _export(request, *, name: str, sheet: str, header: list, rows, action: str):
    response, count = xlsx_download(filename=f"{name}.xlsx", sheet_title=sheet, header=header, rows=rows)
    audit.record(
        actor=request.user,
        action=action,
        after={"rows": count, "filters": {k: v for k, v in request.GET.items() if v}},
        request=request,
    )
    return response


@role_required(*STAFF_ROLES)
def topics_xlsx(request):
    """The staff topic list, with its filters, search and sort; residents' phones masked."""
    town = town_scope(request.user)
    form = TopicFilterForm(request.GET or None, town_scope=town)
    data = form.cleaned_data if form.is_valid() else {}
    filters = {k: data.get(k) for k in ("source", "status", "category", "town", "year")}
    topics = topic_selectors.staff_topics(
        town=town, filters=filters, search=data.get("q", ""), sort=data.get("sort") or "new"
    ).values(
        "tracking_code",
        "title",
        "source",
        "category",
        "town__name",
        "village__name",
        "status",
        "year",
        "created_at",
        "submitter_name",
        "submitter_phone",
        "requesting_body",
        "recommended_by__name",
    )
    sources, categories = _labels(Topic.Source.choices), _labels(Topic.Category.choices)
    statuses = _labels(Topic.Status.choices)
    rows = (
        [
            t["tracking_code"],
            t["title"],
            sources.get(t["source"], t["source"]),
            categories.get(t["category"], t["category"]),
            _place(t["town__name"], t["village__name"]),
            statuses.get(t["status"], t["status"]),
            t["year"],
            _local(t["created_at"]),
            t["requesting_body"] or t["recommended_by__name"] or t["submitter_name"],
            mask_phone(t["submitter_phone"]),
        ]
        for t in topics.iterator(chunk_size=CHUNK)
    )
    header = [
        _("Tracking code"),
        _("Title"),
        _("Source"),
        _("Category"),
        _("Where"),
        _("Status"),
        _("Year"),
        _("Received"),
        _("Proposed by"),
        _("Submitter's phone"),
    ]
    return _export(request, name="topics", sheet=str(_("Topics")), header=header, rows=rows, action="topic_export")


@role_required(*STAFF_ROLES)
def meetings_xlsx(request):
    town = town_scope(request.user)
    form = MeetingFilterForm(request.GET or None, town_scope=town)
    filters = form.cleaned_data if form.is_valid() else {}
    meetings = meeting_selectors.staff_meetings(town=town, filters=filters).values(
        "starts_at",
        "ends_at",
        "title",
        "platform__name",
        "platform__area__name",
        "platform__area__level",
        "platform__area__parent__name",
        "form",
        "place",
        "host",
        "organiser",
        "topic_count",
        "participant_count",
        "status",
    )
    forms, statuses = _labels(Meeting.Form.choices), _labels(Meeting.Status.choices)
    rows = (
        [
            _local(m["starts_at"]),
            _local(m["ends_at"]),
            m["title"],
            m["platform__name"],
            _place(m["platform__area__parent__name"], m["platform__area__name"])
            if m["platform__area__level"] == "village"
            else m["platform__area__name"],
            forms.get(m["form"], m["form"]),
            m["place"],
            m["host"],
            m["organiser"],
            m["topic_count"],
            m["participant_count"],
            statuses.get(m["status"], m["status"]),
        ]
        for m in meetings.iterator(chunk_size=CHUNK)
    )
    header = [
        _("Starts"),
        _("Ends"),
        _("Title"),
        _("Platform"),
        _("Area"),
        _("Form"),
        _("Place"),
        _("Host"),
        _("Organised by"),
        _("Topics"),
        _("Participants"),
        _("Status"),
    ]
    return _export(
        request,
        name="meetings",
        sheet=str(_("Meetings")),
        header=header,
        rows=rows,
        action="meeting_export",
    )


FIVE_FIELDS = ("organisation_confirmed_on", "sign_confirmed_on", "staff_confirmed_on", "rules_confirmed_on")


@role_required(*STAFF_ROLES)
def platforms_xlsx(request):
    town = town_scope(request.user)
    form = PlatformFilterForm(request.GET or None, town_scope=town)
    data = form.cleaned_data if form.is_valid() else {}
    platforms = platform_selectors.staff_platforms(town=town, filters=data, search=data.get("q", "")).values(
        "name",
        "level",
        "kind",
        "sector__name",
        "area__name",
        "area__level",
        "area__parent__name",
        "host_unit",
        "contact_name",
        "contact_phone",
        "address",
        *FIVE_FIELDS,
        "activity_count",
        "last_activity_at",
    )
    levels, kinds = _labels(Platform.Level.choices), _labels(Platform.Kind.choices)
    rows = (
        [
            p["name"],
            levels.get(p["level"], p["level"]),
            kinds.get(p["kind"], p["kind"]) + (f" · {p['sector__name']}" if p["sector__name"] else ""),
            _place(p["area__parent__name"], p["area__name"]) if p["area__level"] == "village" else p["area__name"],
            p["host_unit"],
            p["contact_name"],
            p["contact_phone"],
            p["address"],
            *(p[field] for field in FIVE_FIELDS),
            p["activity_count"],
            _local(p["last_activity_at"]),
            sum(1 for field in FIVE_FIELDS if p[field]) + int(p["activity_count"] > 0),
        ]
        for p in platforms.iterator(chunk_size=CHUNK)
    )
    header = [
        _("Name"),
        _("Level"),
        _("Kind"),
        _("Area"),
        _("Host unit"),
        _("Contact person"),
        _("Contact phone"),
        _("Address"),
        *(str(label) for _key, _field, label in platform_selectors.FIVE_HAVES),
        _("Meetings held in the last 12 months"),
        _("Last meeting"),
        _("“Five haves” met (of 5)"),
    ]
    return _export(
        request,
        name="platforms",
        sheet=str(_("Platforms")),
        header=header,
        rows=rows,
        action="platform_export",
    )


@role_required(*STAFF_ROLES)
def outcomes_xlsx(request):
    town = town_scope(request.user)
    form = OutcomeFilterForm(request.GET or None, town_scope=town)
    filters = form.cleaned_data if form.is_valid() else {}
    items = outcome_selectors.staff_items(town=town, filters=filters).values(
        "pk",
        "text",
        "meeting__title",
        "topic__title",
        "unit__name",
        "contact_name",
        "contact_phone",
        "town__name",
        "created_at",
        "deadline",
        "status",
        "closed_at",
        "published_at",
        "n_supervisors",
    )
    statuses = _labels(OutcomeItem.Status.choices)
    today = timezone.localdate()
    yes, county = _("Yes"), _("County")
    rows = (
        [
            i["pk"],
            i["text"],
            i["meeting__title"] or "",
            i["topic__title"] or "",
            i["unit__name"],
            i["contact_name"],
            i["contact_phone"],
            i["town__name"] or county,
            _local(i["created_at"]),
            i["deadline"],
            statuses.get(i["status"], i["status"]),
            yes if i["status"] in OutcomeItem.OPEN and i["deadline"] < today else "",
            _local(i["closed_at"]),
            yes if i["published_at"] else "",
            i["n_supervisors"],
        ]
        for i in items.iterator(chunk_size=CHUNK)
    )
    header = [
        _("No."),
        _("Outcome item"),
        _("Meeting"),
        _("Topic"),
        _("Responsible unit"),
        _("Contact person"),
        _("Contact phone"),
        _("Town / street"),
        _("Handed over"),
        _("Handling deadline"),
        _("Status"),
        _("Overdue"),
        _("Closed"),
        _("Published"),
        _("Supervisors"),
    ]
    return _export(
        request,
        name="outcomes",
        sheet=str(_("Outcome items")),
        header=header,
        rows=rows,
        action="outcome_export",
    )


@role_required(*STAFF_ROLES)
def plan_xlsx(request, year: int):
    """The annual plan of /staff/plans/<year>/: its entries by quarter, liaison staff their own town's."""
    town = town_scope(request.user)
    plan = ConsultationPlan.objects.filter(year=year).first()
    entries = topic_selectors.plan_entries(plan, town=town) if plan else PlanEntry.objects.none()
    levels = _labels(PlanEntry.PlatformLevel.choices)
    rows = (
        [
            f"Q{e['quarter']}",
            e["topic__tracking_code"],
            e["topic__title"],
            _place(e["topic__town__name"], e["topic__village__name"]),
            levels.get(e["platform_level"], e["platform_level"]),
        ]
        for e in entries.values(
            "quarter",
            "topic__tracking_code",
            "topic__title",
            "topic__town__name",
            "topic__village__name",
            "platform_level",
        ).iterator(chunk_size=CHUNK)
    )
    header = [_("Quarter"), _("Tracking code"), _("Topic"), _("Where"), _("Platform level")]
    response, count = xlsx_download(
        filename=f"plan-{year}.xlsx", sheet_title=str(_("Annual plan")), header=header, rows=rows
    )
    audit.record(
        actor=request.user,
        action="plan_export",
        obj=plan,
        after={"rows": count, "year": year, "status": plan.status if plan else None},
        request=request,
    )
    return response


@role_required(*STAFF_ROLES)
def coverage_xlsx(request):
    """The platforms' coverage of /staff/coverage/: each town then its villages, and the towns' total."""
    town = town_scope(request.user)
    _form, year = coverage_year(request)
    target = settings.MEETINGS_PER_TOWN_TARGET
    areas = platform_selectors.coverage(year=year, town=town).values(
        "name", "level", "platform_count", "villages_with_platform", "village_count", "meeting_count"
    )
    levels = _labels(Area.Level.choices)
    below, met = str(_("Below target")), str(_("Target met"))

    def rows():
        towns = platforms = meetings = 0
        for a in areas.iterator(chunk_size=CHUNK):
            is_town = a["level"] == Area.Level.TOWN
            if is_town:
                towns, platforms, meetings = towns + 1, platforms + a["platform_count"], meetings + a["meeting_count"]
            yield [
                a["name"],
                levels.get(a["level"], a["level"]),
                a["platform_count"],
                a["villages_with_platform"] if is_town else None,
                a["village_count"] if is_town else None,
                a["meeting_count"],
                (below if a["meeting_count"] < target else met) if is_town else "",
            ]
        if towns > 1:
            yield [str(_("All towns")), "", platforms, None, None, meetings, ""]

    header = [
        _("Town / village"),
        _("Level"),
        _("Platforms"),
        _("Villages with a platform"),
        _("Villages"),
        _("Consultations held"),
        _("Target") + f" ({target})",
    ]
    return _export(
        request,
        name=f"coverage-{year}",
        sheet=str(_("Coverage")),
        header=header,
        rows=rows(),
        action="coverage_export",
    )


@role_required(*STAFF_ROLES)
def member_coverage_xlsx(request):
    """The members' sinking coverage of /staff/members/coverage/: each town and village, the members sunk there."""
    data = member_selectors.coverage(town=town_scope(request.user))
    levels = _labels(Area.Level.choices)
    rows = (
        [
            row["area"].name,
            levels.get(row["area"].level, row["area"].level),
            len(row["members"]),
            "、".join(member.name for member in row["members"]),
        ]
        for row in data["rows"]
    )
    header = [_("Town or village"), _("Level"), _("Members"), _("Sunk members")]
    return _export(
        request,
        name="member-coverage",
        sheet=str(_("Sinking coverage")),
        header=header,
        rows=rows,
        action="member_coverage_export",
    )


@role_required(*STAFF_ROLES)
def committees_xlsx(request):
    """The special committees' duties of /staff/members/committees/ (county-wide bodies: the same for every reader)."""
    year = year_param(request)
    short = str(_("short"))
    links = str(_("link 1–2 stations"))
    rows = (
        [
            row["committee"].name,
            "、".join(station.name for station in row["stations"]),
            "、".join(studio.name for studio in row["studios"]),
            "" if row["links_ok"] else links,
            row["consultations"],
            committees.CONSULTATIONS_A_YEAR,
            short if row["consultations_short"] else "",
            row["research_months"],
            row["months_due"],
            short if row["research_short"] else "",
            row["inspections"],
            row["halves_due"],
            short if row["inspection_short"] else "",
        ]
        for row in committees.duties(year=year)
    )
    header = [
        _("Special committee"),
        _("Liaison stations"),
        _("Studios"),
        _("Links"),
        _("Consultations"),
        _("Consultations due"),
        _("Consultations short"),
        _("Months with research"),
        _("Months due"),
        _("Research short"),
        _("Half years inspected"),
        _("Half years due"),
        _("Inspections short"),
    ]
    return _export(
        request,
        name=f"committees-{year}",
        sheet=str(_("Special committees")),
        header=header,
        rows=rows,
        action="committee_duties_export",
    )


def _satisfaction_row(name: str, figures) -> list:
    rate = None if figures.rate is None else round(figures.rate * 100, 1)
    return [name, figures.total, figures.satisfied, rate]


def _satisfaction_header(first: str) -> list:
    return [first, _("Responses"), _("Satisfied responses"), _("Satisfaction rate (%)")]


@role_required(*STAFF_ROLES)
def satisfaction_units_xlsx(request):
    """Satisfaction by responsible unit, as /staff/outcomes/satisfaction/ shows it, then the overall figure."""
    _form, year, _town, items = satisfaction_scope(request)
    by_unit = outcome_selectors.satisfaction(items, by="unit")
    overall = outcome_selectors.satisfaction(items)[None]
    units = ResponsibleUnit.objects.filter(pk__in=[k for k in by_unit if k]).order_by("name").values("pk", "name")

    def rows():
        for unit in units.iterator(chunk_size=CHUNK):
            yield _satisfaction_row(unit["name"], by_unit[unit["pk"]])
        yield _satisfaction_row(str(_("Overall")), overall)

    return _export(
        request,
        name=f"satisfaction-units-{year}",
        sheet=str(_("By responsible unit")),
        header=_satisfaction_header(_("Responsible unit")),
        rows=rows(),
        action="satisfaction_units_export",
    )


@role_required(*STAFF_ROLES)
def satisfaction_towns_xlsx(request):
    """Satisfaction by town, then the county-wide items and the overall figure."""
    _form, year, _town, items = satisfaction_scope(request)
    by_town = outcome_selectors.satisfaction(items, by="town")
    overall = outcome_selectors.satisfaction(items)[None]
    towns = Area.objects.filter(pk__in=[k for k in by_town if k]).order_by("code").values("pk", "name")

    def rows():
        for area in towns.iterator(chunk_size=CHUNK):
            yield _satisfaction_row(area["name"], by_town[area["pk"]])
        if by_town.get(None):
            yield _satisfaction_row(str(_("County-wide items")), by_town[None])
        yield _satisfaction_row(str(_("Overall")), overall)

    return _export(
        request,
        name=f"satisfaction-towns-{year}",
        sheet=str(_("By town")),
        header=_satisfaction_header(_("Town")),
        rows=rows(),
        action="satisfaction_towns_export",
    )


urlpatterns = [
    path("staff/documents/meetings/<int:pk>/notice.docx", meeting_notice, name="documents-meeting-notice"),
    path("staff/documents/meetings/<int:pk>/record.docx", meeting_record, name="documents-meeting-record"),
    path(
        "staff/documents/meetings/<int:pk>/assignments.docx",
        meeting_assignments,
        name="documents-meeting-assignments",
    ),
    path("staff/documents/outcomes/<int:pk>/assignment.docx", outcome_assignment, name="documents-outcome-assignment"),
    path("staff/documents/topics.xlsx", topics_xlsx, name="documents-topics-xlsx"),
    path("staff/documents/meetings.xlsx", meetings_xlsx, name="documents-meetings-xlsx"),
    path("staff/documents/platforms.xlsx", platforms_xlsx, name="documents-platforms-xlsx"),
    path("staff/documents/outcomes.xlsx", outcomes_xlsx, name="documents-outcomes-xlsx"),
    path("staff/documents/plan-<int:year>.xlsx", plan_xlsx, name="documents-plan-xlsx"),
    path("staff/documents/coverage.xlsx", coverage_xlsx, name="documents-coverage-xlsx"),
    path("staff/documents/member-coverage.xlsx", member_coverage_xlsx, name="documents-member-coverage-xlsx"),
    path("staff/documents/committees.xlsx", committees_xlsx, name="documents-committees-xlsx"),
    path("staff/documents/satisfaction-units.xlsx", satisfaction_units_xlsx, name="documents-satisfaction-units-xlsx"),
    path("staff/documents/satisfaction-towns.xlsx", satisfaction_towns_xlsx, name="documents-satisfaction-towns-xlsx"),
]
