import re
from datetime import datetime

import pytest
from django.utils import timezone

from consult_portal.models import Area
from tests.factories import AreaFactory, MeetingFactory, PlatformFactory

URL = "/staff/coverage/"
YEAR = timezone.localdate().year


def _at(year, month, day, hour=10, minute=0):
    return timezone.make_aware(datetime(year, month, day, hour, minute))


def _meeting(platform, starts_at, status="held", **kwargs):
    return MeetingFactory(platform=platform, starts_at=starts_at, status=status, **kwargs)


def _rows(html: str) -> dict[str, dict[str, str]]:
    """The data-* attributes of each area's row, by area code."""
    rows = {}
    for tag in re.findall(r"<tr [^>]*data-area=[^>]*>", html):
        attrs = dict(re.findall(r'([\w-]+)="([^"]*)"', tag))
        rows[attrs["data-area"]] = attrs
    return rows


def _figures(html: str) -> dict[str, tuple[int, int]]:
    """(platforms, consultations held) of each area's row, by area code."""
    return {code: (int(r["data-platforms"]), int(r["data-meetings"])) for code, r in _rows(html).items()}


@pytest.fixture
def network(county, town_a, town_b, village_a, village_b):
    """Two towns, three villages (one without a platform), five platforms and meetings of two years.

    This year: town A holds 2 at its room and 1 at village A1's room (3 in all); town B holds 1, at
    00:30 on 1 January local time. Last year: town A 1, town B 1 (23:00 on 31 December local time).
    Planned, published, postponed and cancelled meetings never count; neither does the county's room.
    """
    AreaFactory(name="甲二村", code="V-A2", level=Area.Level.VILLAGE, parent=town_a)
    room_a = PlatformFactory(level="town", area=town_a)
    room_a1 = PlatformFactory(level="village", area=village_a)
    room_b = PlatformFactory(level="town", area=town_b)
    room_b1 = PlatformFactory(level="village", area=village_b)
    PlatformFactory(level="village", kind="micro", area=village_b)
    county_room = PlatformFactory(level="county", area=county)

    _meeting(room_a, _at(YEAR, 3, 10))
    _meeting(room_a, _at(YEAR, 5, 1), status="recorded")
    _meeting(room_a, _at(YEAR, 6, 1), status="planned")
    _meeting(room_a, _at(YEAR, 6, 2), status="published")
    _meeting(room_a, _at(YEAR, 4, 1), status="cancelled", status_reason="暴雨")
    _meeting(room_a, _at(YEAR, 4, 2), status="postponed", status_reason="主持人出差")
    _meeting(room_a, _at(YEAR - 1, 11, 1))
    _meeting(room_a1, _at(YEAR, 7, 1), status="recorded")
    _meeting(room_b, _at(YEAR, 1, 1, 0, 30))
    _meeting(room_b, _at(YEAR - 1, 12, 31, 23, 0), status="recorded")
    _meeting(room_b1, _at(YEAR, 2, 1), status="cancelled", status_reason="改期")
    _meeting(county_room, _at(YEAR, 3, 1))


@pytest.mark.parametrize("persona", ["member", "unit"])
def test_it_refuses_members_and_units(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get(URL).status_code == 403


def test_it_sends_anonymous_visitors_to_log_in(client, db):
    response = client.get(URL)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_it_lets_leaders_read_it(client, leader, network):
    client.force_login(leader)
    assert client.get(URL).status_code == 200


def test_it_counts_platforms_and_consultations_held_this_year(client, office, network):
    client.force_login(office)
    html = client.get(URL, {"year": YEAR}).content.decode()
    assert _figures(html) == {
        "T-A": (2, 3),
        "V-A1": (1, 1),
        "V-A2": (0, 0),
        "T-B": (3, 1),
        "V-B1": (2, 0),
    }


def test_it_counts_the_chosen_year(client, office, network):
    client.force_login(office)
    html = client.get(URL, {"year": YEAR - 1}).content.decode()
    assert _figures(html) == {
        "T-A": (2, 1),
        "V-A1": (1, 0),
        "V-A2": (0, 0),
        "T-B": (3, 1),
        "V-B1": (2, 0),
    }


def test_it_shows_this_year_when_no_year_is_chosen(client, office, network):
    client.force_login(office)
    response = client.get(URL)
    assert response.context["year"] == YEAR
    assert _figures(response.content.decode())["T-A"] == (2, 3)


def test_it_falls_back_to_this_year_for_a_bad_year(client, office, network):
    client.force_login(office)
    response = client.get(URL, {"year": "公元"})
    assert response.status_code == 200
    assert response.context["year"] == YEAR
    assert response.context["form"].errors["year"]


def test_it_lists_each_town_followed_by_its_villages(client, office, network):
    client.force_login(office)
    html = client.get(URL).content.decode()
    assert list(_rows(html)) == ["T-A", "V-A1", "V-A2", "T-B", "V-B1"]


def test_it_counts_villages_with_a_platform(client, office, network):
    client.force_login(office)
    rows = {row.code: row for row in client.get(URL).context["figures"]["rows"]}
    assert (rows["T-A"].villages_with_platform, rows["T-A"].village_count) == (1, 2)
    assert (rows["T-B"].villages_with_platform, rows["T-B"].village_count) == (1, 1)


def test_it_marks_towns_below_the_target(client, office, network):
    client.force_login(office)
    response = client.get(URL)
    rows = _rows(response.content.decode())
    assert rows["T-B"]["data-below-target"] == "true" and "below-target" in rows["T-B"]["class"]
    assert rows["T-A"]["data-below-target"] == "false" and "below-target" not in rows["T-A"]["class"]
    assert "below-target" not in rows["V-B1"]["class"]
    assert response.context["figures"]["towns_below_target"] == 1


def test_it_shows_a_text_marker_beside_the_colour(client, office, network):
    client.force_login(office)
    html = client.get(URL).content.decode()
    town_b_row = html[html.index('data-area="T-B"') : html.index('data-area="V-B1"')]
    assert 'class="badge text-bg-warning' in town_b_row
    town_a_row = html[html.index('data-area="T-A"') : html.index('data-area="V-A1"')]
    assert "text-bg-warning" not in town_a_row


def test_it_takes_the_target_from_the_settings(client, office, network, settings):
    settings.MEETINGS_PER_TOWN_TARGET = 3
    client.force_login(office)
    rows = _rows(client.get(URL).content.decode())
    assert rows["T-A"]["data-below-target"] == "false"
    settings.MEETINGS_PER_TOWN_TARGET = 4
    rows = _rows(client.get(URL).content.decode())
    assert rows["T-A"]["data-below-target"] == "true"


def test_it_shows_liaison_staff_their_town_only(client, liaison_a, network):
    client.force_login(liaison_a)
    html = client.get(URL).content.decode()
    assert _figures(html) == {"T-A": (2, 3), "V-A1": (1, 1), "V-A2": (0, 0)}


def _fill(town, n):
    for _ in range(n):
        village = AreaFactory(level=Area.Level.VILLAGE, parent=town)
        platform = PlatformFactory(level="village", area=village)
        _meeting(platform, _at(YEAR, 1, 15))
        _meeting(platform, _at(YEAR, 1, 16), status="planned")


def test_it_uses_the_same_number_of_queries_at_two_sizes(
    client, office, county, town_a, town_b, django_assert_max_num_queries
):
    client.force_login(office)
    _fill(town_a, 2)
    with django_assert_max_num_queries(10) as small:
        assert client.get(URL).status_code == 200
    for i in range(5):
        _fill(AreaFactory(level=Area.Level.TOWN, parent=county, code=f"T-X{i}"), 6)
    _fill(town_b, 10)
    with django_assert_max_num_queries(10) as large:
        response = client.get(URL)
    assert len(small.captured_queries) == len(large.captured_queries)
    assert len(response.context["figures"]["rows"]) == 2 + 2 + 5 + 30 + 10
