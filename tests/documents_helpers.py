"""What the tests of the Word documents and the .xlsx exports share: readers that reopen a download, and the makers of
each export's rows, used by an app's own export tests (tests/<app>/test_exports.py) and by the tests every export
keeps (tests/portal/test_exports_scope.py). The documents' meeting and its items are the fixtures `meeting_a` and
`items_a` in tests/conftest.py."""

import io
from datetime import date, datetime, timedelta

import docx
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from consult_portal.models import Area
from members.models import Assignment
from outcomes.models import SatisfactionResponse, SurveyTally
from sessions.models import Participant, Research
from tests.factories import (
    AreaFactory,
    CommitteeFactory,
    MeetingFactory,
    MemberFactory,
    OutcomeFactory,
    PlatformFactory,
    TopicFactory,
    UnitFactory,
)
from topics.models import ConsultationPlan, PlanEntry

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
YEAR = timezone.localdate().year
PAST = 2025  # the committees' year: every month and both half years are due


# ------------------------------------------------------------------------------------------ reading a download


def sheet_rows(response) -> list[list]:
    """The cells of the streamed workbook's first sheet, a list a row."""
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def rows_of(response) -> list[list]:
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == XLSX
    return sheet_rows(response)


def export(client, route: str, params: dict | None = None, args=()) -> list[list]:
    header, *rows = rows_of(client.get(reverse(route, args=args), params or {}))
    assert all(len(row) == len(header) for row in rows)
    return rows


def page_of(client, route: str, params: dict | None = None, args=()):
    response = client.get(reverse(route, args=args), params or {})
    assert response.status_code == 200
    return response.context


def text_of(document) -> str:
    """Every paragraph and table cell of the document, one a line."""
    lines = [p.text for p in document.paragraphs]
    for grid in document.tables:
        for row in grid.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


def opened(response):
    assert response.status_code == 200, response.status_code
    assert response["Content-Type"] == DOCX
    return docx.Document(io.BytesIO(response.content))


# ------------------------------------------------------------------------------------------ the staff lists' rows


def make_topics(town, village=None, count=1, **kwargs):
    return [TopicFactory(town=town, village=village, **kwargs) for _ in range(count)]


def make_meetings(town, village=None, count=1, **kwargs):
    area = village or town
    platform = PlatformFactory(level="village" if village else "town", area=area)
    return [MeetingFactory(platform=platform, **kwargs) for _ in range(count)]


def make_platforms(town, village=None, count=1, **kwargs):
    area = village or town
    return [PlatformFactory(level="village" if village else "town", area=area, **kwargs) for _ in range(count)]


def make_outcomes(town, village=None, count=1, **kwargs):
    (meeting,) = make_meetings(town, village, status="recorded")
    return [OutcomeFactory(meeting=meeting, **kwargs) for _ in range(count)]


# ------------------------------------------------------------------------------------------ the reports' rows


def add_plan_entries(town, count: int, village=None) -> None:
    plan, _created = ConsultationPlan.objects.get_or_create(year=YEAR)
    for n in range(count):
        topic = TopicFactory(town=town, village=village, status="planned", year=YEAR)
        PlanEntry.objects.create(plan=plan, topic=topic, quarter=n % 4 + 1, platform_level="village")


def held(platform, when=None, status="held"):
    when = when or timezone.make_aware(datetime(YEAR, 1, 1, 10)) + timedelta(days=1)
    return MeetingFactory(platform=platform, starts_at=when, ends_at=when + timedelta(hours=2), status=status)


def add_coverage(town, count: int) -> None:
    for _ in range(count):
        village = AreaFactory(level=Area.Level.VILLAGE, parent=town)
        held(PlatformFactory(level="village", area=village))


def sink(member, area, **kwargs):
    starts_on = timezone.localdate() - timedelta(days=30)
    return Assignment.objects.create(member=member, area=area, starts_on=starts_on, **kwargs)


def add_sunk_members(town, count: int) -> None:
    for _ in range(count):
        village = AreaFactory(level=Area.Level.VILLAGE, parent=town)
        sink(MemberFactory(), village)
        sink(MemberFactory(), village)


def add_committees(town, count: int) -> None:
    for _ in range(count):
        committee = CommitteeFactory()
        committee.stations.set([town])
        PlatformFactory(level="town", kind="studio", area=town, committee=committee)
        member = MemberFactory(committee=committee)
        meeting = held(PlatformFactory(area=town), timezone.make_aware(datetime(PAST, 3, 10, 9)))
        Participant.objects.create(meeting=meeting, kind="member", member=member, checked_in_at=meeting.starts_at)
        Research.objects.create(meeting=meeting, date=date(PAST, 3, 2), kind="visit", findings="走访").members.add(
            member
        )


def published_item(town, unit, ratings=(5, 1), tally=None, county_wide=False):
    platform = PlatformFactory(level="town", area=town)
    meeting = held(platform, status="recorded")
    item = OutcomeFactory(meeting=meeting, unit=unit, status="implemented", published_at=timezone.now())
    if county_wide:
        type(item).objects.filter(pk=item.pk).update(town=None)
    for n, rating in enumerate(ratings):
        SatisfactionResponse.objects.create(verified=True, item=item, rating=rating, browser_token=f"b{item.pk}-{n}")
    if tally:
        SurveyTally.objects.create(item=item, method="visit", date=timezone.localdate(), **tally)
    return item


def add_satisfaction(town, count: int) -> None:
    for _ in range(count):
        published_item(town, UnitFactory())


def add_satisfaction_of_towns(town, count: int) -> None:
    """An item in town A, and one in each of `count` - 1 other towns."""
    published_item(town, UnitFactory())
    for _ in range(count - 1):
        published_item(AreaFactory(level=Area.Level.TOWN), UnitFactory())
