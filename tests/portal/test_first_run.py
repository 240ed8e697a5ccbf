"""The first run of a new installation: `manage.py create_office_user` makes the office's first login, which signs
in through the real form and opens the back office and the admin — on an empty database, no shell, no admin edits."""

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.test import Client

from consult_portal.models import AuditEntry, Role, User

LOGIN = "/accounts/login/"
PASSWORD = "Lanba-Office-2026"
ROOT = Path(__file__).resolve().parents[2]


def _create(*args, password=PASSWORD):
    out = io.StringIO()
    call_command("create_office_user", *args, "--password-stdin", stdin=io.StringIO(f"{password}\n"), stdout=out)
    return out.getvalue()


def _sign_in(username, password=PASSWORD):
    client = Client()
    response = client.post(LOGIN, {"username": username, "password": password})
    assert response.status_code == 302, response.content.decode()[:500]
    return client


@pytest.mark.django_db
def test_it_makes_an_office_login_that_opens_the_back_office_and_the_admin_on_an_empty_database():
    assert not User.objects.exists()
    output = _create("zhangsan", "--email", "zhangsan@example.invalid", "--name", "张三")
    assert "zhangsan" in output
    client = _sign_in("zhangsan")
    assert client.get("/staff/").status_code == 200
    assert client.get("/admin/").status_code == 200
    user = User.objects.get(username="zhangsan")
    assert user.has_role(Role.OFFICE) and user.is_staff and not user.is_superuser
    assert not user.must_change_password  # the one who ran the command chose the password
    assert (user.email, user.get_full_name()) == ("zhangsan@example.invalid", "张三")
    entry = AuditEntry.objects.get(action="office_user_create")
    assert entry.actor is None and entry.object_id == str(user.pk)
    assert PASSWORD not in str(entry.after)


@pytest.mark.django_db
def test_it_makes_a_superuser_only_when_asked():
    _create("lisi", "--superuser")
    assert User.objects.get(username="lisi").is_superuser


@pytest.mark.django_db
def test_it_refuses_a_weak_password_with_the_policys_reasons_and_creates_nobody():
    with pytest.raises(CommandError) as refused:
        _create("zhangsan", password="abcdefg")
    reasons = str(refused.value)
    # Every reason the policy gives, as it words them: too short (10 characters), too common, too few kinds.
    with pytest.raises(ValidationError) as policy:
        validate_password("abcdefg", User(username="zhangsan", is_staff=True))
    assert len(policy.value.messages) == 3
    assert all(message in reasons for message in policy.value.messages)
    assert "至少 10 个字符" in reasons
    assert not User.objects.filter(username="zhangsan").exists()
    assert not AuditEntry.objects.filter(action="office_user_create").exists()


@pytest.mark.django_db
def test_it_refuses_a_password_that_mixes_too_few_kinds_of_character():
    with pytest.raises(CommandError) as refused:
        _create("zhangsan", password="lanbaoffice2026")
    assert "3 类" in str(refused.value)  # lowercase letters and digits only: two kinds of the three asked for
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_refuses_two_different_passwords_typed_at_the_terminal(monkeypatch):
    typed = iter([PASSWORD, PASSWORD + "x"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(typed))
    with pytest.raises(CommandError):
        call_command("create_office_user", "zhangsan", stdout=io.StringIO())
    assert not User.objects.exists()


@pytest.mark.django_db
def test_it_takes_the_same_password_typed_twice_at_the_terminal(monkeypatch):
    monkeypatch.setattr("getpass.getpass", lambda prompt="": PASSWORD)
    call_command("create_office_user", "zhangsan", stdout=io.StringIO())
    assert _sign_in("zhangsan").get("/admin/").status_code == 200


@pytest.mark.django_db
def test_it_refuses_an_existing_username_without_update_and_changes_nothing():
    _create("zhangsan")
    with pytest.raises(CommandError) as refused:
        _create("zhangsan", password="Another-Pass-2027")
    assert "--update" in str(refused.value)
    _sign_in("zhangsan")  # the first password still works
    assert User.objects.filter(username="zhangsan").count() == 1


@pytest.mark.django_db
def test_update_sets_the_password_and_makes_an_existing_login_office_staff(liaison_a):
    liaison_a.is_active = False
    liaison_a.must_change_password = True
    liaison_a.save()
    _create("liaison_a", "--update")
    client = _sign_in("liaison_a")
    assert client.get("/admin/").status_code == 200
    user = User.objects.get(username="liaison_a")
    assert user.has_role(Role.OFFICE) and user.has_role(Role.LIAISON)
    assert not user.must_change_password
    assert AuditEntry.objects.filter(action="office_user_update", object_id=str(user.pk)).exists()


@pytest.mark.django_db
def test_update_refuses_a_username_that_does_not_exist():
    with pytest.raises(CommandError):
        _create("nobody", "--update")
    assert not User.objects.exists()


def test_the_readmes_production_steps_bring_an_empty_database_to_a_first_login(tmp_path):
    """`migrate --noinput` and `create_office_user … --password-stdin` as the README runs them, on a new SQLite file;
    then a login through the form, in a process of its own on the same file."""
    database = tmp_path / "first-run.sqlite3"
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "tests.settings",
        "DATABASE_URL": f"sqlite:///{database}",
    }
    manage = [sys.executable, str(ROOT / "manage.py")]

    def run(*args, stdin=None):
        done = subprocess.run(
            [*manage, *args], input=stdin, env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
        )
        assert done.returncode == 0, done.stderr
        return done

    run("migrate", "--noinput")
    run("create_office_user", "zhangsan", "--name", "张三", "--password-stdin", stdin=f"{PASSWORD}\n")
    # Run it twice and the second is refused, with a non-zero exit.
    again = subprocess.run(
        [*manage, "create_office_user", "zhangsan", "--password-stdin"],
        input=f"{PASSWORD}\n",
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert again.returncode != 0 and "--update" in again.stderr
    login = (
        "import django; django.setup()\n"
        "from django.test.utils import setup_test_environment; setup_test_environment()\n"
        "from django.test import Client\n"
        "c = Client()\n"
        f"r = c.post('{LOGIN}', {{'username': 'zhangsan', 'password': '{PASSWORD}'}})\n"
        "assert r.status_code == 302, r.status_code\n"
        "print(c.get('/staff/').status_code, c.get('/admin/').status_code)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", login], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["200", "200"]
