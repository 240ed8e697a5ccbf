"""History mode (补录, #14) on the pages: past dates refused outside it and accepted in it, the forms refusing beside
their fields and keeping what was typed, office-only access, and the history page's queries at two sizes."""

from datetime import date

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from consult_portal.models import Role
from outcomes.models import OutcomeItem
from sessions.models import Meeting, Platform
from tests.factories import UserFactory
from tests.history_helpers import (
    ITEM_ROWS,
    MEETING_ROWS,
    MEETINGS,
    OUTCOMES,
)
from tests.imports_helpers import filled, preview_and_confirm, results_by_line, upload


def _meeting_form(platform, **changes):
    data = {
        "title": "补录协商会",
        "platform": platform.pk,
        "form": "meeting",
        "starts_at": "2024-05-06T09:00",
        "ends_at": "2024-05-06T11:00",
        "topic_title": "河道清淤",
        "source": "resident",
        "category": "livelihood",
        "summary": "形成清淤方案。",
        "residents_invited": "10",
        "residents_attended": "9",
        "suggestions": "清理河道垃圾\n加固堤岸",
    }
    return data | changes


def test_past_dates_are_refused_outside_history_mode_and_accepted_in_it(client, office, history_county, unit):
    client.force_login(office)
    platform = Platform.objects.get(name="甲镇协商室")
    # Outside: the ordinary meeting form refuses a past time.
    response = client.post(
        reverse("sessions:staff-meeting-new"),
        {
            "title": "会",
            "platform": platform.pk,
            "form": "meeting",
            "starts_at": "2024-05-06T09:00",
            "ends_at": "2024-05-06T11:00",
        },
    )
    assert response.status_code == 400 and not Meeting.objects.exists()
    # Inside: the history form enters it, held and recorded, with its suggestions.
    response = client.post(reverse("sessions:history-meeting-new"), _meeting_form(platform))
    assert response.status_code == 302, response.context["form"].errors
    meeting = Meeting.objects.get()
    assert meeting.status == "recorded" and meeting.is_backfilled and meeting.record_items.count() == 2
    assert meeting.starts_at.year == 2024 and meeting.residents_attended == 9
    # Outside: the hand-over form refuses a deadline of the past.
    response = client.post(
        reverse("outcomes:staff-new") + f"?meeting={meeting.pk}",
        {"meeting": meeting.pk, "text": "清理河道垃圾", "unit": unit.pk, "contact_name": "王", "deadline": "2024-6-30"},
    )
    assert "办理时限须晚于今天" in response.content.decode() and not OutcomeItem.objects.exists()
    # Inside: the history form enters it with its past dates and survey.
    data = {
        "meeting": meeting.pk,
        "text": "清理河道垃圾",
        "unit": unit.pk,
        "contact_name": "王科长",
        "handed_over_on": "2024-05-10",
        "deadline": "2024-06-30",
        "status": "implemented",
        "answered_on": "2024-06-01",
        "answer": "已清理。",
        "published_on": "2024-06-05",
        "problems_solved": "2",
        "tally_method": "visit",
        "tally_date": "2024-06-10",
        "very_satisfied": "4",
        "satisfied": "1",
    }
    response = client.post(reverse("outcomes:history-item-new"), data)
    assert response.status_code == 302, response.context["form"].errors
    item = OutcomeItem.objects.get()
    assert (item.handed_over_on, item.deadline, item.status, item.problems_solved) == (
        date(2024, 5, 10),
        date(2024, 6, 30),
        "implemented",
        2,
    )
    assert item.is_backfilled and item.tallies.get().sample_size == 5


def test_the_history_forms_refuse_beside_the_field_and_keep_what_was_typed(client, office, history_county, unit):
    client.force_login(office)
    platform = Platform.objects.get(name="甲镇协商室")
    response = client.post(
        reverse("sessions:history-meeting-new"),
        _meeting_form(platform, starts_at="2030-05-06T09:00", ends_at="2030-05-06T11:00", residents_attended="30"),
    )
    assert response.status_code == 400
    form = response.context["form"]
    assert "starts_at" in form.errors
    page = response.content.decode()
    assert "河道清淤" in page and "清理河道垃圾" in page and "2030-05-06T09:00" in page
    assert not Meeting.objects.exists()
    response = client.post(reverse("sessions:history-meeting-new"), _meeting_form(platform, residents_attended="30"))
    assert "residents_attended" in response.context["form"].errors
    assert client.post(reverse("sessions:history-meeting-new"), _meeting_form(platform)).status_code == 302
    meeting = Meeting.objects.get()
    data = {
        "meeting": meeting.pk,
        "text": "加固堤岸",
        "unit": unit.pk,
        "contact_name": "王科长",
        "handed_over_on": "2024-05-10",
        "deadline": "2024-05-01",
        "status": "implemented",
        "answered_on": "",
        "answer": "",
        "problems_solved": "1",
    }
    response = client.post(reverse("outcomes:history-item-new"), data)
    assert response.status_code == 400
    errors = response.context["form"].errors
    assert "2024-05-10" in errors["deadline"][0] and "answered_on" in errors and "answer" in errors
    page = response.content.decode()
    assert "加固堤岸" in page and 'value="2024-05-10"' in page
    assert not OutcomeItem.objects.exists()


def test_an_item_entered_still_open_is_completed_later_with_its_real_dates(ledger_entered, office):
    item = OutcomeItem.objects.get(ledger_ref="2025-001-1")  # 推进中 when the ledger was imported
    url = reverse("outcomes:history-item-edit", args=[item.pk])
    page = ledger_entered.get(reverse("outcomes:staff-detail", args=[item.pk])).content.decode()
    assert url in page  # the item's page offers it
    form = ledger_entered.get(url).context["form"]
    data = {name: form[name].value() for name in form.fields if form[name].value() is not None}
    data |= {
        "status": "implemented",
        "answered_on": "2025-12-20",
        "answer": "照料中心已投用。",
        "published_on": "2026-01-05",
        "tally_method": "visit",
        "tally_date": "2026-01-10",
        "very_satisfied": "7",
        "satisfied": "2",
        "dissatisfied": "1",
    }
    response = ledger_entered.post(url, data)
    assert response.status_code == 302, response.context["form"].errors
    item.refresh_from_db()
    assert (item.status, item.handed_over_on, item.meeting.ledger_ref) == ("implemented", date(2025, 6, 25), "2025-001")
    assert item.tallies.get().sample_size == 10
    kinds = list(item.events.order_by("at").values_list("kind", flat=True))
    assert kinds == ["handed_over", "answered", "accepted", "published", "tally"]
    # The old ledger row now contradicts the portal: refused, not silently written back; the corrected row matches.
    response = upload(ledger_entered, OUTCOMES, filled(ledger_entered, OUTCOMES, ITEM_ROWS))
    row = results_by_line(response)[8]
    assert row.action == "error" and "办理状态" in row.reasons[0]
    rows = [dict(r) for r in ITEM_ROWS]
    rows[6] |= {"办理状态": "已落实", "答复内容": "照料中心已投用。"}
    response = upload(ledger_entered, OUTCOMES, filled(ledger_entered, OUTCOMES, rows))
    assert {r.action for r in response.context["results"]} == {"unchanged"}, [
        r.reasons for r in response.context["results"]
    ]


def test_history_entry_is_for_the_office_only(client, liaison_a, leader, history_county):
    urls = [
        reverse("outcomes:history"),
        reverse("sessions:history-meeting-new"),
        reverse("outcomes:history-item-new"),
        reverse("outcomes:history-item-edit", args=[1]),
        reverse("import-upload", args=[MEETINGS]),
        reverse("import-template", args=[OUTCOMES]),
    ]
    for user in (liaison_a, leader, UserFactory(username="u2", role=Role.UNIT)):
        client.force_login(user)
        for url in urls:
            assert client.get(url).status_code == 403, (user.username, url)
    for user in (liaison_a, leader):  # town staff and leaders: no link to it either
        client.force_login(user)
        assert reverse("outcomes:history") not in client.get(reverse("staff-home")).content.decode()


def test_the_history_page_costs_the_same_queries_at_two_sizes(ledger_entered):
    def queries(show):
        with CaptureQueriesContext(connection) as captured:
            assert ledger_entered.get(reverse("outcomes:history"), {"show": show}).status_code == 200
        return len(captured)

    before = {show: queries(show) for show in ("meetings", "items")}
    later = [
        {**row, "台账编号": row["台账编号"] + "b", "开始时间": "18:00", "结束时间": "19:00"} for row in MEETING_ROWS
    ]
    assert preview_and_confirm(ledger_entered, MEETINGS, filled(ledger_entered, MEETINGS, later)).status_code == 302
    more = [{**row, "台账编号": row["台账编号"] + "b", "会议台账编号": row["会议台账编号"] + "b"} for row in ITEM_ROWS]
    assert preview_and_confirm(ledger_entered, OUTCOMES, filled(ledger_entered, OUTCOMES, more)).status_code == 302
    assert Meeting.objects.count() == 10 and OutcomeItem.objects.count() == 16
    assert {show: queries(show) for show in ("meetings", "items")} == before
