"""Participation at a meeting (#14): residents invited and attending, departments and member-times, entered with
the record (prefilled from the participants' list and the check-ins), checked beside each field, shown with the
rate on the staff page and the public record, exported, and summed by `participation_totals` for the figures."""

import re
from datetime import timedelta
from io import BytesIO

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from lxml import html as lxml_html
from openpyxl import load_workbook

from sessions import services, services_record
from sessions.models import Meeting, Participant
from sessions.selectors import participation_totals
from tests.factories import MeetingFactory, MemberFactory

RECORD = {
    "record-summary": "各方同意分两期改造路灯",
    "record-suggestions": "",
    "record-attendance_count": "40",
    "record-walk_in_count": "3",
    "record-residents_invited": "30",
    "record-residents_attended": "28",
    "record-departments_count": "4",
    "record-member_times": "6",
}


def _held(platform, **kwargs):
    start = timezone.now() - timedelta(hours=3)
    kwargs.setdefault("status", "held")
    return MeetingFactory(platform=platform, starts_at=start, ends_at=start + timedelta(hours=2), **kwargs)


def _input_value(page: str, name: str) -> str | None:
    tree = lxml_html.fromstring(page)
    (field,) = tree.xpath(f'//input[@name="{name}"]')
    return field.get("value")


def _error_beside(page: str, name: str) -> str:
    """The refusal shown under the field `name` (crispy's invalid-feedback of that field's block)."""
    tree = lxml_html.fromstring(page)
    (field,) = tree.xpath(f'//input[@name="{name}"]')
    assert "is-invalid" in field.get("class", ""), f"{name} is not marked invalid"
    block = field.getparent()
    while block is not None and not block.xpath('.//*[contains(@class, "invalid-feedback")]'):
        block = block.getparent()
    assert block is not None
    return " ".join(block.xpath('.//*[contains(@class, "invalid-feedback")]')[0].itertext()).strip()


def test_the_record_form_starts_from_the_participants_list_and_the_check_ins(client, office, platform_a):
    meeting = _held(platform_a)
    came = meeting.starts_at

    def person(kind, name, **kwargs):
        Participant.objects.create(meeting=meeting, kind=kind, name=name, **kwargs)

    for n in range(5):
        person("resident", f"居民{n}", checked_in_at=came if n < 3 else None)
    person("resident", "自发来的", invited=False, checked_in_at=came)
    person("department", "李科长", organisation="住建局", checked_in_at=came)
    person("department", "王科员", organisation="住建局", checked_in_at=came)
    person("department", "赵所长", organisation="供电所", checked_in_at=came)
    for member in MemberFactory.create_batch(2):
        Participant.objects.create(meeting=meeting, kind="member", member=member, checked_in_at=came)
    client.force_login(office)
    page = client.get(f"/staff/meetings/{meeting.pk}/").content.decode()
    assert _input_value(page, "record-residents_invited") == "5"
    assert _input_value(page, "record-residents_attended") == "4"  # three invited and one walk-in checked in
    assert _input_value(page, "record-walk_in_count") == "1"
    assert _input_value(page, "record-departments_count") == "2"  # 住建局 and 供电所
    assert _input_value(page, "record-member_times") == "2"


def test_nothing_is_prefilled_when_the_list_says_nothing(client, office, platform_a):
    meeting = _held(platform_a)
    client.force_login(office)
    page = client.get(f"/staff/meetings/{meeting.pk}/").content.decode()
    for name in ("residents_invited", "residents_attended", "departments_count", "member_times"):
        assert _input_value(page, f"record-{name}") is None


def test_the_participation_recorded_is_shown_with_its_rate_on_the_staff_and_public_pages(client, office, platform_a):
    meeting = _held(platform_a)
    client.force_login(office)
    response = client.post(f"/staff/meetings/{meeting.pk}/record/", RECORD)
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert (meeting.residents_invited, meeting.residents_attended, meeting.departments_count, meeting.member_times) == (
        30,
        28,
        4,
        6,
    )
    staff = lxml_html.fromstring(client.get(f"/staff/meetings/{meeting.pk}/").content.decode())
    public = lxml_html.fromstring(client.get(f"/meetings/{meeting.pk}/").content.decode())
    for tree in (staff, public):
        shown = tree.xpath("//dl[@data-participation]//dd")
        figures = {dd.get("data-figure"): dd.text_content().strip() for dd in shown}
        assert figures == {
            "residents-invited": "30",
            "residents-attended": "28",
            "participation-rate": "93.3%",
            "departments": "4",
            "member-times": "6",
        }
        labels = [dt.text_content().strip() for dt in tree.xpath("//dl[@data-participation]//dt")]
        assert labels == ["邀请群众", "参与群众", "群众参与率", "参与部门", "委员参与人次"]


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"record-residents_invited": "-2"}, "record-residents_invited", "请填写 0 或更大的数"),
        ({"record-member_times": "-1"}, "record-member_times", "请填写 0 或更大的数"),
        (
            {"record-residents_attended": "34"},
            "record-residents_attended",
            "多于邀请群众（30 人）与自发参与群众（3 人）",
        ),
        (
            {"record-residents_attended": "45", "record-residents_invited": "50"},
            "record-residents_attended",
            "参与群众计入参会人数：最多 40 人",
        ),
    ],
)
def test_bad_numbers_are_refused_beside_the_field_and_what_was_typed_stays(
    client, office, platform_a, changes, field, message
):
    meeting = _held(platform_a)
    client.force_login(office)
    response = client.post(f"/staff/meetings/{meeting.pk}/record/", RECORD | changes)
    assert response.status_code == 400
    page = response.content.decode()
    assert message in _error_beside(page, field)
    assert _input_value(page, field) == (RECORD | changes)[field]
    assert _input_value(page, "record-departments_count") == "4"
    meeting.refresh_from_db()
    assert meeting.status == "held" and meeting.residents_invited is None


def test_walk_ins_let_the_residents_attending_exceed_those_invited(client, office, platform_a):
    meeting = _held(platform_a)
    client.force_login(office)
    response = client.post(f"/staff/meetings/{meeting.pk}/record/", RECORD | {"record-residents_attended": "33"})
    assert response.status_code == 302
    meeting.refresh_from_db()
    assert meeting.residents_attended == 33 and meeting.participation_percent == "110.0%"


def test_the_service_checks_the_same_rule_for_every_caller(office, platform_a):
    meeting = _held(platform_a)
    with pytest.raises(ValidationError) as refused:
        services.meeting_record(
            meeting=meeting, summary="纪要", by=office, walk_in_count=0, residents_invited=10, residents_attended=12
        )
    assert "residents_attended" in refused.value.error_dict
    meeting.refresh_from_db()
    assert meeting.status == "held"


def test_an_amendment_corrects_the_participation_and_keeps_the_earlier_numbers(office, platform_a):
    meeting = _held(platform_a)
    services.meeting_record(meeting=meeting, summary="纪要", by=office, residents_invited=20, residents_attended=15)
    services_record.meeting_record_amend(
        meeting=meeting, by=office, reason="核对签到表", summary="纪要", residents_invited=20, residents_attended=18
    )
    meeting.refresh_from_db()
    assert meeting.residents_attended == 18
    assert meeting.revisions.get().before["residents_attended"] == 15


def test_the_meetings_export_has_the_participation(client, office, platform_a):
    recorded = _held(platform_a)
    services.meeting_record(
        meeting=recorded, summary="纪要", by=office, residents_invited=40, residents_attended=30, member_times=5
    )
    _held(platform_a, title="未统计的会")
    client.force_login(office)
    response = client.get("/staff/documents/meetings.xlsx")
    sheet = load_workbook(BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    header = list(rows[0])
    assert header[-5:] == ["邀请群众", "参与群众", "群众参与率（%）", "参与部门", "委员参与人次"]
    by_title = {row[2]: row[-5:] for row in rows[1:]}
    assert by_title[recorded.title] == (40, 30, 75.0, None, 5)
    assert by_title["未统计的会"] == (None, None, None, None, None)


def test_the_totals_sum_what_was_recorded_and_rate_only_where_both_are_known(office, platform_a):
    a, b, c = _held(platform_a), _held(platform_a), _held(platform_a)
    services.meeting_record(
        meeting=a, summary="纪要", by=office, residents_invited=40, residents_attended=30, departments_count=3
    )
    services.meeting_record(meeting=b, summary="纪要", by=office, residents_invited=10, member_times=7)
    services.meeting_record(meeting=c, summary="纪要", by=office)
    _held(platform_a, status="cancelled", status_reason="暴雨", residents_invited=99)
    totals = participation_totals()
    assert (totals.meetings, totals.invited, totals.attended, totals.departments, totals.member_times) == (
        2,
        50,
        30,
        3,
        7,
    )
    assert totals.rate == 0.75 and totals.percent == "75.0%"  # b has no attending figure: not in the rate
    assert participation_totals(Meeting.objects.filter(pk=c.pk)).percent == "—"


def test_the_staff_meeting_page_keeps_its_query_count_whatever_the_participants(
    client, office, platform_a, django_assert_num_queries
):
    meeting = _held(platform_a)
    client.force_login(office)
    client.get(f"/staff/meetings/{meeting.pk}/")

    def count() -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(f"/staff/meetings/{meeting.pk}/").status_code == 200
        return len(queries)

    few = count()
    for member in MemberFactory.create_batch(6):
        Participant.objects.create(meeting=meeting, kind="member", member=member, checked_in_at=meeting.starts_at)
    assert count() == few
    assert re.search(r'name="record-proposer_0"', client.get(f"/staff/meetings/{meeting.pk}/").content.decode())
