from datetime import timedelta

import pytest
from django.utils import timezone

from consult_portal.models import AuditEntry
from members.models import Assignment
from tests.factories import AreaFactory, CommitteeFactory, MemberFactory, SectorFactory

TODAY = timezone.localdate


def _sink(member, area, **kwargs):
    return Assignment.objects.create(member=member, area=area, starts_on=TODAY() - timedelta(days=30), **kwargs)


@pytest.fixture
def cast(town_a, town_b, village_a, village_b):
    law = SectorFactory(name="法律界")
    farm = SectorFactory(name="农业和农村界")
    economy = CommitteeFactory(name="经济委员会")
    people = {
        "wang": MemberFactory(name="王律师", sector=law, level="city", expertise="法律,调解", committee=economy),
        "li": MemberFactory(name="李农艺师", sector=farm, expertise="种植"),
        "zhao": MemberFactory(name="赵委员", sector=farm),
        "gone": MemberFactory(name="离任委员", sector=law),
    }
    _sink(people["wang"], village_a)
    _sink(people["li"], town_b)
    _sink(people["gone"], village_a, ends_on=TODAY() - timedelta(days=1))  # ended yesterday
    return people


def test_staff_filter_and_search_the_registry(client, office, cast, town_a):
    client.force_login(office)
    html = client.get("/staff/members/", {"level": "city"}).content.decode()
    assert "王律师" in html and "李农艺师" not in html
    html = client.get("/staff/members/", {"q": "种植"}).content.decode()
    assert "李农艺师" in html and "王律师" not in html
    html = client.get("/staff/members/", {"town": town_a.pk}).content.decode()
    assert "王律师" in html and "李农艺师" not in html and "离任委员" not in html
    html = client.get("/staff/members/", {"committee": cast["wang"].committee.pk}).content.decode()
    assert "王律师" in html and "赵委员" not in html


def test_town_staff_see_only_the_members_sunk_into_their_town(client, liaison_a, cast):
    client.force_login(liaison_a)
    html = client.get("/staff/members/").content.decode()
    assert "王律师" in html and "李农艺师" not in html and "赵委员" not in html
    assert client.get(f"/staff/members/{cast['li'].pk}/").status_code == 404


def test_the_registry_masks_phones_and_never_lists_them(client, office, cast):
    client.force_login(office)
    html = client.get(f"/staff/members/{cast['wang'].pk}/").content.decode()
    assert cast["wang"].phone not in html and f"{cast['wang'].phone[:3]}****" in html


@pytest.mark.parametrize("persona", ["member", "unit"])
def test_members_and_units_cannot_open_the_registry(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get("/staff/members/").status_code == 403
    assert client.get("/staff/members/coverage/").status_code == 403


def test_a_member_is_sunk_into_a_village_with_an_audit_entry(client, office, cast, village_b):
    client.force_login(office)
    url = f"/staff/members/{cast['zhao'].pk}/"
    bad = client.post(
        url, {"area": village_b.pk, "role": "contact", "starts_on": "2026-03-01", "ends_on": "2026-01-01"}
    )
    assert bad.status_code == 400 and not cast["zhao"].assignments.exists()
    assert client.post(url, {"area": village_b.pk, "role": "resident", "starts_on": "2026-03-01"}).status_code == 302
    assignment = cast["zhao"].assignments.get()
    assert (assignment.area, assignment.role) == (village_b, "resident")
    assert AuditEntry.objects.filter(action="assignment_create", actor=office).exists()


def test_many_members_are_sunk_into_a_town_at_once(client, office, cast, town_b):
    client.force_login(office)
    picked = [cast["wang"].pk, cast["zhao"].pk]
    data = {"bulk-members": picked, "bulk-area": town_b.pk, "bulk-role": "contact", "bulk-starts_on": "2026-04-01"}
    client.post("/staff/members/assign/", data)
    client.post("/staff/members/assign/", data)  # twice: nothing more
    assert set(Assignment.objects.filter(area=town_b).values_list("member_id", flat=True)) == {
        cast["li"].pk,
        *picked,
    }
    assert Assignment.objects.filter(area=town_b, starts_on="2026-04-01").count() == 2


def test_town_staff_cannot_sink_members_outside_their_town(client, liaison_a, cast, village_b):
    client.force_login(liaison_a)
    data = {
        "bulk-members": [cast["wang"].pk],
        "bulk-area": village_b.pk,
        "bulk-role": "contact",
        "bulk-starts_on": "2026-04-01",
    }
    client.post("/staff/members/assign/", data)
    assert not Assignment.objects.filter(area=village_b).exists()


def test_leaders_read_the_registry_but_do_not_assign(client, leader, cast, town_b):
    client.force_login(leader)
    assert client.get("/staff/members/").status_code == 200
    data = {
        "bulk-members": [cast["zhao"].pk],
        "bulk-area": town_b.pk,
        "bulk-role": "contact",
        "bulk-starts_on": "2026-04-01",
    }
    assert client.post("/staff/members/assign/", data).status_code == 403


def test_the_coverage_matrix_matches_a_hand_count(client, office, cast, town_a, town_b, village_a, village_b, settings):
    settings.MEMBER_MAX_PLACES = 1
    village_a2 = AreaFactory(name="甲二村", code="V-A2", level="village", parent=town_a)
    _sink(cast["wang"], town_b)  # 王律师: village_a and town_b → 2 places, over the maximum of 1
    client.force_login(office)
    response = client.get("/staff/members/coverage/")
    html = response.content.decode()
    counts = {row["area"].pk: len(row["members"]) for row in response.context["figures"]["rows"]}
    assert counts == {town_a.pk: 0, village_a.pk: 1, village_a2.pk: 0, town_b.pk: 2, village_b.pk: 0}
    assert response.context["figures"]["villages_without"] == 2
    assert {m.name for m in response.context["figures"]["unassigned"]} == {"赵委员", "离任委员"}
    assert [m.name for m in response.context["figures"]["stretched"]] == ["王律师"]
    assert f'data-area="{village_a2.pk}" data-count="0" class="table-warning" data-uncovered="true"' in html


def test_the_registry_and_the_coverage_use_the_same_queries_at_two_sizes(
    client, office, town_a, village_a, django_assert_max_num_queries
):
    def fill(n):
        sector = SectorFactory()
        for _ in range(n):
            member = MemberFactory(sector=sector)
            _sink(member, village_a)
            _sink(member, AreaFactory(level="village", parent=town_a))

    client.force_login(office)
    fill(2)
    with django_assert_max_num_queries(25) as small_list:
        client.get("/staff/members/")
    with django_assert_max_num_queries(25) as small_cov:
        client.get("/staff/members/coverage/")
    fill(10)
    with django_assert_max_num_queries(25) as large_list:
        client.get("/staff/members/")
    with django_assert_max_num_queries(25) as large_cov:
        client.get("/staff/members/coverage/")
    assert len(small_list.captured_queries) == len(large_list.captured_queries)
    assert len(small_cov.captured_queries) == len(large_cov.captured_queries)
