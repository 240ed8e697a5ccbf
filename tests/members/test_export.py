import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from consult_portal.models import AuditEntry
from members.models import Assignment, Member
from tests.factories import CommitteeFactory, MemberFactory, SectorFactory


def rows_of(response):
    content = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(content)).active
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


def make_members(count, town, village):
    sector = SectorFactory(name="教育界")
    committee = CommitteeFactory(name="文史委")
    for _ in range(count):
        member = MemberFactory(sector=sector, committee=committee)
        Assignment.objects.create(member=member, area=town, starts_on="2026-01-01")
        Assignment.objects.create(member=member, area=village, starts_on="2026-02-01")


def test_it_exports_the_members_in_the_database(client, office, town_a, village_a):
    make_members(3, town_a, village_a)
    MemberFactory(name="无委员会", level="city", phone="")
    client.force_login(office)
    response = client.get(reverse("members:export"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    header, *rows = rows_of(response)
    assert header[:7] == ["姓名", "级别", "界别", "专委会", "手机", "镇街", "村社区"]
    expected = {(m.name, m.phone or None, m.sector.name, m.duty_code) for m in Member.objects.all()}
    assert {(r[0], r[4], r[2], r[7]) for r in rows} == expected
    assigned = next(r for r in rows if r[3] == "文史委")
    assert assigned[5:7] == ["甲镇", "甲一村"]
    assert assigned[8] == "甲镇、甲镇甲一村"
    assert AuditEntry.objects.get(action="member_export").after == {"rows": 4}


def test_it_filters_the_export(client, office):
    MemberFactory(name="市级委员", level="city")
    MemberFactory(name="县级委员", level="county")
    client.force_login(office)
    _header, *rows = rows_of(client.get(reverse("members:export"), {"level": "city"}))
    assert [r[0] for r in rows] == ["市级委员"]
    _header, *rows = rows_of(client.get(reverse("members:export"), {"q": "县级"}))
    assert [r[0] for r in rows] == ["县级委员"]


def test_it_exports_with_a_constant_number_of_queries(client, office, town_a, village_a):
    client.force_login(office)
    make_members(2, town_a, village_a)
    with CaptureQueriesContext(connection) as small:
        rows_of(client.get(reverse("members:export")))
    make_members(20, town_a, village_a)
    with CaptureQueriesContext(connection) as large:
        rows_of(client.get(reverse("members:export")))
    assert 0 < len(small) == len(large), "\n".join(q["sql"] for q in large.captured_queries)


def test_it_lets_the_leader_export(client, leader):
    client.force_login(leader)
    assert client.get(reverse("members:export")).status_code == 200


@pytest.mark.parametrize("persona", ["liaison_a", "member", "unit"])
def test_it_forbids_other_roles(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get(reverse("members:export")).status_code == 403


def test_it_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get(reverse("members:export"))
    assert response.status_code == 302
    assert "login" in response["Location"]
