"""Every staff write leaves an audit entry with its actor and action, and the address of the request it was made in
(#13); so do logins, failed logins, logouts and exports (#8)."""

import itertools
from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.utils import timezone

from consult_portal import audit, tasks
from consult_portal.middleware import AuditContextMiddleware
from consult_portal.models import AuditEntry
from members import services as member_services
from members.models import Assignment, Member
from outcomes import services as outcome_services
from outcomes import services_survey as survey_services
from sessions import services as meeting_services
from sessions import services_platforms, services_record, services_research
from sessions.models import Meeting, Participant
from tests.factories import MeetingFactory, MemberFactory, OutcomeFactory, PlatformFactory, SectorFactory, TopicFactory
from topics import services as topic_services
from topics.models import ConsultationPlan

TODAY = timezone.localdate


@pytest.fixture
def ctx(office, unit_user, unit, town_a, village_a):
    return SimpleNamespace(office=office, unit_user=unit_user, unit=unit, town=town_a, village=village_a)


def _topic(c, **fields):
    return TopicFactory(town=c.town, village=c.village, **fields)


def _meeting(c, **fields):
    platform = PlatformFactory(area=c.village, level="village")
    return MeetingFactory(platform=platform, **fields)


def _held_meeting(c):
    start = timezone.now() - timedelta(hours=3)
    meeting = _meeting(c, starts_at=start, ends_at=start + timedelta(hours=2), no_research_reason="紧急事项")
    return meeting_services.meeting_transition(meeting=meeting, to_status="held", by=c.office)


_years = itertools.count(2031)


def _plan(c, **fields):
    """A plan of a year of its own: the table's writes all run in one database in the label test."""
    return ConsultationPlan.objects.create(year=next(_years), **fields)


def _plan_entry(c):
    plan = _plan(c)
    topic = _topic(c, status="accepted", year=plan.year)
    return topic_services.plan_add_topic(plan=plan, topic=topic, quarter=2, platform_level="town", by=c.office)


def _participant(c):
    [participant] = meeting_services.participants_invite(
        meeting=_meeting(c), by=c.office, others=[("resident", "李大爷", "", "13900001111")]
    )
    return participant


def _item(c, **fields):
    return OutcomeFactory(meeting=_meeting(c), unit=c.unit, **fields)


def _published_item(c):
    return _item(c, status="implemented", answer="已修复", closed_at=timezone.now(), published_at=timezone.now())


def _studio(c):
    return services_platforms.platform_create(
        by=c.office,
        name=f"教育界委员工作室{next(_years)}",
        level="village",
        area=c.village,
        kind="studio",
        sector=SectorFactory(),
    )


def _member_save(c):
    member = Member(name="孙老师", level="county", sector=SectorFactory(), term_start=TODAY())
    return member_services.member_save(member=member, by=c.office)


def _member_update(c):
    member = MemberFactory()
    member.expertise = "教育"
    return member_services.member_save(member=member, by=c.office)


def _assignment(c):
    [assignment] = member_services.assignments_create(
        members=[MemberFactory()], area=c.village, role=Assignment.Role.CONTACT, starts_on=TODAY(), by=c.office
    )
    return assignment


# (action, who acts, the write: returns the object the entry is about)
WRITES = [
    # topics and the annual plan
    (
        "topic_submit",
        "office",
        lambda c: topic_services.topic_submit(
            title="背街小巷改造",
            description="县政府点题",
            source="party",
            category="development",
            town=c.town,
            year=TODAY().year,
            requesting_body="县人民政府",
            by=c.office,
        ),
    ),
    *[
        (
            f"topic_{action}",
            "office",
            lambda c, action=action, status=status, extra=extra: topic_services.topic_change_status(
                topic=_topic(c), to_status=status, by=c.office, action=action, **extra(c)
            ),
        )
        for action, status, extra in [
            ("accept", "accepted", lambda c: {}),
            ("visit", "visiting", lambda c: {}),
            ("decline", "declined", lambda c: {"public_note": "已列入道路改造计划"}),
            ("merge", "merged", lambda c: {"merged_into": _topic(c)}),
            ("forward", "forwarded", lambda c: {"forwarded_to": c.unit}),
        ]
    ],
    (
        "topic_note",
        "office",
        lambda c: topic_services.topic_add_note(topic=_topic(c), by=c.office, public_note="x").topic,
    ),
    ("plan_create", "office", lambda c: topic_services.plan_get_or_create(year=TODAY().year, by=c.office)),
    ("plan_entry_add", "office", _plan_entry),
    ("topic_plan", "office", lambda c: _plan_entry(c).topic),
    (
        "plan_approve",
        "office",
        lambda c: topic_services.plan_approve(plan=_plan(c), by=c.office, approved_by="主席会议", approved_on=TODAY()),
    ),
    (
        "plan_publish",
        "office",
        lambda c: topic_services.plan_publish(
            plan=_plan(c, status="approved", approved_by="主席会议", approved_on=TODAY()), by=c.office
        ),
    ),
    # meetings, participants, research, platforms
    (
        "meeting_schedule",
        "office",
        lambda c: meeting_services.meeting_schedule(
            title="路灯协商会",
            platform=PlatformFactory(area=c.village, level="village"),
            starts_at=timezone.now() + timedelta(days=5),
            ends_at=timezone.now() + timedelta(days=5, hours=2),
            by=c.office,
        ),
    ),
    (
        "meeting_published",
        "office",
        lambda c: meeting_services.meeting_transition(
            meeting=_meeting(c, status="planned", no_research_reason="紧急事项"), to_status="published", by=c.office
        ),
    ),
    (
        "meeting_postponed",
        "office",
        lambda c: meeting_services.meeting_transition(
            meeting=_meeting(c), to_status="postponed", by=c.office, reason="雨"
        ),
    ),
    (
        "meeting_cancelled",
        "office",
        lambda c: meeting_services.meeting_transition(
            meeting=_meeting(c), to_status="cancelled", by=c.office, reason="撤"
        ),
    ),
    (
        "meeting_planned",
        "office",
        lambda c: meeting_services.meeting_reschedule(
            meeting=_meeting(c, status="planned"),
            starts_at=timezone.now() + timedelta(days=9),
            ends_at=timezone.now() + timedelta(days=9, hours=1),
            by=c.office,
        ),
    ),
    ("meeting_held", "office", _held_meeting),
    (
        "meeting_recorded",
        "office",
        lambda c: meeting_services.meeting_record(
            meeting=_held_meeting(c), summary="会议纪要", by=c.office, items=[("suggestion", "修路灯")]
        ),
    ),
    (
        "meeting_record_content",
        "office",
        lambda c: meeting_services.meeting_record(meeting=_held_meeting(c), summary="会议纪要", by=c.office),
    ),
    (
        "meeting_record_amend",
        "office",
        lambda c: services_record.meeting_record_amend(
            meeting=meeting_services.meeting_record(meeting=_held_meeting(c), summary="会议纪要", by=c.office),
            by=c.office,
            reason="补记现场答复",
            summary="会议纪要",
            answers="交通局答复年内完成",
        ),
    ),
    (
        "meeting_photos_add",
        "office",
        lambda c: (
            meeting_services.meeting_photos_add(
                meeting=(m := _meeting(c)),
                images=[SimpleUploadedFile("m.jpg", b"jpeg", content_type="image/jpeg")],
                by=c.office,
            )
            and m
        ),
    ),
    (
        "meeting_no_research_reason",
        "office",
        lambda c: meeting_services.meeting_set_no_research_reason(meeting=_meeting(c), reason="紧急", by=c.office),
    ),
    ("participant_invite", "office", lambda c: _participant(c).meeting),
    (
        "participant_respond",
        "office",
        lambda c: (
            meeting_services.participant_respond(participant=_participant(c), response="yes", by=c.office).meeting
        ),
    ),
    (
        "attendance_mark",
        "office",
        lambda c: meeting_services.attendance_mark(participant=_participant(c), present=True, by=c.office).meeting,
    ),
    (
        "research_add",
        "office",
        lambda c: (
            services_research.research_add(
                by=c.office, date_=TODAY(), kind="visit", findings="走访了十户", meeting=_meeting(c)
            ).meeting
        ),
    ),
    ("platform_create", "office", _studio),
    (
        "platform_update",
        "office",
        lambda c: services_platforms.platform_update(platform=_studio(c), by=c.office, address="村委会二楼"),
    ),
    (
        "studio_member_add",
        "office",
        lambda c: (
            services_platforms.studio_member_set(
                platform=(p := _studio(c)), member=MemberFactory(), present=True, by=c.office
            )
            or p
        ),
    ),
    # members
    ("member_create", "office", _member_save),
    ("member_update", "office", _member_update),
    ("assignment_create", "office", _assignment),
    (
        "assignment_end",
        "office",
        lambda c: member_services.assignment_end(assignment=_assignment(c), ends_on=TODAY(), by=c.office),
    ),
    # outcomes: the office hands over and checks, the unit reports
    (
        "outcome_hand_over",
        "office",
        lambda c: outcome_services.outcome_hand_over(
            text="更换路灯",
            unit=c.unit,
            contact_name="王科长",
            deadline=TODAY() + timedelta(days=30),
            by=c.office,
            meeting=_held_meeting(c),
        ),
    ),
    (
        "outcome_progress",
        "unit_user",
        lambda c: outcome_services.outcome_post_progress(item=_item(c), text="已采购灯具", by=c.unit_user).item,
    ),
    (
        "outcome_answer",
        "unit_user",
        lambda c: outcome_services.outcome_answer(item=_item(c), answer="已修复", status="implemented", by=c.unit_user),
    ),
    (
        "outcome_accept",
        "office",
        lambda c: outcome_services.outcome_accept(
            item=_item(c, status="answered", answer="已修复", answer_status="implemented"), by=c.office
        ),
    ),
    (
        "outcome_return",
        "office",
        lambda c: outcome_services.outcome_return(
            item=_item(c, status="answered", answer="已修复", answer_status="implemented"), note="补照片", by=c.office
        ),
    ),
    (
        "outcome_publish",
        "office",
        lambda c: outcome_services.outcome_publish(
            item=_item(c, status="implemented", answer="已修复", closed_at=timezone.now()), by=c.office
        ),
    ),
    (
        "outcome_deadline",
        "office",
        lambda c: outcome_services.outcome_change_deadline(
            item=_item(c), deadline=TODAY() + timedelta(days=60), reason="汛期", by=c.office
        ),
    ),
    (
        "outcome_supervisors",
        "office",
        lambda c: outcome_services.outcome_set_supervisors(item=_item(c), members=[MemberFactory()], by=c.office),
    ),
    (
        "outcome_tally",
        "office",
        lambda c: (
            survey_services.survey_tally_add(
                item=(i := _published_item(c)), by=c.office, method="visit", date=TODAY(), sample_size=2, satisfied=2
            )
            and i
        ),
    ),
]


@pytest.mark.parametrize(("action", "who", "write"), WRITES, ids=[row[0] for row in WRITES])
def test_it_audits_each_staff_write_with_its_actor_and_action(ctx, action, who, write):
    obj = write(ctx)
    entries = AuditEntry.objects.filter(action=action)
    assert entries.exists(), f"no audit entry {action!r}"
    entry = entries.latest("id")
    assert entry.actor == getattr(ctx, who)
    if obj is not None:
        assert (entry.content_type.model_class(), entry.object_id) == (type(obj), str(obj.pk))


ADDRESS = "198.51.100.23"


@pytest.mark.parametrize(("action", "who", "write"), WRITES, ids=[row[0] for row in WRITES])
def test_it_records_the_address_of_each_write_made_in_a_request(ctx, action, who, write):
    """The services are not handed the request: its address reaches their entries all the same."""

    def view(request):
        write(ctx)
        return HttpResponse()

    AuditContextMiddleware(view)(RequestFactory().post("/staff/", REMOTE_ADDR=ADDRESS))
    assert AuditEntry.objects.filter(action=action).latest("id").ip == ADDRESS


def test_a_task_writes_no_address_even_when_a_request_starts_it(db):
    with audit.address(ADDRESS):
        tasks.prune_audit_log.apply()  # in this process, as without Redis
        audit.record(actor=None, action="topic_note")
    assert AuditEntry.objects.get(action="audit_prune").ip is None
    assert AuditEntry.objects.get(action="topic_note").ip == ADDRESS  # the request's own writes keep it
    audit.record(actor=None, action="topic_accept")
    assert AuditEntry.objects.get(action="topic_accept").ip is None  # and it ends with the request


def test_every_audited_action_has_a_label_in_the_viewer(ctx):
    for _action, _who, write in WRITES:
        write(ctx)
    unlabelled = set(AuditEntry.objects.values_list("action", flat=True)) - set(audit.ACTION_LABELS)
    assert not unlabelled


def test_the_staff_views_write_through_audited_services(client, office, town_a, village_a):
    """A few writes end to end: the views call the services that audit."""
    topic = TopicFactory(town=town_a, village=village_a)
    client.defaults["REMOTE_ADDR"] = ADDRESS
    client.force_login(office)
    response = client.post(f"/staff/topics/{topic.pk}/accept/", {"accept-public_note": "", "accept-internal_note": ""})
    assert response.status_code == 302
    response = client.post(f"/staff/topics/{topic.pk}/note/", {"note-public_note": "已走访", "note-internal_note": ""})
    assert response.status_code == 302
    meeting = MeetingFactory(platform=PlatformFactory(area=village_a, level="village"))
    response = client.post(
        f"/staff/meetings/{meeting.pk}/invite-other/",
        {"other-kind": "resident", "other-name": "李大爷", "other-organisation": "", "other-phone": "13900001111"},
    )
    assert response.status_code == 302
    participant = Participant.objects.get(meeting=meeting)
    client.post(f"/staff/meetings/{meeting.pk}/attendance/", {"participant": participant.pk, "present": "1"})
    writes = AuditEntry.objects.filter(actor=office).exclude(action="login").order_by("id")
    actions = list(writes.values_list("action", flat=True))
    assert actions == ["topic_accept", "topic_note", "participant_invite", "attendance_mark"]
    assert set(writes.values_list("ip", flat=True)) == {ADDRESS}


def test_the_meeting_record_photos_are_audited(client, office, village_a):
    from tests.topics.conftest import photo

    start = timezone.now() - timedelta(hours=3)
    meeting = MeetingFactory(
        platform=PlatformFactory(area=village_a, level="village"),
        starts_at=start,
        ends_at=start + timedelta(hours=2),
        status="held",
    )
    client.force_login(office)
    response = client.post(
        f"/staff/meetings/{meeting.pk}/record/",
        {
            "record-summary": "纪要",
            "record-attendance_count": "10",
            "record-walk_in_count": "",
            "record-photos": [photo()],
        },
    )
    assert response.status_code == 302
    assert Meeting.objects.get(pk=meeting.pk).photos.count() == 1
    entry = AuditEntry.objects.get(action="meeting_photos_add")
    assert (entry.actor, entry.object_id) == (office, str(meeting.pk))


# -- accounts -------------------------------------------------------------------------------------------


def test_it_audits_a_failed_login_with_the_username_and_address_and_never_the_password(office):
    browser = Client(REMOTE_ADDR="203.0.113.9")
    browser.post("/accounts/login/", {"username": "office1", "password": "Wrong-Secret-99"})
    entry = AuditEntry.objects.get(action="login_failed")
    assert entry.actor is None
    assert entry.after == {"username": "office1"}
    assert entry.ip == "203.0.113.9"
    assert "Wrong-Secret-99" not in str(entry.before) + str(entry.after) + entry.object_repr


def test_it_audits_a_login_and_a_logout_with_the_address(office):
    browser = Client(REMOTE_ADDR="203.0.113.10")
    assert browser.post("/accounts/login/", {"username": "office1", "password": "Correct-Horse-42"}).status_code == 302
    browser.post("/accounts/logout/")
    login = AuditEntry.objects.get(action="login")
    logout = AuditEntry.objects.get(action="logout")
    assert (login.actor, login.ip) == (office, "203.0.113.10")
    assert (logout.actor, logout.ip) == (office, "203.0.113.10")


# -- exports --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "action"),
    [
        ("/staff/audit/export.xlsx", "audit_export"),
        ("/staff/members/export.xlsx", "member_export"),
        (f"/staff/members/performance.xlsx?year={timezone.localdate().year}", "performance_export"),
    ],
)
def test_it_audits_each_export(client, office, url, action):
    client.force_login(office)
    response = client.get(url)
    assert response.status_code == 200, url
    b"".join(response.streaming_content)
    entry = AuditEntry.objects.get(action=action)
    assert entry.actor == office
    assert "rows" in entry.after
