"""The lists' exports stream (#17): the first bytes leave before the rows are read, the rows are read as they are sent,
the file is a workbook Excel and openpyxl read, and the audit entry is written once the last row has gone."""

import datetime
import io
from decimal import Decimal

from openpyxl import load_workbook

from consult_portal import xlsx_stream
from consult_portal.models import AuditEntry
from tests.factories import TopicFactory


def _rows(n, seen):
    for i in range(n):
        seen.append(i)
        yield [i, f"议题{i}", "路灯" * 20, datetime.date(2026, 1, 1) + datetime.timedelta(days=i % 300)]


def test_the_first_bytes_come_before_any_row_is_read_and_the_rows_are_read_as_they_are_sent():
    seen = []
    pieces = xlsx_stream.stream(sheet_title="议题", header=["序号", "标题", "内容", "日期"], rows=_rows(20_000, seen))
    first = next(pieces)
    assert first.startswith(b"PK") and seen == []
    sizes, read_at = [len(first)], []
    for piece in pieces:
        sizes.append(len(piece))
        read_at.append(len(seen))
    assert len(seen) == 20_000
    # Many pieces, each small beside the whole, sent while the rows were still being read: memory stays flat.
    assert len(sizes) > 10 and max(sizes) < sum(sizes) / 5
    assert read_at[0] < 20_000 / 2


def test_the_workbook_reads_back_with_its_values_dates_and_text_kept_as_typed():
    rows = [
        [1, Decimal("2.5"), True, None, "普通文字"],
        [
            datetime.date(2026, 3, 1),
            datetime.datetime(2026, 3, 1, 14, 30),
            '=HYPERLINK("http://x")',
            "-1+2",
            "a\x07b<&>",
        ],
    ]
    body = b"".join(xlsx_stream.stream(sheet_title="成果/事项[1]", header=["甲", "乙", "丙", "丁", "戊"], rows=rows))
    book = load_workbook(io.BytesIO(body))
    sheet = book.active
    assert sheet.title == "成果事项1"
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[0] == ["甲", "乙", "丙", "丁", "戊"]
    assert values[1] == [1, 2.5, True, None, "普通文字"]
    assert values[2][0] == datetime.datetime(2026, 3, 1) and values[2][1] == datetime.datetime(2026, 3, 1, 14, 30)
    formula = sheet["C3"]
    assert formula.value == '=HYPERLINK("http://x")' and formula.data_type == "s" and formula.quotePrefix
    assert sheet["D3"].quotePrefix and sheet["E3"].value == "ab<&>"  # the control character left out


def test_a_list_export_streams_and_is_audited_with_its_rows_once_sent(client, office, town_a):
    TopicFactory.create_batch(3, town=town_a)
    client.force_login(office)
    response = client.get("/staff/documents/topics.xlsx")
    assert response.status_code == 200 and response.streaming
    assert not AuditEntry.objects.filter(action="topic_export").exists()  # nothing sent yet
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content)), read_only=True).active
    assert len(list(sheet.values)) == 4
    assert AuditEntry.objects.get(action="topic_export").after["rows"] == 3


def test_a_download_broken_off_is_audited_as_such(client, office, town_a, transactional_db):
    # transactional_db: the close of a streamed response ends the request as a server's would, and Django then
    # closes a connection left inside a transaction (the ordinary test's).
    TopicFactory.create_batch(3, town=town_a)
    client.force_login(office)
    response = client.get("/staff/documents/topics.xlsx")
    # The visitor goes away after the first chunk: the server stops iterating and closes the response.
    next(iter(response.streaming_content))
    response.close()
    entry = AuditEntry.objects.get(action="topic_export")
    assert entry.after["broken_off"] is True
