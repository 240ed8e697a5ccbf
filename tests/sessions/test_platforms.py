import re
from datetime import timedelta

import pytest
from django.utils import timezone

from consult_portal.models import AuditEntry
from sessions.models import Platform
from tests.factories import AreaFactory, MeetingFactory, PlatformFactory, SectorFactory

LIST = "/staff/platforms/"
NEW = "/staff/platforms/new/"


def detail(platform):
    return f"/staff/platforms/{platform.pk}/"


def edit(platform):
    return f"/staff/platforms/{platform.pk}/edit/"


def _met(html: str, item: str) -> str:
    """The data-met value of one "五有" row of the detail page."""
    return re.search(rf'data-five="{item}" data-met="(\w+)"', html).group(1)


def _meeting(platform, days_ago: float, status: str = "held", **kwargs):
    starts_at = timezone.now() - timedelta(days=days_ago)
    return MeetingFactory(platform=platform, starts_at=starts_at, status=status, **kwargs)


def _confirmed(**kwargs):
    day = timezone.localdate() - timedelta(days=100)
    return {
        "organisation_confirmed_on": day,
        "sign_confirmed_on": day,
        "staff_confirmed_on": day,
        "rules_confirmed_on": day,
        **kwargs,
    }


def _form_data(area, **kwargs):
    return {
        "name": "新村“有事来协商”议事室",
        "level": area.level,
        "kind": "room",
        "area": area.pk,
        "sector": "",
        "host_unit": "新村村民委员会",
        "contact_name": "李主任",
        "contact_phone": "0833-5551234",
        "address": "新村党群服务中心",
        "organisation_confirmed_on": "",
        "sign_confirmed_on": "",
        "staff_confirmed_on": "",
        "rules_confirmed_on": "",
        **kwargs,
    }


@pytest.fixture
def room_a(town_a):
    return PlatformFactory(name="甲镇议事室", level="town", area=town_a, host_unit="甲镇政协联络站")


@pytest.fixture
def room_b(town_b):
    return PlatformFactory(name="乙镇议事室", level="town", area=town_b)


# -- who may come in ---------------------------------------------------------------------------


@pytest.mark.parametrize("url", [LIST, NEW, "detail", "edit"])
def test_it_sends_anonymous_visitors_to_log_in(client, room_a, url):
    url = {"detail": detail(room_a), "edit": edit(room_a)}.get(url, url)
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.mark.parametrize("url", [LIST, NEW, "detail", "edit"])
@pytest.mark.parametrize("persona", ["member", "unit"])
def test_it_refuses_members_and_units(client, personas, room_a, persona, url):
    url = {"detail": detail(room_a), "edit": edit(room_a)}.get(url, url)
    client.force_login(personas[persona])
    assert client.get(url).status_code == 403


def test_it_lets_leaders_read_the_registry_and_a_platform(client, leader, room_a):
    client.force_login(leader)
    assert client.get(LIST).status_code == 200
    response = client.get(detail(room_a))
    assert response.status_code == 200
    assert edit(room_a) not in response.content.decode()


@pytest.mark.parametrize("url", [NEW, "edit"])
def test_it_refuses_leaders_the_forms(client, leader, room_a, village_a, url):
    url = {"edit": edit(room_a)}.get(url, url)
    client.force_login(leader)
    assert client.get(url).status_code == 403
    assert client.post(url, _form_data(village_a)).status_code == 403
    assert not AuditEntry.objects.filter(action__startswith="platform_").exists()


def test_it_shows_liaison_staff_their_town_and_its_villages_only(client, liaison_a, county, room_a, room_b, village_a):
    PlatformFactory(name="甲一村议事室", level="village", area=village_a)
    PlatformFactory(name="县议事厅", level="county", area=county)
    client.force_login(liaison_a)
    html = client.get(LIST).content.decode()
    assert "甲镇议事室" in html and "甲一村议事室" in html
    assert "乙镇议事室" not in html and "县议事厅" not in html


@pytest.mark.parametrize("url", ["detail", "edit"])
def test_it_hides_another_towns_platform_from_liaison_staff(client, liaison_a, room_b, url):
    client.force_login(liaison_a)
    url = detail(room_b) if url == "detail" else edit(room_b)
    assert client.get(url).status_code == 404


def test_it_does_not_let_liaison_staff_change_another_towns_platform(client, liaison_a, room_b):
    client.force_login(liaison_a)
    response = client.post(edit(room_b), _form_data(room_b.area, name="改名"))
    assert response.status_code == 404
    room_b.refresh_from_db()
    assert room_b.name == "乙镇议事室"


# -- the registry ------------------------------------------------------------------------------


def test_it_filters_by_level_kind_and_town_and_searches_by_name(client, office, town_a, town_b, village_a):
    PlatformFactory(name="甲镇议事室", level="town", area=town_a)
    PlatformFactory(name="甲一村议事亭", level="village", kind="micro", area=village_a)
    PlatformFactory(name="乙镇法律界委员工作室", level="town", kind="studio", area=town_b, sector=SectorFactory())
    client.force_login(office)
    html = client.get(LIST, {"level": "village"}).content.decode()
    assert "甲一村议事亭" in html and "甲镇议事室" not in html
    html = client.get(LIST, {"kind": "studio"}).content.decode()
    assert "乙镇法律界委员工作室" in html and "甲镇议事室" not in html
    html = client.get(LIST, {"town": town_a.pk}).content.decode()
    assert "甲镇议事室" in html and "甲一村议事亭" in html and "乙镇法律界委员工作室" not in html
    html = client.get(LIST, {"q": "工作室"}).content.decode()
    assert "乙镇法律界委员工作室" in html and "甲镇议事室" not in html


def test_it_pages_through_many_platforms(client, office, town_a):
    PlatformFactory.create_batch(30, level="town", area=town_a)
    client.force_login(office)
    response = client.get(LIST)
    assert len(response.context["rows"]) == 25
    assert len(client.get(LIST, {"page": 2}).context["rows"]) == 5


def _fill(town, n):
    villages = [AreaFactory(level="village", parent=town) for _ in range(2)]
    for i in range(n):
        platform = PlatformFactory(level="village", area=villages[i % 2], sector=SectorFactory())
        _meeting(platform, days_ago=10 + i)
        _meeting(platform, days_ago=20 + i, status="recorded")


def test_it_uses_the_same_number_of_queries_at_two_sizes(client, office, town_a, django_assert_max_num_queries):
    client.force_login(office)
    _fill(town_a, 3)
    with django_assert_max_num_queries(12) as small:
        assert client.get(LIST).status_code == 200
    _fill(town_a, 30)
    with django_assert_max_num_queries(12) as large:
        assert client.get(LIST).status_code == 200
    assert len(small.captured_queries) == len(large.captured_queries)
    assert Platform.objects.count() == 33


# -- the "五有" check ---------------------------------------------------------------------------


def test_it_counts_only_meetings_held_or_recorded_in_the_last_12_months(client, office, town_a):
    platform = PlatformFactory(level="town", area=town_a, **_confirmed())
    held = _meeting(platform, days_ago=30)
    _meeting(platform, days_ago=200, status="recorded")
    _meeting(platform, days_ago=400)  # more than 12 months ago
    _meeting(platform, days_ago=5, status="planned")
    _meeting(platform, days_ago=6, status="published")
    _meeting(platform, days_ago=7, status="cancelled", status_reason="下雨")
    _meeting(platform, days_ago=-3, status="published")  # not yet
    client.force_login(office)
    response = client.get(detail(platform))
    five = response.context["five"]
    assert five.activity_count == 2
    assert five.last_activity_at == held.starts_at
    html = response.content.decode()
    assert 'data-count="2"' in html
    assert timezone.localtime(held.starts_at).strftime("%Y-%m-%d") in html


def test_it_does_not_count_activities_from_planned_or_cancelled_meetings(client, office, town_a):
    platform = PlatformFactory(level="town", area=town_a, **_confirmed())
    _meeting(platform, days_ago=5, status="planned")
    _meeting(platform, days_ago=7, status="cancelled", status_reason="下雨")
    _meeting(platform, days_ago=380, status="recorded")
    client.force_login(office)
    html = client.get(detail(platform)).content.decode()
    assert _met(html, "activities") == "false"
    assert 'data-meets-all="false"' in html


def test_it_meets_the_five_haves_with_four_dates_and_a_recent_meeting(client, office, town_a):
    platform = PlatformFactory(level="town", area=town_a, **_confirmed())
    _meeting(platform, days_ago=300, status="recorded")
    client.force_login(office)
    html = client.get(detail(platform)).content.decode()
    for item in ("organisation", "sign", "staff", "rules", "activities"):
        assert _met(html, item) == "true"
    assert 'data-meets-all="true"' in html and 'data-five-met="5"' in html


def test_it_misses_the_five_haves_when_a_date_is_missing(client, office, town_a):
    platform = PlatformFactory(level="town", area=town_a, **_confirmed(sign_confirmed_on=None))
    _meeting(platform, days_ago=30)
    client.force_login(office)
    html = client.get(detail(platform)).content.decode()
    assert _met(html, "sign") == "false" and _met(html, "activities") == "true"
    assert 'data-meets-all="false"' in html and 'data-five-met="4"' in html


def test_it_shows_each_confirmation_date(client, office, town_a):
    platform = PlatformFactory(level="town", area=town_a, **_confirmed(rules_confirmed_on=timezone.localdate()))
    client.force_login(office)
    html = client.get(detail(platform)).content.decode()
    assert f'datetime="{timezone.localdate():%Y-%m-%d}"' in html
    assert f'datetime="{platform.sign_confirmed_on:%Y-%m-%d}"' in html


def test_it_lists_the_platforms_recent_meetings(client, office, town_a, room_a, room_b):
    mine = [_meeting(room_a, days_ago=d, status=s) for d, s in ((3, "held"), (-5, "planned"))]
    other = _meeting(room_b, days_ago=4)
    client.force_login(office)
    html = client.get(detail(room_a)).content.decode()
    for meeting in mine:
        assert f'data-meeting="{meeting.pk}"' in html
    assert f'data-meeting="{other.pk}"' not in html


# -- create and edit ---------------------------------------------------------------------------


def test_it_registers_a_platform_and_writes_an_audit_entry(client, office, village_a):
    client.force_login(office)
    response = client.post(NEW, _form_data(village_a, sign_confirmed_on="2024-05-06"))
    platform = Platform.objects.get(name="新村“有事来协商”议事室")
    assert response.status_code == 302 and response["Location"] == detail(platform)
    assert platform.area == village_a and platform.level == "village"
    assert str(platform.sign_confirmed_on) == "2024-05-06" and platform.rules_confirmed_on is None
    entry = AuditEntry.objects.get(action="platform_create")
    assert entry.actor == office and entry.object_id == str(platform.pk)
    assert entry.before is None and entry.after["area"] == village_a.pk
    assert entry.after["sign_confirmed_on"] == "2024-05-06"


def test_it_confirms_an_item_by_setting_its_date_and_records_before_and_after(client, office, room_a):
    client.force_login(office)
    data = _form_data(room_a.area, name=room_a.name, rules_confirmed_on="2025-03-01")
    assert client.post(edit(room_a), data).status_code == 302
    room_a.refresh_from_db()
    assert str(room_a.rules_confirmed_on) == "2025-03-01"
    entry = AuditEntry.objects.get(action="platform_update")
    assert entry.before["rules_confirmed_on"] is None and entry.after["rules_confirmed_on"] == "2025-03-01"
    assert entry.before["host_unit"] == "甲镇政协联络站" and entry.after["host_unit"] == "新村村民委员会"


def test_it_writes_no_audit_entry_when_nothing_changed(client, office, room_a):
    client.force_login(office)
    data = _form_data(room_a.area, name=room_a.name, host_unit=room_a.host_unit, contact_name="", contact_phone="")
    data.update(address="")
    assert client.post(edit(room_a), data).status_code == 302
    assert not AuditEntry.objects.filter(action="platform_update").exists()


def test_it_keeps_what_was_typed_when_a_field_is_missing(client, office, village_a):
    client.force_login(office)
    response = client.post(NEW, _form_data(village_a, name="", address="甲一村文化广场东侧"))
    assert response.status_code == 400
    assert response.context["form"].errors["name"] == ["这个字段是必填项。"]
    html = response.content.decode()
    assert 'value="甲一村文化广场东侧"' in html and 'value="李主任"' in html
    assert not Platform.objects.exists()
    assert not AuditEntry.objects.filter(action__startswith="platform_").exists()


def test_it_refuses_a_contact_phone_that_is_no_number_and_keeps_what_was_typed(client, office, village_a):
    client.force_login(office)
    response = client.post(NEW, _form_data(village_a, contact_phone="abc"))
    assert response.status_code == 400
    assert response.context["form"].errors["contact_phone"] == ["请输入由数字、空格、+ 或 - 组成的电话号码。"]
    assert 'value="abc"' in response.content.decode()
    assert not Platform.objects.exists()


def test_it_stores_a_mobile_contact_phone_tidied(client, office, village_a):
    client.force_login(office)
    client.post(NEW, _form_data(village_a, contact_phone="+86 138 0000-1234"))
    assert Platform.objects.get().contact_phone == "13800001234"


def test_it_refuses_a_level_that_does_not_match_the_area(client, office, village_a):
    client.force_login(office)
    response = client.post(NEW, _form_data(village_a, level="town"))
    assert response.status_code == 400
    assert "level" in response.context["form"].errors
    assert not Platform.objects.exists()


def test_it_refuses_a_studio_without_a_sector(client, office, town_a):
    client.force_login(office)
    response = client.post(NEW, _form_data(town_a, kind="studio"))
    assert response.status_code == 400
    assert "sector" in response.context["form"].errors


def test_it_refuses_a_confirmation_date_in_the_future(client, office, room_a):
    client.force_login(office)
    tomorrow = (timezone.localdate() + timedelta(days=1)).isoformat()
    response = client.post(edit(room_a), _form_data(room_a.area, name=room_a.name, staff_confirmed_on=tomorrow))
    assert response.status_code == 400
    assert "staff_confirmed_on" in response.context["form"].errors
    assert f'value="{tomorrow}"' in response.content.decode()
    room_a.refresh_from_db()
    assert room_a.staff_confirmed_on is None


def test_it_refuses_a_name_already_taken(client, office, room_a, village_a):
    client.force_login(office)
    response = client.post(NEW, _form_data(village_a, name=room_a.name))
    assert response.status_code == 400
    assert "name" in response.context["form"].errors


def test_it_offers_liaison_staff_the_areas_of_their_town_only(client, liaison_a, town_a, village_a, village_b):
    client.force_login(liaison_a)
    choices = {area.pk for area in client.get(NEW).context["form"].fields["area"].queryset}
    assert choices == {town_a.pk, village_a.pk}


def test_it_lets_liaison_staff_register_a_platform_in_their_village(client, liaison_a, village_a):
    client.force_login(liaison_a)
    assert client.post(NEW, _form_data(village_a)).status_code == 302
    assert Platform.objects.get().area == village_a
    assert AuditEntry.objects.get(action="platform_create").actor == liaison_a


def test_it_refuses_liaison_staff_an_area_in_another_town(client, liaison_a, village_b):
    client.force_login(liaison_a)
    response = client.post(NEW, _form_data(village_b))
    assert response.status_code == 400
    assert "area" in response.context["form"].errors
    assert not Platform.objects.exists()


def test_it_lets_liaison_staff_edit_a_platform_of_their_town(client, liaison_a, room_a):
    client.force_login(liaison_a)
    response = client.post(edit(room_a), _form_data(room_a.area, name="甲镇协商议事厅"))
    assert response.status_code == 302
    room_a.refresh_from_db()
    assert room_a.name == "甲镇协商议事厅"


def test_members_join_and_leave_a_studio(client, office, town_a):
    from consult_portal.models import AuditEntry
    from tests.factories import MemberFactory, PlatformFactory

    studio = PlatformFactory(name="法律界委员工作室", kind="studio", area=town_a, level="town")
    lawyer = MemberFactory(name="王律师")
    client.force_login(office)
    client.post(f"/staff/platforms/{studio.pk}/members/", {"member": lawyer.pk, "action": "add"})
    assert list(studio.studio_members.all()) == [lawyer]
    assert "法律界委员工作室" in client.get(f"/staff/members/{lawyer.pk}/").content.decode()
    client.post(f"/staff/platforms/{studio.pk}/members/", {"member": lawyer.pk, "action": "remove"})
    assert not studio.studio_members.exists()
    assert AuditEntry.objects.filter(action="studio_member_add", actor=office).exists()


def test_only_studios_take_members_and_leaders_cannot_change_them(client, office, leader, town_a):
    from tests.factories import MemberFactory, PlatformFactory

    room = PlatformFactory(kind="room", area=town_a, level="town")
    member = MemberFactory()
    client.force_login(office)
    assert (
        client.post(f"/staff/platforms/{room.pk}/members/", {"member": member.pk, "action": "add"}).status_code == 404
    )
    client.force_login(leader)
    assert (
        client.post(f"/staff/platforms/{room.pk}/members/", {"member": member.pk, "action": "add"}).status_code == 403
    )
