import datetime
from io import BytesIO
from xml.etree import ElementTree

import pytest
import zxingcpp
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from members.models import READABLE_ALPHABET, Assignment, Member
from tests.factories import CommitteeFactory, MemberFactory, SectorFactory

BASE_URL = "https://zx.example.invalid"


@pytest.fixture(autouse=True)
def _base_url(settings):
    settings.PORTAL_BASE_URL = BASE_URL + "/"


@pytest.fixture
def member(town_a, village_a, town_b):
    member = MemberFactory(
        name="李委员",
        phone="13912345678",
        sector=SectorFactory(name="农业界"),
        committee=CommitteeFactory(name="农业和农村委员会"),
    )
    today = timezone.localdate()
    Assignment.objects.create(member=member, area=town_a, starts_on=today - datetime.timedelta(days=30))
    Assignment.objects.create(
        member=member, area=village_a, starts_on=today, ends_on=today + datetime.timedelta(days=9)
    )
    # Over: no longer shown.
    Assignment.objects.create(
        member=member,
        area=town_b,
        starts_on=today - datetime.timedelta(days=400),
        ends_on=today - datetime.timedelta(days=1),
    )
    return member


def _public_url(member):
    return BASE_URL + reverse("members:code", args=[member.duty_code])


def _spaced_lower(code):
    return f" {code[:4].lower()} - {code[4:].lower()} "


def test_it_shows_the_member_without_their_phone(client, member, django_assert_max_num_queries):
    with django_assert_max_num_queries(4):
        response = client.get(reverse("members:code", args=[member.duty_code]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "李委员" in body
    assert "农业界" in body
    assert "农业和农村委员会" in body
    assert "甲镇" in body and "甲一村" in body
    assert "乙镇" not in body  # the finished assignment
    assert "13912345678" not in body and "12345678" not in body
    assert reverse("topics:suggest") in body
    assert member.duty_code in body


def test_it_shows_the_photo_with_alt_text(client, member, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    Member.objects.filter(pk=member.pk).update(photo="members/li.jpg")
    member.refresh_from_db()
    response = client.get(reverse("members:code", args=[member.duty_code]))
    assert f'src="{member.photo.url}"' in response.content.decode()
    assert 'alt=""' not in response.content.decode()


def test_it_accepts_a_lower_case_code_with_spaces_and_dashes(client, member):
    response = client.get(reverse("members:code", args=[_spaced_lower(member.duty_code)]))
    assert response.status_code == 200
    assert response.context["member"] == member


def test_it_returns_404_for_an_unknown_code(client, member):
    unknown = "23456789" if member.duty_code != "23456789" else "98765432"
    assert client.get(reverse("members:code", args=[unknown])).status_code == 404
    assert client.get(reverse("members:code-qr-png", args=[unknown])).status_code == 404
    assert client.get(reverse("members:code-qr-svg", args=[unknown])).status_code == 404


def test_it_returns_404_for_an_inactive_member(client, member):
    Member.objects.filter(pk=member.pk).update(is_active=False)
    assert client.get(reverse("members:code", args=[member.duty_code])).status_code == 404
    assert client.get(reverse("members:code-qr-png", args=[member.duty_code])).status_code == 404


def test_it_serves_a_png_qr_that_decodes_to_the_public_page(client, member):
    # Asked with a messy code from another host (testserver): the QR carries the canonical configured address.
    response = client.get(reverse("members:code-qr-png", args=[_spaced_lower(member.duty_code)]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert "public" in response["Cache-Control"] and "max-age=86400" in response["Cache-Control"]
    assert f"duty-code-{member.duty_code}.png" in response["Content-Disposition"]
    results = zxingcpp.read_barcodes(Image.open(BytesIO(response.content)))
    assert [result.text for result in results] == [_public_url(member)]


def test_it_serves_an_svg_qr(client, member):
    response = client.get(reverse("members:code-qr-svg", args=[member.duty_code]))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/svg+xml"
    assert "max-age=86400" in response["Cache-Control"]
    assert f"duty-code-{member.duty_code}.svg" in response["Content-Disposition"]
    root = ElementTree.fromstring(response.content)  # noqa: S314 -- our own response, not untrusted input
    assert root.tag in ("svg", "{http://www.w3.org/2000/svg}svg")


def test_it_generates_unique_unguessable_codes(db):
    sector = SectorFactory()
    codes = [MemberFactory(sector=sector).duty_code for _ in range(200)]
    assert len(set(codes)) == 200
    for code in codes:
        assert len(code) == 8
        assert set(code) <= set(READABLE_ALPHABET)
        assert not set(code) & set("0O1IL")


# The printed card


def _print_url(member):
    return reverse("members:code-print", args=[member.pk])


def test_it_prints_the_card_for_office_staff(client, office, member):
    client.force_login(office)
    response = client.get(_print_url(member))
    assert response.status_code == 200
    body = response.content.decode()
    assert "李委员" in body and "农业界" in body
    assert member.duty_code in body
    assert "<svg" in body
    assert _public_url(member) in body
    assert "13912345678" not in body


def test_it_prints_the_card_for_a_leader(client, leader, member):
    client.force_login(leader)
    assert client.get(_print_url(member)).status_code == 200


def test_it_prints_the_card_for_the_liaison_of_the_members_town(client, liaison_a, member):
    client.force_login(liaison_a)
    assert client.get(_print_url(member)).status_code == 200


def test_it_prints_the_card_for_the_liaison_when_the_member_is_sunk_in_a_village(client, liaison_a, village_a):
    member = MemberFactory()
    Assignment.objects.create(member=member, area=village_a, starts_on=timezone.localdate())
    client.force_login(liaison_a)
    assert client.get(_print_url(member)).status_code == 200


def test_it_hides_the_card_from_the_liaison_of_another_town(client, liaison_b, member):
    # The member's assignment in town B is over.
    client.force_login(liaison_b)
    assert client.get(_print_url(member)).status_code == 404


def test_it_sends_anonymous_users_to_login(client, member):
    response = client.get(_print_url(member))
    assert response.status_code == 302
    assert reverse("login") in response["Location"]


@pytest.mark.parametrize("persona", ["member", "unit"])
def test_it_refuses_members_and_units(client, personas, member, persona):
    client.force_login(personas[persona])
    assert client.get(_print_url(member)).status_code == 403


def test_it_returns_404_for_the_card_of_an_inactive_member(client, office, member):
    Member.objects.filter(pk=member.pk).update(is_active=False)
    client.force_login(office)
    assert client.get(_print_url(member)).status_code == 404


def test_a_member_reaches_their_public_page_from_the_workspace(client, member_user):
    client.force_login(member_user)
    code = member_user.member.duty_code
    assert f'href="/members/code/{code}/"' in client.get("/members/me/").content.decode()
