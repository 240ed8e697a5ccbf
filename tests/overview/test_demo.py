from io import StringIO

import pytest
from django.apps import apps
from django.core.management import call_command
from django.test import Client
from django.utils import timezone

from consult_portal.models import Area, Role, User
from members.models import Member
from outcomes.models import OutcomeItem
from sessions.models import Meeting, Platform
from topics.models import ConsultationPlan, Topic, TopicPhoto

pytestmark = pytest.mark.django_db


def _row_counts():
    return {model._meta.label: model.objects.count() for model in apps.get_models()}


@pytest.fixture
def seeded(db):
    out = StringIO()
    call_command("seed_demo", allow_production=True, stdout=out)  # the tests run with DEBUG off
    return out.getvalue()


def test_it_builds_the_demo_county(seeded):
    assert Area.objects.filter(level=Area.Level.COUNTY).count() == 1
    assert Area.objects.filter(level=Area.Level.TOWN).count() == 9
    assert Area.objects.filter(level=Area.Level.VILLAGE).count() == 92
    assert Platform.objects.count() == 105
    assert Member.objects.filter(level=Member.Level.CITY).count() == 34
    assert Member.objects.filter(level=Member.Level.COUNTY).count() == 151
    assert set(Topic.objects.values_list("source", flat=True)) == set(Topic.Source.values)
    assert set(Topic.objects.values_list("status", flat=True)) == set(Topic.Status.values)
    assert set(OutcomeItem.objects.values_list("status", flat=True)) == set(OutcomeItem.Status.values)
    assert Meeting.objects.filter(status=Meeting.Status.NOTICE_PUBLISHED).exists()
    assert Meeting.objects.filter(status=Meeting.Status.RECORDED).exists()
    this_year = timezone.localdate().year
    assert ConsultationPlan.objects.filter(year=this_year, status=ConsultationPlan.Status.PUBLISHED).exists()
    assert TopicPhoto.objects.filter(topic__source=Topic.Source.RESIDENT).exists()


def test_it_is_re_runnable_without_duplicates(seeded):
    before = _row_counts()
    call_command("seed_demo", allow_production=True, stdout=StringIO())
    assert _row_counts() == before


def test_it_makes_one_login_per_role_and_prints_them(seeded, settings):
    for username, role in [
        ("office", Role.OFFICE),
        ("town", Role.LIAISON),
        ("member", Role.MEMBER),
        ("unit", Role.UNIT),
        ("leader", Role.LEADER),
    ]:
        user = User.objects.get(username=username)
        assert user.has_role(role)
        assert username in seeded
        assert Client().login(username=username, password=settings.DEMO_PASSWORD)
    assert settings.DEMO_PASSWORD in seeded
    assert User.objects.get(username="town").town.level == Area.Level.TOWN
    assert User.objects.get(username="unit").unit is not None
    assert Member.objects.filter(user__username="member").exists()


def test_the_demo_back_office_shows_its_figures(seeded, client):
    client.force_login(User.objects.get(username="office"))
    html = client.get("/staff/").content.decode()
    assert 'data-figure="members_active">185<' in html


def test_the_demo_holds_a_topic_that_went_all_the_way_to_concluded(seeded, client):
    concluded = Topic.objects.filter(status=Topic.Status.CONCLUDED, closed_at__isnull=False)
    topic = next(t for t in concluded if t.outcomes.exists())
    items = list(topic.outcomes.all())
    assert all(item.published_at is not None for item in items)
    assert topic.closed_at == max(item.published_at for item in items)
    html = client.get(f"/topics/track/{topic.tracking_code}/").content.decode()
    assert "已办结" in html
    for item in items:
        assert f'href="/outcomes/{item.pk}/"' in html and f'href="/outcomes/{item.pk}/survey/"' in html
