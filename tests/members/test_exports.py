"""The .xlsx exports of the members: the member list with its filters, and the members' coverage of the areas as
the coverage page shows it. What every export keeps is tested over all of them in tests/portal/test_exports_scope.py."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consult_portal.models import AuditEntry
from members.models import Assignment, Member
from tests.documents_helpers import export, page_of, sheet_rows, sink
from tests.factories import CommitteeFactory, MemberFactory, SectorFactory


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
    header, *rows = sheet_rows(response)
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
    _header, *rows = sheet_rows(client.get(reverse("members:export"), {"level": "city"}))
    assert [r[0] for r in rows] == ["市级委员"]
    _header, *rows = sheet_rows(client.get(reverse("members:export"), {"q": "县级"}))
    assert [r[0] for r in rows] == ["县级委员"]


def test_it_exports_with_a_constant_number_of_queries(client, office, town_a, village_a):
    client.force_login(office)
    make_members(2, town_a, village_a)
    with CaptureQueriesContext(connection) as small:
        sheet_rows(client.get(reverse("members:export")))
    make_members(20, town_a, village_a)
    with CaptureQueriesContext(connection) as large:
        sheet_rows(client.get(reverse("members:export")))
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


# ------------------------------------------------------------------------------------------ the members' coverage


@pytest.fixture
def cast(town_a, town_b, village_a, village_b):
    wang, li = MemberFactory(name="王律师"), MemberFactory(name="李农艺师")
    sink(wang, village_a)
    sink(li, village_a)
    sink(li, town_b)
    sink(MemberFactory(name="离任委员"), village_a, ends_on=timezone.localdate() - timedelta(days=1))


def test_it_exports_the_members_coverage_as_the_page_shows_it(client, office, cast):
    client.force_login(office)
    rows = export(client, "members:coverage-xlsx")
    context = page_of(client, "members:coverage")
    shown = context["figures"]["rows"]
    assert [[r[0], r[2]] for r in rows] == [[row["area"].name, len(row["members"])] for row in shown]
    assert {r[0]: r[2:] for r in rows} == {
        "甲镇": [0, None],
        "甲一村": [2, "李农艺师、王律师"],
        "乙镇": [1, "李农艺师"],
        "乙一村": [0, None],
    }


def test_it_exports_only_the_liaisons_own_town_of_the_members_coverage(client, liaison_a, cast):
    client.force_login(liaison_a)
    rows = export(client, "members:coverage-xlsx")
    assert [r[0] for r in rows] == ["甲镇", "甲一村"]
    assert len(rows) == len(page_of(client, "members:coverage")["figures"]["rows"])
