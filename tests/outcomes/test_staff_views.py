"""The office's side of outcome items: hand-over from a meeting record, acceptance, return, publication,
deadlines, supervisors, survey tallies, assignment sheets, satisfaction figures, and who may do what."""

from datetime import timedelta

import pytest
from django.utils import timezone

from consult_portal.models import AuditEntry, Notification, Role
from consult_portal.sms import LocmemBackend
from outcomes import services
from outcomes.models import OutcomeEvent, OutcomeItem, SatisfactionResponse
from sessions.models import RecordItem
from tests.factories import (
    MeetingFactory,
    MemberFactory,
    PlatformFactory,
    TopicFactory,
    UnitFactory,
    UserFactory,
)

TODAY = timezone.localdate


@pytest.fixture
def meeting_a(village_a, town_a):
    platform = PlatformFactory(name="甲一村议事室", level="village", area=village_a)
    start = timezone.now() - timedelta(days=2)
    meeting = MeetingFactory(
        title="村口路灯协商会",
        platform=platform,
        status="recorded",
        starts_at=start,
        ends_at=start + timedelta(hours=2),
    )
    topic = TopicFactory(
        town=town_a,
        village=village_a,
        title="村口路灯改造",
        status="consulted",
        submitter_phone="13812345678",
        consent_at=timezone.now(),
    )
    meeting.topics.add(topic)
    return meeting


@pytest.fixture
def suggestion(meeting_a):
    return RecordItem.objects.create(meeting=meeting_a, kind="suggestion", text="更换村口主干道路灯")


@pytest.fixture
def meeting_b(town_b):
    platform = PlatformFactory(name="乙镇议事室", level="town", area=town_b)
    start = timezone.now() - timedelta(days=2)
    return MeetingFactory(platform=platform, status="recorded", starts_at=start, ends_at=start + timedelta(hours=2))


def hand_over(meeting, unit, by, text="修复路灯", days=30, **kwargs):
    return services.outcome_hand_over(
        meeting=meeting,
        text=text,
        unit=unit,
        contact_name="王科长",
        deadline=TODAY() + timedelta(days=days),
        by=by,
        **kwargs,
    )


def answered(meeting, unit, by, status="implemented", reason=""):
    item = hand_over(meeting, unit, by)
    return services.outcome_answer(item=item, answer="已更换路灯12盏", status=status, reason=reason, by=by)


def test_it_hands_a_record_item_to_a_unit_and_tells_the_unit(client, office, suggestion, unit, unit_user, town_a):
    unit.contact_name, unit.contact_phone = "李股长", "0571-1234567"
    unit.save()
    client.force_login(office)
    page = client.get(f"/staff/outcomes/new/?record_item={suggestion.pk}")
    assert page.status_code == 200
    assert "更换村口主干道路灯" in page.content.decode()
    deadline = TODAY() + timedelta(days=20)
    response = client.post(
        "/staff/outcomes/new/",
        {"record_item": suggestion.pk, "text": "更换村口主干道路灯", "unit": unit.pk, "deadline": deadline.isoformat()},
    )
    assert response.status_code == 302
    item = OutcomeItem.objects.get(record_item=suggestion)
    assert (item.unit, item.deadline, item.town, item.status) == (unit, deadline, town_a, "assigned")
    assert (item.contact_name, item.contact_phone) == ("李股长", "0571-1234567")  # the unit's usual contact
    assert item.topic.title == "村口路灯改造"  # the meeting's only topic
    assert Notification.objects.filter(recipient=unit_user, kind="outcome_assigned").count() == 2  # notice + email
    assert AuditEntry.objects.filter(action="outcome_hand_over", object_id=str(item.pk)).exists()
    assert item.events.get().kind == OutcomeEvent.Kind.HANDED_OVER
    listing = client.get(response["Location"]).content.decode()
    assert "县住房城乡建设局" in listing and deadline.isoformat() in listing


def test_it_rejects_bad_input_beside_the_field_and_keeps_what_was_typed(client, office, suggestion):
    nameless = UnitFactory(name="县水利局", contact_name="")
    client.force_login(office)
    response = client.post(
        "/staff/outcomes/new/",
        {
            "record_item": suggestion.pk,
            "text": "我写的事项文字",
            "unit": nameless.pk,
            "deadline": TODAY().isoformat(),
            "contact_phone": "abc",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "办理时限须晚于今天。" in page
    assert "请输入由数字、空格、+ 或 - 组成的电话号码。" in page
    assert "我写的事项文字" in page
    assert not OutcomeItem.objects.exists()
    response = client.post(
        "/staff/outcomes/new/",
        {"record_item": suggestion.pk, "text": "事项", "unit": nameless.pk, "deadline": "2100-01-01"},
    )
    assert "该单位没有常用联系人，请填写联系人。" in response.content.decode()
    assert not OutcomeItem.objects.exists()


def test_a_record_item_is_handed_over_once(client, office, suggestion, unit):
    client.force_login(office)
    data = {"record_item": suggestion.pk, "text": "事项", "unit": unit.pk, "deadline": "2100-01-01"}
    assert client.post("/staff/outcomes/new/", data).status_code == 302
    again = client.post("/staff/outcomes/new/", data)
    assert again.status_code == 400
    assert "该会议记录事项已交办。" in again.content.decode()
    assert OutcomeItem.objects.count() == 1


@pytest.mark.parametrize("persona", ["liaison_b", "member_user", "unit_user", "leader"])
def test_others_cannot_hand_over_a_town_a_item(client, request, persona, suggestion, unit):
    client.force_login(request.getfixturevalue(persona))
    data = {"record_item": suggestion.pk, "text": "事项", "unit": unit.pk, "deadline": "2100-01-01"}
    response = client.post("/staff/outcomes/new/", data)
    assert response.status_code == (404 if persona == "liaison_b" else 403)
    assert not OutcomeItem.objects.exists()


def test_anonymous_visitors_are_sent_to_login(client, meeting_a, unit, office):
    item = hand_over(meeting_a, unit, office)
    for url in ["/staff/outcomes/", f"/staff/outcomes/{item.pk}/", f"/staff/outcomes/{item.pk}/sheet/"]:
        assert client.get(url)["Location"].startswith("/accounts/login/")


def test_town_staff_see_only_their_town(client, liaison_a, liaison_b, meeting_a, meeting_b, unit, office):
    mine, theirs = hand_over(meeting_a, unit, office, "甲镇事项"), hand_over(meeting_b, unit, office, "乙镇事项")
    client.force_login(liaison_a)
    page = client.get("/staff/outcomes/").content.decode()
    assert "甲镇事项" in page and "乙镇事项" not in page
    assert client.get(f"/staff/outcomes/{mine.pk}/").status_code == 200
    assert client.get(f"/staff/outcomes/{theirs.pk}/").status_code == 404
    assert client.get(f"/staff/outcomes/{theirs.pk}/sheet/").status_code == 404
    assert client.post(f"/staff/outcomes/{theirs.pk}/deadline/", {"deadline-deadline": "2100-01-01"}).status_code == 404
    assert client.get(f"/staff/outcomes/meeting/{meeting_b.pk}/").status_code == 404


def test_leaders_read_but_do_not_act(client, leader, meeting_a, unit, office):
    item = answered(meeting_a, unit, office)
    client.force_login(leader)
    page = client.get(f"/staff/outcomes/{item.pk}/")
    assert page.status_code == 200
    assert 'id="item-actions"' not in page.content.decode()
    assert client.post(f"/staff/outcomes/{item.pk}/accept/").status_code == 403
    item.refresh_from_db()
    assert item.status == "answered"


@pytest.mark.parametrize("persona", ["member_user", "unit_user"])
def test_members_and_units_get_403_on_the_staff_pages(client, request, persona, meeting_a, unit, office):
    item = hand_over(meeting_a, unit, office)
    client.force_login(request.getfixturevalue(persona))
    for url in ["/staff/outcomes/", f"/staff/outcomes/{item.pk}/", "/staff/outcomes/satisfaction/"]:
        assert client.get(url).status_code == 403


def test_staff_accept_the_units_answer_with_the_status_it_reported(client, office, meeting_a, unit, unit_user):
    item = answered(meeting_a, unit, office, status="partly")
    client.force_login(office)
    page = client.get(f"/staff/outcomes/{item.pk}/").content.decode()
    assert "已更换路灯12盏" in page and "接受为“部分落实”" in page
    assert client.post(f"/staff/outcomes/{item.pk}/accept/").status_code == 302
    item.refresh_from_db()
    assert (item.status, item.closed_at is not None) == ("partly", True)
    assert Notification.objects.filter(recipient=unit_user, kind="outcome_accepted").exists()
    assert [e.kind for e in item.events.all()] == ["handed_over", "answered", "accepted"]


def test_staff_return_an_answer_with_what_is_missing(client, office, meeting_a, unit, unit_user):
    item = answered(meeting_a, unit, office)
    client.force_login(office)
    empty = client.post(f"/staff/outcomes/{item.pk}/return/", {"return-note": ""})
    assert empty.status_code == 400
    assert "这个字段是必填项。" in empty.content.decode()
    response = client.post(f"/staff/outcomes/{item.pk}/return/", {"return-note": "请补充完工照片"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == "in_progress"
    assert item.events.last().note == "请补充完工照片"
    returned = Notification.objects.filter(recipient=unit_user, kind="outcome_returned")
    assert returned.count() == 2 and returned.first().body == "请补充完工照片"


def test_publishing_tells_the_resident_who_suggested_the_topic(
    client, office, meeting_a, unit, django_capture_on_commit_callbacks
):
    item = answered(meeting_a, unit, office)
    services.outcome_accept(item=item, by=office)
    client.force_login(office)
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(f"/staff/outcomes/{item.pk}/publish/").status_code == 302
    item.refresh_from_db()
    assert item.published_at is not None
    [(phone, text)] = LocmemBackend.outbox
    assert phone == "13812345678"
    assert item.topic.tracking_code in text and f"/outcomes/{item.pk}/survey/" in text
    assert client.get(f"/outcomes/{item.pk}/").status_code == 200


def test_an_open_item_cannot_be_published_or_accepted(client, office, meeting_a, unit):
    item = hand_over(meeting_a, unit, office)
    client.force_login(office)
    response = client.post(f"/staff/outcomes/{item.pk}/publish/")
    assert response.status_code == 400
    assert "只能公示已办结的事项。" in response.content.decode()
    assert client.post(f"/staff/outcomes/{item.pk}/accept/").status_code == 400
    item.refresh_from_db()
    assert (item.status, item.published_at) == ("assigned", None)


def test_staff_change_the_deadline_with_a_reason(client, office, meeting_a, unit, unit_user):
    item = hand_over(meeting_a, unit, office, days=3)
    item.escalated_on = TODAY()
    item.save()
    client.force_login(office)
    past = client.post(
        f"/staff/outcomes/{item.pk}/deadline/", {"deadline-deadline": "2000-01-01", "deadline-reason": "x"}
    )
    assert past.status_code == 400 and "新的办理时限不能早于今天。" in past.content.decode()
    new = TODAY() + timedelta(days=40)
    response = client.post(
        f"/staff/outcomes/{item.pk}/deadline/",
        {"deadline-deadline": new.isoformat(), "deadline-reason": "汛期施工顺延"},
    )
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.deadline, item.escalated_on) == (new, None)
    assert "汛期施工顺延" in item.events.last().note
    assert Notification.objects.filter(recipient=unit_user, kind="outcome_deadline").exists()


def test_staff_attach_supervising_members_who_then_see_the_item(client, office, meeting_a, unit):
    item = hand_over(meeting_a, unit, office)
    user = UserFactory(username="member9", role=Role.MEMBER)
    member = MemberFactory(user=user, name="赵委员")
    client.force_login(office)
    response = client.post(f"/staff/outcomes/{item.pk}/supervisors/", {"supervisors-supervisors": [member.pk]})
    assert response.status_code == 302
    assert list(item.supervisors.all()) == [member]
    assert Notification.objects.filter(recipient=user, kind="outcome_supervise").exists()
    assert "赵委员" in item.events.last().note


def test_staff_enter_a_field_visit_and_the_rate_counts_it(client, office, meeting_a, unit):
    item = answered(meeting_a, unit, office)
    services.outcome_accept(item=item, by=office)
    services.outcome_publish(item=item, by=office)
    for n, rating in enumerate([5, 4, 2, 1]):
        SatisfactionResponse.objects.create(verified=True, item=item, rating=rating, phone=f"1390000000{n}")
    client.force_login(office)
    counts = {"very_satisfied": 3, "satisfied": 2, "basically_satisfied": 1, "dissatisfied": 1, "very_dissatisfied": 0}
    data = {"tally-method": "visit", "tally-date": TODAY().isoformat(), "tally-sample_size": "9"}
    data |= {f"tally-{k}": v for k, v in counts.items()}
    wrong = client.post(f"/staff/outcomes/{item.pk}/tally/", data)
    assert wrong.status_code == 400
    assert "各项人数合计为7，与调查人数9不符。" in wrong.content.decode()
    assert 'value="9"' in wrong.content.decode()
    data["tally-sample_size"] = "7"
    assert client.post(f"/staff/outcomes/{item.pk}/tally/", data).status_code == 302
    page = client.get(f"/staff/outcomes/{item.pk}/").content.decode()
    # (5, 4 online + 3 + 2 + 1 tallied) satisfied of (4 online + 7 tallied)
    assert 'data-rate="72.7%"' in page


def test_the_assignment_sheet_names_the_unit_the_contact_and_the_deadline(client, office, meeting_a, unit, settings):
    settings.PORTAL_OFFICE_NAME = "示范县政协办公室"
    first = hand_over(meeting_a, unit, office, "更换路灯", contact_phone="13900001111")
    hand_over(meeting_a, UnitFactory(name="县交通运输局"), office, "拓宽道路")
    client.force_login(office)
    page = client.get(f"/staff/outcomes/{first.pk}/sheet/").content.decode()
    assert "协商成果交办单" in page and "示范县政协办公室" in page
    assert "县住房城乡建设局" in page and "王科长 · 13900001111" in page and first.deadline.isoformat() in page
    sheets = client.get(f"/staff/outcomes/meeting/{meeting_a.pk}/sheets/").content.decode()
    assert sheets.count('class="assignment-sheet"') == 2
    assert "更换路灯" in sheets and "拓宽道路" in sheets and "县交通运输局" in sheets


def test_the_meeting_page_lists_each_record_item_handed_over_or_not(client, office, meeting_a, suggestion, unit):
    waiting = RecordItem.objects.create(meeting=meeting_a, kind="consensus", text="镇村共同出资")
    item = services.outcome_hand_over(
        record_item=suggestion,
        text=suggestion.text,
        unit=unit,
        contact_name="王",
        deadline=TODAY() + timedelta(9),
        by=office,
    )
    client.force_login(office)
    page = client.get(f"/staff/outcomes/meeting/{meeting_a.pk}/").content.decode()
    assert f"/staff/outcomes/{item.pk}/" in page
    assert f"/staff/outcomes/new/?record_item={waiting.pk}" in page
    assert f"/staff/outcomes/new/?record_item={suggestion.pk}" not in page


def test_overdue_items_are_marked_and_filtered(client, office, meeting_a, unit):
    late = hand_over(meeting_a, unit, office, "逾期事项")
    OutcomeItem.objects.filter(pk=late.pk).update(deadline=TODAY() - timedelta(days=2))
    hand_over(meeting_a, unit, office, "未到期事项")
    client.force_login(office)
    page = client.get("/staff/outcomes/?overdue=on").content.decode()
    assert "逾期事项" in page and "未到期事项" not in page and "已超期" in page


def test_the_home_figures_open_the_lists_behind_them(client, office, meeting_a, unit):
    late = hand_over(meeting_a, unit, office, "逾期事项")
    OutcomeItem.objects.filter(pk=late.pk).update(deadline=TODAY() - timedelta(days=2))
    hand_over(meeting_a, unit, office, "未到期事项")
    services.outcome_accept(item=answered(meeting_a, unit, office), by=office, notify=False)
    client.force_login(office)
    home = client.get("/staff/").content.decode()
    # The year's items (the dashboard's figures), each linked to the list of the same items.
    year = TODAY().year
    assert f'href="/staff/outcomes/?year={year}&amp;status=open" data-figure="outcomes_open">2</a>' in home
    assert f'href="/staff/outcomes/?year={year}&amp;overdue=on" data-figure="outcomes_overdue">1</a>' in home
    implemented = f'href="/staff/outcomes/?year={year}&amp;status=implemented" data-figure="outcomes_implemented">1</a>'
    assert implemented in home
    being_handled = client.get(f"/staff/outcomes/?year={year}&status=open").content.decode()
    assert "逾期事项" in being_handled and "未到期事项" in being_handled and "修复路灯" not in being_handled
    assert 'href="/staff/outcomes/"' in home  # the navigation's "Outcomes"


def _items(meeting, unit, office, n):
    members = [MemberFactory() for _ in range(2)]
    for i in range(n):
        hand_over(meeting, unit if i % 2 else UnitFactory(), office, f"事项{i}", supervisors=members)


def test_the_list_query_count_does_not_grow(client, office, meeting_a, unit, django_assert_max_num_queries):
    client.force_login(office)
    _items(meeting_a, unit, office, 3)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as small:
        assert client.get("/staff/outcomes/").status_code == 200
    _items(meeting_a, unit, office, 12)
    with django_assert_max_num_queries(len(small)):
        page = client.get("/staff/outcomes/")
    assert page.content.decode().count("data-item=") == 15


def test_the_meeting_items_query_count_does_not_grow(client, office, meeting_a, unit, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def add(n):
        for i in range(n):
            record = RecordItem.objects.create(meeting=meeting_a, kind="suggestion", text=f"建议{i}")
            services.outcome_hand_over(
                record_item=record,
                text=record.text,
                unit=unit,
                contact_name="王",
                deadline=TODAY() + timedelta(9),
                by=office,
            )

    client.force_login(office)
    add(2)
    with CaptureQueriesContext(connection) as small:
        assert client.get(f"/staff/outcomes/meeting/{meeting_a.pk}/").status_code == 200
    add(10)
    with django_assert_max_num_queries(len(small)):
        assert client.get(f"/staff/outcomes/meeting/{meeting_a.pk}/").status_code == 200


def test_satisfaction_by_unit_and_town_matches_a_hand_count(client, office, liaison_a, meeting_a, meeting_b, unit):
    other = UnitFactory(name="县交通运输局")
    ratings = {(meeting_a, unit): [5, 4, 3, 1], (meeting_b, other): [2, 1, 5, 5, 5]}
    for (meeting, responsible), scores in ratings.items():
        item = answered(meeting, responsible, office)
        services.outcome_accept(item=item, by=office)
        services.outcome_publish(item=item, by=office)
        for n, rating in enumerate(scores):
            SatisfactionResponse.objects.create(verified=True, item=item, rating=rating, browser_token=f"b{n}")
    client.force_login(office)
    page = client.get("/staff/outcomes/satisfaction/").content.decode()
    assert 'data-overall="66.7%"' in page  # (3 + 3) of 9
    assert "75.0%" in page and "60.0%" in page  # the unit of town A: 3 of 4; the unit of town B: 3 of 5
    client.force_login(liaison_a)
    page = client.get("/staff/outcomes/satisfaction/").content.decode()
    assert 'data-overall="75.0%"' in page and "县交通运输局" not in page


@pytest.mark.parametrize("typed", ["138 0000-1234", "+86 13800001234"])
def test_it_stores_a_mobile_contact_phone_as_its_11_digits(client, office, suggestion, unit, typed):
    client.force_login(office)
    data = {"record_item": suggestion.pk, "text": "事项", "unit": unit.pk, "deadline": "2100-01-01"}
    response = client.post("/staff/outcomes/new/", {**data, "contact_name": "李股长", "contact_phone": typed})
    assert response.status_code == 302
    assert OutcomeItem.objects.get().contact_phone == "13800001234"


def test_the_contact_phone_may_be_a_landline_but_a_mobile_must_be_whole(client, office, suggestion, unit):
    client.force_login(office)
    data = {"record_item": suggestion.pk, "text": "事项", "unit": unit.pk, "deadline": "2100-01-01"}
    refused = client.post("/staff/outcomes/new/", {**data, "contact_name": "李股长", "contact_phone": "1380000123"})
    assert refused.status_code == 400
    assert "请输入 11 位手机号码" in refused.content.decode() and 'value="1380000123"' in refused.content.decode()
    assert not OutcomeItem.objects.exists()
    landline = client.post("/staff/outcomes/new/", {**data, "contact_name": "李股长", "contact_phone": "0571-1234567"})
    assert landline.status_code == 302
    assert OutcomeItem.objects.get().contact_phone == "0571-1234567"  # kept as typed, to be read on the sheet
