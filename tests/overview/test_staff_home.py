import pytest
from django.utils import timezone

from tests.factories import MeetingFactory, OutcomeFactory, PlatformFactory, TopicFactory


def _figure(html: str, name: str) -> int:
    marker = f'data-figure="{name}"'
    start = html.index(marker)
    return int(html[html.index(">", start) + 1 : html.index("<", start)])


def test_it_sends_anonymous_visitors_to_the_login_page(client, db):
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=/staff/")


@pytest.mark.parametrize("persona", ["office", "liaison_a", "leader"])
def test_it_lets_staff_and_leaders_in(client, personas, persona):
    client.force_login(personas[persona])
    response = client.get("/staff/")
    assert response.status_code == 200
    assert "工作台" in response.content.decode()


@pytest.mark.parametrize("persona", ["member", "unit"])
def test_it_refuses_members_and_units(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get("/staff/").status_code == 403


def test_it_counts_from_the_database(client, office, town_a, town_b):
    TopicFactory.create_batch(3, town=town_a)
    TopicFactory(town=town_b, status="declined", public_reason="不属于协商事项")
    OutcomeFactory(
        meeting=MeetingFactory(platform=PlatformFactory(area=town_a)),
        deadline=timezone.localdate() - timezone.timedelta(days=1),
    )
    client.force_login(office)
    html = client.get("/staff/").content.decode()
    assert _figure(html, "topics_to_triage") == 3
    assert _figure(html, "topics_this_year") == 4
    assert _figure(html, "outcomes_overdue") == 1
    assert _figure(html, "meetings_upcoming") == 1


def test_it_shows_liaison_staff_their_own_town_only(client, liaison_a, town_a, town_b):
    TopicFactory.create_batch(2, town=town_a)
    TopicFactory.create_batch(5, town=town_b)
    client.force_login(liaison_a)
    html = client.get("/staff/").content.decode()
    assert _figure(html, "topics_to_triage") == 2
    assert "甲镇" in html


def test_it_refuses_a_liaison_account_without_a_town(client, db):
    from tests.factories import UserFactory

    client.force_login(UserFactory(username="lost", role="liaison"))
    assert client.get("/staff/").status_code == 403


@pytest.mark.parametrize(
    ("persona", "expected"), [("office", 200), ("leader", 302), ("liaison_a", 302), ("member", 302)]
)
def test_it_opens_the_admin_to_office_staff_only(client, personas, persona, expected):
    user = personas[persona]
    user.is_staff = True  # even a staff flag set by mistake does not open the admin to other roles
    user.save()
    client.force_login(user)
    assert client.get("/admin/").status_code == expected


def test_it_sends_each_role_to_its_landing_after_login(client, personas):
    client.force_login(personas["leader"])
    assert client.get("/accounts/home/")["Location"] == "/staff/"
    client.force_login(personas["member"])
    assert client.get("/accounts/home/")["Location"] == "/members/me/"
    client.force_login(personas["unit"])
    assert client.get("/accounts/home/")["Location"] == "/unit/items/"


def test_it_links_the_dashboard_and_the_assessment(client, office):
    client.force_login(office)
    html = client.get("/staff/").content.decode()
    assert 'href="/staff/dashboard/">年度数据、图表与总结</a>' in html
    assert 'href="/staff/assessment/">联络站考核</a>' in html
