"""The .xlsx export of the special committees' duties, a page above the apps (consult_portal/overview/): what the page
shows, to every staff reader. What every export keeps (a constant number of queries, an audit entry, who may download
it, the link from its page) is tested over all of them in tests/portal/test_exports_scope.py."""

from datetime import date, datetime

import pytest
from django.utils import timezone

from sessions.models import Participant, Research
from tests.documents_helpers import PAST, export, held, page_of
from tests.factories import CommitteeFactory, MemberFactory, PlatformFactory


@pytest.fixture
def duties(town_a, town_b, village_a):
    economy = CommitteeFactory(name="经济委员会")
    economy.stations.set([town_a])
    studio = PlatformFactory(name="经济界委员工作室", level="town", kind="studio", area=town_b, committee=economy)
    CommitteeFactory(name="提案委员会")  # linked to nothing, did nothing
    zhang = MemberFactory(name="张委员", committee=economy)
    for platform, month in ((PlatformFactory(area=village_a, level="village"), 3), (studio, 5)):
        meeting = held(platform, timezone.make_aware(datetime(PAST, month, 10, 9)))
        Participant.objects.create(meeting=meeting, kind="member", member=zhang, checked_in_at=meeting.starts_at)
    for month in range(1, 12):
        Research.objects.create(meeting=meeting, date=date(PAST, month, 2), kind="visit", findings="走访").members.add(
            zhang
        )
    Research.objects.create(meeting=meeting, date=date(PAST, 4, 1), kind="inspection", findings="视察").members.add(
        zhang
    )


def duty_rows(context) -> list[list]:
    return [
        [
            row["committee"].name,
            "、".join(s.name for s in row["stations"]) or None,
            "、".join(s.name for s in row["studios"]) or None,
            row["consultations"],
            row["research_months"],
            row["months_due"],
            row["inspections"],
            row["halves_due"],
        ]
        for row in context["rows"]
    ]


@pytest.mark.parametrize("persona", ["office", "liaison_a", "leader"])
def test_it_exports_the_committees_duties_as_the_page_shows_them(client, personas, duties, persona):
    """Committees are county-wide bodies: the page shows every one of them to every staff reader, so does the export."""
    client.force_login(personas[persona])
    rows = export(client, "committees-xlsx", {"year": PAST})
    assert [[r[0], r[1], r[2], r[4], r[7], r[8], r[10], r[11]] for r in rows] == duty_rows(
        page_of(client, "committees", {"year": PAST})
    )
    idle, economy = rows
    assert economy[:7] == ["经济委员会", "甲镇", "经济界委员工作室", None, 2, 2, None]
    assert economy[7:] == [11, 12, "未达标", 1, 2, "未达标"]
    assert idle[3] and idle[4:7] == [0, 2, "未达标"]
