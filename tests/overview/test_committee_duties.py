"""Committee duties and "suggestion adopted" points through the pages (#14): office staff record a special committee's
research and inspections on staff pages (validated, audited, listed), the duties page and the members' performance
count them; the proposer chosen in the record form earns the suggestion-adopted points once the item is implemented."""

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from lxml import html as lxml_html

from consult_portal.models import AuditEntry
from outcomes import services as outcome_services
from sessions.models import Participant, RecordItem, Research
from tests.factories import CommitteeFactory, MeetingFactory, MemberFactory, PlatformFactory

LAST_YEAR = timezone.localdate().year - 1


@pytest.fixture
def economy(db):
    return CommitteeFactory(name="经济委员会")


@pytest.fixture
def zhang(economy):
    return MemberFactory(name="张委员", committee=economy)


def _post(client, economy, zhang, **changes):
    data = {
        "committee": economy.pk,
        "kind": "inspection",
        "date": date(LAST_YEAR, 5, 12).isoformat(),
        "subject": "农村人居环境整治视察",
        "members": [zhang.pk],
        "participants": "县农业农村局",
        "findings": "三个村的垃圾转运点尚未建成。",
    }
    return client.post("/staff/members/committees/research/new/", data | changes)


def _duty(client, economy, year=LAST_YEAR) -> dict:
    tree = lxml_html.fromstring(client.get("/staff/members/committees/", {"year": year}).content.decode())
    (row,) = tree.xpath(f'//tr[@data-committee="{economy.pk}"]')
    return {key: row.get(f"data-{key}") for key in ("research-months", "inspections")}


def _performance_row(client, member, year=LAST_YEAR) -> dict[str, str]:
    """The member's row of the performance ranking, by the columns' Chinese headers, and its points."""
    tree = lxml_html.fromstring(client.get("/staff/members/performance/", {"year": year}).content.decode())
    (row,) = tree.xpath(f'//tr[@data-member="{member.pk}"]')
    headers = [th.text_content().strip() for th in row.xpath("ancestor::table//thead//th")]
    cells = [td.text_content().strip() for td in row.xpath("td")]
    return dict(zip(headers, cells, strict=True)) | {"points": row.get("data-points")}


def test_the_committees_page_links_to_the_research_pages(client, office, leader, economy):
    client.force_login(office)
    page = client.get("/staff/members/committees/").content.decode()
    assert 'href="/staff/members/committees/research/new/"' in page
    assert "记录调研或视察" in page
    client.force_login(leader)
    page = client.get("/staff/members/committees/").content.decode()
    assert "/staff/members/committees/research/" in page and "research/new/" not in page


def test_an_inspection_entered_on_the_page_counts_for_the_committee_and_the_member(client, office, economy, zhang):
    client.force_login(office)
    assert _duty(client, economy) == {"research-months": "0", "inspections": "0"}
    response = _post(client, economy, zhang)
    assert response.status_code == 302 and response["Location"] == "/staff/members/committees/research/"
    research = Research.objects.get()
    assert (research.committee, research.meeting, research.topic, list(research.members.all())) == (
        economy,
        None,
        None,
        [zhang],
    )
    assert _duty(client, economy) == {"research-months": "1", "inspections": "1"}
    row = _performance_row(client, zhang)
    assert row["姓名"] == "张委员" and row["调研"] == "1"  # research taken part in
    listing = client.get("/staff/members/committees/research/", {"committee": economy.pk}).content.decode()
    assert "农村人居环境整治视察" in listing and "视察" in listing and "张委员" in listing
    entry = AuditEntry.objects.get(action="committee_research_add")
    assert entry.after["committee"] == economy.pk and entry.after["members"] == [zhang.pk]


def test_bad_input_is_refused_beside_the_field_and_what_was_typed_stays(client, office, economy, zhang):
    client.force_login(office)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = _post(client, economy, zhang, date=tomorrow, findings="  ", subject="我写的主题")
    assert response.status_code == 400
    tree = lxml_html.fromstring(response.content.decode())
    date_error = tree.xpath('//*[@id="error_1_id_date"]')
    assert "调研日期不能晚于今天" in date_error[0].text_content()
    assert tree.xpath('//*[@id="error_1_id_findings"]')
    assert tree.xpath('//input[@name="subject"]')[0].get("value") == "我写的主题"
    assert tree.xpath('//input[@name="date"]')[0].get("value") == tomorrow
    assert not Research.objects.exists()


def test_staff_correct_a_record_and_the_change_is_audited(client, office, economy, zhang):
    client.force_login(office)
    _post(client, economy, zhang)
    research = Research.objects.get()
    page = client.get(f"/staff/members/committees/research/{research.pk}/").content.decode()
    assert 'value="农村人居环境整治视察"' in page
    response = client.post(
        f"/staff/members/committees/research/{research.pk}/",
        {
            "committee": economy.pk,
            "kind": "visit",
            "date": date(LAST_YEAR, 8, 3).isoformat(),
            "members": [zhang.pk],
            "findings": "入户走访十二户。",
        },
        follow=True,
    )
    assert "已更正" in response.content.decode()
    research.refresh_from_db()
    assert (research.kind, research.date) == ("visit", date(LAST_YEAR, 8, 3))
    entry = AuditEntry.objects.get(action="committee_research_change")
    assert (entry.before["kind"], entry.after["kind"]) == ("inspection", "visit")
    assert _duty(client, economy) == {"research-months": "1", "inspections": "0"}


def test_research_of_a_meeting_cannot_be_edited_here(client, office, economy, platform_town_a=None):
    meeting = MeetingFactory()
    research = Research.objects.create(meeting=meeting, date=date(LAST_YEAR, 1, 2), kind="visit", findings="走访")
    client.force_login(office)
    assert client.get(f"/staff/members/committees/research/{research.pk}/").status_code == 404


@pytest.mark.parametrize("persona", ["leader", "liaison_a"])
def test_only_office_staff_enter_research(client, request, persona, economy, zhang):
    client.force_login(request.getfixturevalue(persona))
    assert client.get("/staff/members/committees/research/").status_code == 200
    assert client.get("/staff/members/committees/research/new/").status_code == 403
    assert _post(client, economy, zhang).status_code == 403


def test_the_list_keeps_its_query_count(client, office, economy):
    client.force_login(office)

    def add(n):
        for i in range(n):
            research = Research.objects.create(
                committee=economy, date=date(LAST_YEAR, 1 + i % 12, 1), kind="visit", findings="走访"
            )
            research.members.add(MemberFactory(committee=economy))

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/staff/members/committees/research/").status_code == 200
        return len(queries)

    add(2)
    few = count()
    add(8)
    assert count() == few


def test_the_proposer_chosen_in_the_record_form_earns_the_adopted_points(client, office, zhang, village_a, unit):
    start = timezone.now() - timedelta(hours=3)
    meeting = MeetingFactory(
        platform=PlatformFactory(level="village", area=village_a),
        status="held",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    Participant.objects.create(meeting=meeting, kind="member", member=zhang, checked_in_at=start)
    other = MemberFactory(name="李委员")
    Participant.objects.create(meeting=meeting, kind="member", member=other)
    client.force_login(office)
    form = lxml_html.fromstring(client.get(f"/staff/meetings/{meeting.pk}/").content.decode())
    choices = [o.text_content() for o in form.xpath('//select[@name="record-proposer_0"]/option')]
    assert sorted(choices[1:]) == sorted([f"李委员（{other.sector.name}）", f"张委员（{zhang.sector.name}）"])
    assert choices[0] == "— 未指定 —"
    record = {
        "record-summary": "协商路灯改造",
        "record-suggestion_0": "更换村口主干道路灯",
        "record-proposer_0": str(zhang.pk),
        "record-suggestion_1": "",
        "record-proposer_1": str(other.pk),  # a member without a suggestion: refused, the rows kept
        "record-suggestions": "增设太阳能路灯",
        "record-attendance_count": "20",
    }
    refused = client.post(f"/staff/meetings/{meeting.pk}/record/", record)
    assert refused.status_code == 400
    tree = lxml_html.fromstring(refused.content.decode())
    assert "请填写该委员提出的建议" in tree.xpath('//*[@id="error_1_id_record-suggestion_1"]')[0].text_content()
    kept = tree.xpath('//select[@name="record-proposer_0"]/option[@selected]')
    assert [o.get("value") for o in kept] == [str(zhang.pk)]
    assert tree.xpath('//textarea[@name="record-suggestion_0"]')[0].text.strip() == "更换村口主干道路灯"
    record["record-proposer_1"] = ""
    assert client.post(f"/staff/meetings/{meeting.pk}/record/", record).status_code == 302
    items = list(RecordItem.objects.filter(meeting=meeting).order_by("pk").values_list("text", "proposer"))
    assert items == [("更换村口主干道路灯", zhang.pk), ("增设太阳能路灯", None)]
    page = client.get(f"/staff/meetings/{meeting.pk}/").content.decode()
    assert "张委员 提出" in page
    suggestion = RecordItem.objects.get(proposer=zhang)
    item = outcome_services.outcome_hand_over(
        record_item=suggestion,
        text=suggestion.text,
        unit=unit,
        contact_name="王科长",
        deadline=timezone.localdate() + timedelta(days=30),
        by=office,
    )
    outcome_services.outcome_answer(item=item, answer="已更换", status="implemented", by=office)
    outcome_services.outcome_accept(item=item, by=office)
    row = _performance_row(client, zhang, year=meeting.starts_at.year)
    assert row["建议被采纳"] == "1"
    assert int(row["points"]) >= 5  # the points for it
