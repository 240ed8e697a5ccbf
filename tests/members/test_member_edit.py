import pytest
from django.core.files.storage import default_storage
from PIL import Image

from consult_portal.models import AuditEntry
from members.models import Member
from tests.factories import MeetingFactory, OutcomeFactory, SectorFactory
from tests.topics.conftest import jpeg_with_gps, photo


@pytest.fixture
def sector(db):
    return SectorFactory(name="教育界")


def _data(sector, **extra):
    return {
        "name": "孙老师",
        "level": "county",
        "sector": sector.pk,
        "expertise": "教育",
        "phone": "13700001111",
        "is_active": "on",
        **extra,
    }


def test_office_staff_register_a_member_with_a_checked_and_resized_photo(client, office, sector):
    client.force_login(office)
    response = client.post(
        "/staff/members/new/", {**_data(sector), "photo_upload": photo(data=jpeg_with_gps((2400, 1800)))}
    )
    member = Member.objects.get(name="孙老师")
    assert response["Location"] == f"/staff/members/{member.pk}/"
    with default_storage.open(member.photo.name) as f, Image.open(f) as image:
        assert max(image.size) <= 400 and dict(image.getexif()) == {}
    entry = AuditEntry.objects.get(action="member_create")
    assert "phone" not in entry.after


def test_a_file_that_is_not_a_photo_is_refused_and_the_form_kept(client, office, sector):
    client.force_login(office)
    response = client.post("/staff/members/new/", {**_data(sector), "photo_upload": photo("me.jpg", b"%PDF-1.4 x")})
    html = response.content.decode()
    assert response.status_code == 400 and "该文件不是照片" in html and 'value="孙老师"' in html
    assert not Member.objects.exists()


def test_a_malformed_phone_is_refused(client, office, sector):
    client.force_login(office)
    response = client.post("/staff/members/new/", _data(sector, phone="12345"))
    assert response.status_code == 400 and "11 位手机号码" in response.content.decode()


def test_an_edit_is_audited_with_the_values_before(client, office, sector):
    client.force_login(office)
    client.post("/staff/members/new/", _data(sector))
    member = Member.objects.get()
    client.post(f"/staff/members/{member.pk}/edit/", _data(sector, expertise="教育,心理"))
    member.refresh_from_db()
    assert member.expertise == "教育,心理"
    entry = AuditEntry.objects.get(action="member_update")
    assert (entry.before["expertise"], entry.after["expertise"]) == ("教育", "教育,心理")


@pytest.mark.parametrize("persona", ["liaison_a", "leader", "member", "unit"])
def test_only_office_staff_edit_the_registry(client, personas, persona, sector):
    client.force_login(personas[persona])
    assert client.post("/staff/members/new/", _data(sector)).status_code == 403
    assert not Member.objects.filter(name="孙老师").exists()


def test_a_member_sees_the_outcome_items_they_supervise(client, member_user, town_a):
    from tests.factories import PlatformFactory

    item = OutcomeFactory(meeting=MeetingFactory(platform=PlatformFactory(area=town_a)), text="修复村口路灯")
    other = OutcomeFactory(meeting=item.meeting, text="别人的督办事项")
    item.supervisors.add(member_user.member)
    client.force_login(member_user)
    html = client.get("/members/me/").content.decode()
    assert f'data-supervised="{item.pk}"' in html and "修复村口路灯" in html
    assert "别人的督办事项" not in html and other.pk


def test_office_staff_link_a_member_to_a_member_login(client, office, sector):
    from tests.factories import UserFactory

    login = UserFactory(username="sun", role="member")
    UserFactory(username="staffer", role="office")  # not a member login: not offered
    client.force_login(office)
    form = client.get("/staff/members/new/").context["form"]
    assert list(form.fields["user"].queryset) == [login]
    client.post("/staff/members/new/", _data(sector, user=login.pk))
    assert Member.objects.get(name="孙老师").user == login


def test_a_member_sees_the_research_they_took_part_in(client, member_user, town_a):
    from datetime import date

    from sessions.models import Research
    from tests.factories import PlatformFactory

    meeting = MeetingFactory(platform=PlatformFactory(area=town_a))
    research = Research.objects.create(meeting=meeting, date=date(2026, 3, 1), kind="visit", findings="走访")
    research.members.add(member_user.member)
    client.force_login(member_user)
    assert f'data-research="{research.pk}"' in client.get("/members/me/").content.decode()


@pytest.mark.parametrize("typed", ["138 0000-1234", "+86 13800001234"])
def test_a_typed_mobile_is_stored_as_its_11_digits(client, office, sector, typed):
    client.force_login(office)
    assert client.post("/staff/members/new/", _data(sector, phone=typed)).status_code == 302
    assert Member.objects.get().phone == "13800001234"
