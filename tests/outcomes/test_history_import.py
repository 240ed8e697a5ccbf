"""History entry (补录, #14): three years of a county's past (2023–2025) entered through the ledger import, and the
figures of the dashboard, /stats/ and its CSV for each year and for the span read back against counts made by hand
from the ledger's own rows. Then what the office sees on the way: the refusals of a bad ledger, each naming its row
and reason; a re-upload that changes nothing; past dates refused outside history mode and accepted in it; the 补录
marks with who and when; the forms keeping what was typed; and office-only access."""

import csv
import io
from datetime import date

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from openpyxl import Workbook, load_workbook

from consult_portal.models import AuditEntry
from consult_portal.overview import stats
from outcomes.models import OutcomeEvent, OutcomeItem, SurveyTally
from sessions.models import Meeting, RecordItem
from tests.history_helpers import (
    ITEM_ROWS,
    MEETING_ROWS,
    MEETINGS,
    OUTCOMES,
    YEARS,
    hand_counts,
)
from tests.imports_helpers import confirm, filled, results_by_line, upload


def _csv_total(client, period: str) -> dict:
    """The whole county's row of /stats/'s CSV, by column key (the first column is the period)."""
    response = client.get(f"/stats/{period}.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    keys = ["period", *(key for key, _label in stats.PUBLIC_COLUMNS)]
    assert len(rows[0]) == len(keys)
    return dict(zip(keys, rows[1], strict=True))


@pytest.mark.parametrize("period", [*(str(y) for y in YEARS), "2023-2025"])
def test_each_year_and_the_span_count_what_happened_in_them(ledger_entered, period):
    years = range(int(period[:4]), int(period[-4:]) + 1)
    expected = hand_counts(years)
    dash = ledger_entered.get(reverse("dashboard"), {"year": period}).context["figures"]["dash"]
    public = ledger_entered.get(reverse("public-stats"), {"year": period}).context["total_figures"]
    for figures in (dash.total, public):
        assert figures.meetings_held == expected["meetings_held"]
        assert figures.suggestions == expected["suggestions"]
        assert figures.consensus == expected["consensus"]
        assert figures.outcomes == expected["outcomes"]
        assert figures.implemented == expected["implemented"]
        assert figures.problems_solved == expected["problems_solved"]
        assert figures.participation.invited == expected["residents_invited"]
        assert figures.participation.attended == expected["residents_attended"]
        assert figures.participation.departments == expected["departments"]
        assert figures.participation.member_times == expected["member_times"]
        assert figures.participation.rate == pytest.approx(expected["participation"])
        assert figures.satisfaction.rate == pytest.approx(expected["satisfaction"])
    row = _csv_total(ledger_entered, period)
    assert row["period"] == period
    for key in (
        "meetings_held",
        "suggestions",
        "consensus",
        "outcomes",
        "implemented",
        "problems_solved",
        "residents_invited",
        "residents_attended",
        "departments",
        "member_times",
    ):
        assert int(row[key]) == expected[key], key
    for key in ("participation", "satisfaction"):
        assert float(row[key]) == pytest.approx(round(expected[key] * 100, 1)), key


def test_the_span_is_the_sum_of_its_years(ledger_entered):
    span = hand_counts(YEARS)
    assert span["meetings_held"] == 5 and span["outcomes"] == 8  # the ledger's rows, all of them
    assert span["problems_solved"] == sum(hand_counts([y])["problems_solved"] for y in YEARS)
    # An item handed over at the end of 2023 and answered in 2024 counts in 2023.
    assert hand_counts([2023])["outcomes"] == 3


def test_what_the_ledger_enters_carries_its_real_dates_and_the_补录_mark(ledger_entered, office):
    meeting = Meeting.objects.get(ledger_ref="2023-001")
    assert timezone.localtime(meeting.starts_at).strftime("%Y-%m-%d %H:%M") == "2023-03-15 09:30"
    assert meeting.status == Meeting.Status.RECORDED and meeting.get_form_display() == "实地/院坝协商"
    assert meeting.backfilled_by == office and meeting.backfilled_at.date() == timezone.now().date()
    assert Meeting.objects.get(ledger_ref="2024-002").status == Meeting.Status.HELD  # no summary: held
    topic = meeting.topics.get()
    assert (topic.title, topic.year, topic.status, topic.source) == ("老街路灯维修", 2023, "consulted", "resident")
    item = OutcomeItem.objects.get(ledger_ref="2023-002-1")
    assert item.handed_over_on == date(2023, 12, 28) and item.backfilled_by == office
    assert item.record_item.text == "村道硬化争取项目资金"  # the meeting's suggestion, handed over
    days = {e.kind: timezone.localdate(e.at) for e in item.events.all()}
    assert days[OutcomeEvent.Kind.HANDED_OVER] == date(2023, 12, 28)
    assert days[OutcomeEvent.Kind.ANSWERED] == date(2024, 3, 1)
    assert days[OutcomeEvent.Kind.PUBLISHED] == timezone.localdate(item.published_at) == date(2024, 3, 10)
    tally = SurveyTally.objects.get(item=item)
    assert (tally.date, tally.method, tally.sample_size, tally.is_backfilled) == (date(2024, 3, 20), "paper", 10, True)
    assert OutcomeItem.objects.get(ledger_ref="2023-001-2").contact_name == "赵所长"
    assert OutcomeItem.objects.get(ledger_ref="2023-001-1").contact_name == "王科长"  # the unit's usual contact
    actions = set(AuditEntry.objects.values_list("action", flat=True))
    assert {"meeting_backfill", "outcome_backfill", "topic_backfill", "import_confirm"} <= actions
    # The assignment sheet is dated by the real hand-over.
    sheet = ledger_entered.get(reverse("outcomes:staff-sheet", args=[item.pk])).content.decode()
    assert '<time datetime="2023-12-28">2023-12-28</time>' in sheet
    # The staff pages and the history page show the mark, who and when.
    for url in (
        reverse("sessions:staff-meeting", args=[meeting.pk]),
        reverse("outcomes:staff-detail", args=[item.pk]),
        reverse("outcomes:history"),
        reverse("outcomes:history") + "?show=items",
    ):
        page = ledger_entered.get(url).content.decode()
        assert "data-backfilled" in page and "补录" in page and office.username in page, url


def test_a_re_upload_of_the_same_ledger_changes_nothing(ledger_entered):
    def counts():
        return [model.objects.count() for model in (Meeting, OutcomeItem, RecordItem, SurveyTally, OutcomeEvent)]

    before = counts()
    for kind, rows in ((MEETINGS, MEETING_ROWS), (OUTCOMES, ITEM_ROWS)):
        response = upload(ledger_entered, kind, filled(ledger_entered, kind, rows))
        assert {row.action for row in response.context["results"]} == {"unchanged"}
        assert response.context["token"] == ""  # nothing to confirm
    assert counts() == before


def test_a_changed_row_updates_what_it_entered(ledger_entered):
    rows = [dict(row) for row in ITEM_ROWS]
    rows[6] |= {"办理状态": "已落实", "答复日期": "2025-11-01", "答复内容": "已建成。", "解决问题数": 5}
    response = upload(ledger_entered, OUTCOMES, filled(ledger_entered, OUTCOMES, rows))
    by_line = results_by_line(response)
    assert by_line[8].action == "update" and "办理状态" in by_line[8].changes
    assert {r.action for line, r in by_line.items() if line != 8} == {"unchanged"}
    confirm(ledger_entered, OUTCOMES, response.context["token"])
    item = OutcomeItem.objects.get(ledger_ref="2025-001-1")
    assert (item.status, item.problems_solved, item.answer) == ("implemented", 5, "已建成。")
    assert item.events.filter(kind=OutcomeEvent.Kind.HANDED_OVER).count() == 1
    assert AuditEntry.objects.filter(action="outcome_backfill_update").count() == 1


def test_every_refusal_names_its_row_and_reason(client, office, history_county):
    client.force_login(office)
    bad_meetings = [
        MEETING_ROWS[0],
        {**MEETING_ROWS[1], "台账编号": "2023-001"},  # line 3: the same ledger number again
        {**MEETING_ROWS[2], "平台": "丙镇协商室"},  # line 4: unknown platform
        {**MEETING_ROWS[3], "镇街": "丁镇"},  # line 5: unknown town
        {**MEETING_ROWS[4], "日期": "2025-13-40"},  # line 6: not a date
        {**MEETING_ROWS[4], "台账编号": "2030-001", "日期": "2030-01-01"},  # line 7: not yet happened
        {**MEETING_ROWS[4], "台账编号": "2025-009", "镇街": "甲镇"},  # line 8: the platform is in 乙镇
        {**MEETING_ROWS[4], "台账编号": "2025-010", "到会群众数": 40},  # line 9: more attending than invited
    ]
    response = upload(client, MEETINGS, filled(client, MEETINGS, bad_meetings))
    by_line = results_by_line(response)
    assert by_line[2].action == "create"
    reasons = {line: "；".join(row.reasons) for line, row in by_line.items() if row.action == "error"}
    assert set(reasons) == {3, 4, 5, 6, 7, 8, 9}
    assert "台账编号“2023-001”已在第 2 行出现" in reasons[3]
    assert "丙镇协商室" in reasons[4] and "平台" in reasons[4]
    assert "丁镇" in reasons[5]
    assert "2025-13-40" in reasons[6] and "日期" in reasons[6]
    assert "日期" in reasons[7]
    assert "乙镇" in reasons[8] and "甲镇" in reasons[8]
    assert "到会群众数" in reasons[9]
    page = response.content.decode()
    for line in reasons:
        assert f">{line}<" in page  # the preview names the row
    # Nothing is written before confirm.
    assert not Meeting.objects.exists()
    confirm(client, MEETINGS, response.context["token"])
    assert list(Meeting.objects.values_list("ledger_ref", flat=True)) == ["2023-001"]

    bad_items = [
        ITEM_ROWS[0],
        {**ITEM_ROWS[1], "会议台账编号": "2099-001"},  # line 3: no such meeting
        {**ITEM_ROWS[1], "台账编号": "2023-001-9", "办理时限": "2023-03-01"},  # line 4: deadline before hand-over
        {**ITEM_ROWS[1], "台账编号": "2023-001-8", "承办单位": "县水务局"},  # line 5: unknown unit
        {**ITEM_ROWS[1], "台账编号": "2023-001-7", "办理状态": "差不多"},  # line 6: unknown status
        {**ITEM_ROWS[1], "台账编号": "2023-001-6", "答复内容": ""},  # line 7: a concluded item without its answer
        {**ITEM_ROWS[0], "台账编号": "2023-001-1"},  # line 8: the same ledger number as line 2
        {**ITEM_ROWS[1], "台账编号": "2023-001-5", "交办日期": "2023-02-30"},  # line 9: bad date
    ]
    response = upload(client, OUTCOMES, filled(client, OUTCOMES, bad_items))
    by_line = results_by_line(response)
    reasons = {line: "；".join(row.reasons) for line, row in by_line.items() if row.action == "error"}
    assert set(reasons) == {3, 4, 5, 6, 7, 8, 9}, reasons
    assert "2099-001" in reasons[3]
    assert "办理时限" in reasons[4] and "2023-03-20" in reasons[4]
    assert "县水务局" in reasons[5]
    assert "差不多" in reasons[6]
    assert "答复内容" in reasons[7]
    assert "台账编号" in reasons[8]
    assert "交办日期" in reasons[9] and "2023-02-30" in reasons[9]


def test_a_wrong_file_or_missing_columns_are_refused_whole(client, office, history_county):
    client.force_login(office)
    response = upload(client, MEETINGS, SimpleUploadedFile("ledger.xlsx", b"not a workbook"))
    assert response.status_code == 200 and "该文件不是 Excel 工作簿" in response.content.decode()
    assert "results" not in response.context
    book = Workbook()
    book.active.append(["台账编号", "日期"])
    book.active.append(["2023-001", "2023-03-15"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, MEETINGS, SimpleUploadedFile("ledger.xlsx", buffer.getvalue()))
    page = response.content.decode()
    assert "results" not in response.context and "平台" in page and "议题" in page
    assert not Meeting.objects.exists()


def test_the_templates_download_with_their_headers(client, office):
    client.force_login(office)
    for kind, header in ((MEETINGS, "台账编号"), (OUTCOMES, "会议台账编号")):
        response = client.get(reverse("import-template", args=[kind]))
        assert response.status_code == 200
        sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
        assert header in [cell.value for cell in sheet[1]]
