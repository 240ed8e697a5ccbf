"""The area tree in the admin: a wrong hierarchy is refused beside the parent, and every area select names a village
after its town ("甲镇 / 岚坝村"), so that two villages of one name in different towns are told apart."""

import re

import pytest
from django.utils.translation import gettext

from consult_portal.models import Area, AuditEntry
from tests.factories import AreaFactory, MemberFactory

ADD = "/admin/portal/area/add/"
VILLAGE_PARENT = "A village or community belongs to a town or street: choose its town as its parent."
TOWN_PARENT = "A town or street belongs to the county: choose the county as its parent."


def _add(client, **data):
    return client.post(ADD, {"name": "新地区", "code": "NEW-1", **data})


def _options(html: str, name: str) -> list[str]:
    select = re.search(rf'<select name="{name}"[^>]*>(.*?)</select>', html, re.S).group(1)
    return [label.strip() for label in re.findall(r"<option[^>]*>(.*?)</option>", select, re.S)]


def _parent_errors(response) -> list[str]:
    return response.context["adminform"].form.errors.get("parent", [])


@pytest.fixture
def lanba(town_a, town_b):
    """Two villages called 岚坝村, one in each town."""
    return (
        AreaFactory(name="岚坝村", code="V-A2", level=Area.Level.VILLAGE, parent=town_a),
        AreaFactory(name="岚坝村", code="V-B2", level=Area.Level.VILLAGE, parent=town_b),
    )


def test_the_admin_refuses_a_village_under_a_village_with_the_reason_beside_the_parent(client, office, village_a):
    client.force_login(office)
    response = _add(client, level="village", parent=village_a.pk)
    assert response.status_code == 200
    assert _parent_errors(response) == [gettext(VILLAGE_PARENT)]
    html = response.content.decode()
    assert re.search(r'class="[^"]*field-parent[^"]*".*?errorlist.*?' + re.escape(gettext(VILLAGE_PARENT)), html, re.S)
    assert not Area.objects.filter(code="NEW-1").exists()


def test_the_admin_refuses_a_town_under_a_village(client, office, village_a):
    client.force_login(office)
    response = _add(client, level="town", parent=village_a.pk)
    assert _parent_errors(response) == [gettext(TOWN_PARENT)]
    assert not Area.objects.filter(code="NEW-1").exists()


def test_the_admin_refuses_a_village_under_the_county_and_a_second_county_under_a_town(client, office, town_a):
    client.force_login(office)
    assert _parent_errors(_add(client, level="village", parent=town_a.parent_id)) == [gettext(VILLAGE_PARENT)]
    county = _add(client, level="county", parent=town_a.pk)
    assert _parent_errors(county) == [gettext("The county has no parent area.")]
    assert not Area.objects.filter(code="NEW-1").exists()


def test_the_admin_refuses_to_make_a_town_with_villages_a_village(client, office, town_a, town_b, village_a):
    client.force_login(office)
    response = client.post(
        f"/admin/portal/area/{town_a.pk}/change/",
        {"name": town_a.name, "code": town_a.code, "level": "village", "parent": town_b.pk},
    )
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["level"]
    town_a.refresh_from_db()
    assert town_a.level == Area.Level.TOWN


def test_the_admin_takes_a_village_under_its_town_and_audits_it(client, office, town_a):
    client.force_login(office)
    response = _add(client, level="village", parent=town_a.pk)
    assert response.status_code == 302
    village = Area.objects.get(code="NEW-1")
    assert village.parent == town_a
    assert AuditEntry.objects.filter(action="admin_add", object_id=str(village.pk)).exists()


def test_the_admins_parent_select_names_each_village_after_its_town_in_code_order(client, office, village_a, lanba):
    client.force_login(office)
    options = _options(client.get(ADD).content.decode(), "parent")
    assert "甲镇 / 甲一村" in options
    assert "甲镇 / 岚坝村" in options and "乙镇 / 岚坝村" in options
    in_code_order = ["示范县", "甲镇", "乙镇", "甲镇 / 甲一村", "甲镇 / 岚坝村", "乙镇 / 岚坝村"]
    assert [option for option in options if option != "---------"] == in_code_order


def test_every_area_select_of_the_admin_names_the_town(client, office, lanba):
    client.force_login(office)
    options = _options(client.get("/admin/consultations/platform/add/").content.decode(), "area")
    assert "甲镇 / 岚坝村" in options and "乙镇 / 岚坝村" in options
    # The members' sinking places are an autocomplete: its answers name the town too.
    found = client.get(
        "/admin/autocomplete/",
        {"app_label": "members", "model_name": "assignment", "field_name": "area", "term": "岚坝"},
    ).json()["results"]
    assert sorted(result["text"] for result in found) == ["乙镇 / 岚坝村", "甲镇 / 岚坝村"]


def test_the_staff_area_selects_name_the_town(client, office, lanba):
    client.force_login(office)
    member = MemberFactory(name="李委员")
    assign = _options(client.get(f"/staff/members/{member.pk}/").content.decode(), "area")
    platform = _options(client.get("/staff/platforms/new/").content.decode(), "area")
    for options in (assign, platform):
        assert "甲镇 / 岚坝村" in options and "乙镇 / 岚坝村" in options
