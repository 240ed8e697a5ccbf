"""seed_demo gives the demo logins, office included, a published password: it refuses to run in production unless
told so, and refuses a DEMO_PASSWORD the password policy would refuse."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from consult_portal import demo
from consult_portal.models import Area, User
from tests.factories import UserFactory


@pytest.fixture
def office_account(db):
    """The real office account of an installation, which happens to be called like the demo's."""
    return UserFactory(username="office", role="office", is_staff=True)


def test_it_refuses_to_run_with_debug_off_and_changes_nothing(office_account, settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--allow-production"):
        call_command("seed_demo", stdout=StringIO())
    assert not Area.objects.exists()
    assert list(User.objects.values_list("username", flat=True)) == ["office"]
    assert not Client().login(username="office", password=settings.DEMO_PASSWORD)
    assert Client().login(username="office", password="Correct-Horse-42")


def test_it_refuses_a_demo_password_the_policy_refuses_before_changing_anything(office_account, settings):
    settings.DEBUG = True
    settings.DEMO_PASSWORD = "demo1234"
    with pytest.raises(CommandError) as refused:
        call_command("seed_demo", stdout=StringIO())
    assert "DEMO_PASSWORD" in str(refused.value)
    assert not Area.objects.exists()
    assert Client().login(username="office", password="Correct-Horse-42")


def test_it_runs_in_development_and_with_the_explicit_flag(db, settings, monkeypatch):
    runs = []
    monkeypatch.setattr(demo, "seed", lambda: runs.append(1) or False)
    settings.DEBUG = True
    call_command("seed_demo", stdout=StringIO())
    settings.DEBUG = False
    call_command("seed_demo", allow_production=True, stdout=StringIO())
    assert len(runs) == 2
