"""Login lock-out after repeated failures (django-axes), per account and per address, and the office's unlock."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.db.models import F
from django.test import Client

from consult_portal.models import AuditEntry

LOGIN = "/accounts/login/"
LOCKED = "/staff/accounts/locked/"
WRONG = "wrong-password-1A"


def _login(client, username, password=WRONG, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def _fail(client, username, times, **extra):
    """Wrong passwords; the fifth is the one that locks."""
    for _ in range(times):
        assert _login(client, username, **extra).status_code in (200, 429)


def test_it_locks_an_account_after_five_wrong_passwords_even_with_the_right_one(client, office, settings):
    assert settings.AXES_FAILURE_LIMIT == 5
    _fail(client, "office1", 4)
    response = _login(client, "office1")
    assert response.status_code == 429
    right = _login(client, "office1", "Correct-Horse-42")
    assert right.status_code == 429
    assert "_auth_user_id" not in client.session


def test_the_lockout_page_is_in_chinese_and_names_the_wait_and_the_office(client, office):
    # needs .pending_i18n/security.json
    _fail(client, "office1", 4)
    html = _login(client, "office1").content.decode()
    assert "登录已暂时锁定" in html
    assert "30 分钟" in html
    assert "政协办公室" in html


def test_it_locks_the_account_from_any_address(client, office):
    for number in range(5):
        _login(client, "office1", REMOTE_ADDR=f"10.0.0.{number}")
    assert _login(client, "office1", "Correct-Horse-42", REMOTE_ADDR="10.0.0.99").status_code == 429


def test_it_locks_an_address_that_tries_many_accounts(client, office, liaison_a):
    for number in range(5):
        _login(client, f"guess{number}", REMOTE_ADDR="10.9.9.9")
    assert _login(client, "liaison_a", "Correct-Horse-42", REMOTE_ADDR="10.9.9.9").status_code == 429
    # The account itself is not locked: from elsewhere its owner logs in.
    assert _login(client, "liaison_a", "Correct-Horse-42", REMOTE_ADDR="10.1.1.1").status_code == 302


def test_behind_the_proxy_it_counts_the_forwarded_address(client, office, liaison_a, settings):
    settings.USE_X_FORWARDED_FOR = True
    for number in range(5):
        _login(client, f"guess{number}", HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="127.0.0.1")
    assert AccessAttempt.objects.filter(ip_address="6.6.6.6").count() == 5
    refused = _login(client, "liaison_a", "Correct-Horse-42", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert refused.status_code == 429
    # Another resident behind the same proxy is not locked out.
    allowed = _login(client, "liaison_a", "Correct-Horse-42", HTTP_X_FORWARDED_FOR="7.7.7.7")
    assert allowed.status_code == 302


def _age_attempts(minutes):
    AccessAttempt.objects.update(attempt_time=F("attempt_time") - timedelta(minutes=minutes))


def test_the_lock_ends_by_itself_after_the_cool_off(client, office):
    _fail(client, "office1", 4)
    assert _login(client, "office1").status_code == 429
    _age_attempts(29)
    assert _login(client, "office1", "Correct-Horse-42").status_code == 429
    _age_attempts(2)
    assert _login(client, "office1", "Correct-Horse-42").status_code == 302


def test_the_limit_and_cool_off_come_from_the_environment(settings):
    assert settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
    assert settings.AXES_LOCKOUT_PARAMETERS == ["username", "ip_address"]
    assert settings.AXES_CLIENT_IP_CALLABLE == "consult_portal.audit.client_ip"


def test_the_office_sees_the_locked_account_and_address(client, office, liaison_a):
    _fail(Client(REMOTE_ADDR="10.2.2.2"), "liaison_a", 4)
    Client(REMOTE_ADDR="10.2.2.2").post(LOGIN, {"username": "liaison_a", "password": "x"})
    client.force_login(office)
    html = client.get(LOCKED).content.decode()
    assert 'data-lockout="username:liaison_a"' in html
    assert 'data-lockout="ip:10.2.2.2"' in html


def test_the_office_unlocks_an_account_and_it_is_audited(client, office, liaison_a):
    _fail(Client(REMOTE_ADDR="10.3.3.3"), "liaison_a", 4)
    Client(REMOTE_ADDR="10.3.3.4").post(LOGIN, {"username": "liaison_a", "password": "x"})
    client.force_login(office)
    response = client.post(LOCKED, {"kind": "username", "value": "liaison_a"})
    assert response.status_code == 302
    assert 'data-lockout="username:liaison_a"' not in client.get(LOCKED).content.decode()
    assert _login(Client(REMOTE_ADDR="10.3.3.5"), "liaison_a", "Correct-Horse-42").status_code == 302
    entry = AuditEntry.objects.get(action="login_unlock")
    assert entry.actor == office
    assert entry.object_id == str(liaison_a.pk)
    assert entry.after["username"] == "liaison_a"
    assert entry.ip == "127.0.0.1"


def test_the_office_unlocks_an_address(client, office, liaison_a):
    locked = Client(REMOTE_ADDR="10.4.4.4")
    _fail(locked, "nobody", 5)
    client.force_login(office)
    client.post(LOCKED, {"kind": "ip", "value": "10.4.4.4"})
    assert _login(locked, "liaison_a", "Correct-Horse-42").status_code == 302
    assert AuditEntry.objects.get(action="login_unlock").after["ip_address"] == "10.4.4.4"


def test_an_unknown_kind_changes_nothing(client, office):
    _fail(Client(REMOTE_ADDR="10.5.5.5"), "office1", 5)
    client.force_login(office)
    client.post(LOCKED, {"kind": "everything", "value": "office1"})
    assert AccessAttempt.objects.exists()
    assert not AuditEntry.objects.filter(action="login_unlock").exists()


@pytest.mark.parametrize("persona", ["liaison_a", "leader", "member", "unit"])
def test_only_the_office_may_unlock(client, personas, persona):
    client.force_login(personas[persona])
    assert client.get(LOCKED).status_code == 403
    assert client.post(LOCKED, {"kind": "username", "value": "office1"}).status_code == 403


def test_anonymous_visitors_go_to_the_login_page(client):
    assert client.get(LOCKED)["Location"].startswith("/accounts/login/")


def test_the_locked_list_costs_the_same_queries_at_two_sizes(client, office, django_assert_max_num_queries):
    client.force_login(office)
    _fail(Client(REMOTE_ADDR="10.6.6.1"), "a1", 5)
    with django_assert_max_num_queries(20) as small:
        client.get(LOCKED)
    for number in range(6):
        _fail(Client(REMOTE_ADDR=f"10.7.7.{number}"), f"b{number}", 5)
    with django_assert_max_num_queries(20) as large:
        assert client.get(LOCKED).content.decode().count("data-lockout=") == 14
    assert len(small.captured_queries) == len(large.captured_queries)
