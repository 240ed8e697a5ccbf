"""Login lock-out after repeated failures: django-axes locks an account at one address; across addresses
consult_portal.logins pauses an account (or an address) guessed too often, except where it is normally used;
and the office's unlock."""

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


def test_an_attacker_at_one_address_locks_only_himself_out(client, office, liaison_a):
    _fail(client, "office1", 5, REMOTE_ADDR="10.9.9.9")
    assert _login(client, "office1", "Correct-Horse-42", REMOTE_ADDR="10.9.9.9").status_code == 429
    # The office logs in from its own desk, and the other accounts behind the attacker's address are not locked.
    assert _login(Client(), "office1", "Correct-Horse-42", REMOTE_ADDR="10.1.1.1").status_code == 302
    assert _login(Client(), "liaison_a", "Correct-Horse-42", REMOTE_ADDR="10.9.9.9").status_code == 302


def test_five_wrong_passwords_from_five_addresses_do_not_lock_the_account(client, leader):
    for number in range(5):
        _login(client, "leader1", REMOTE_ADDR=f"10.0.0.{number}")
    assert _login(client, "leader1", "Correct-Horse-42", REMOTE_ADDR="10.0.0.99").status_code == 302


def test_a_shared_address_does_not_lock_the_accounts_nobody_guessed(client, office, liaison_a):
    for number in range(5):
        _fail(client, f"guess{number}", 5, REMOTE_ADDR="10.9.9.9")
    assert _login(client, "liaison_a", "Correct-Horse-42", REMOTE_ADDR="10.9.9.9").status_code == 302


def test_guessing_one_account_from_many_addresses_is_stopped_except_where_it_is_used(client, leader, settings):
    assert settings.LOGIN_ACCOUNT_FAILURE_LIMIT == 20
    assert _login(Client(), "leader1", "Correct-Horse-42", REMOTE_ADDR="10.20.0.1").status_code == 302
    for number in range(4):
        _fail(client, "leader1", 5, REMOTE_ADDR=f"10.30.0.{number}")
    # From a fifth address even the right password is refused at once, with the lock-out page.
    refused = _login(client, "leader1", "Correct-Horse-42", REMOTE_ADDR="10.30.0.99")
    assert refused.status_code == 429 and "登录已暂时锁定" in refused.content.decode()
    assert AccessAttempt.objects.filter(ip_address="10.30.0.99").count() == 0  # a refused try is not a failure
    # The owner, at the address the account logged in from before, carries on.
    assert _login(Client(), "leader1", "Correct-Horse-42", REMOTE_ADDR="10.20.0.1").status_code == 302
    # It ends by itself once the failures are older than the cool-off.
    _age_attempts(31)
    assert _login(client, "leader1", "Correct-Horse-42", REMOTE_ADDR="10.30.0.99").status_code == 302


def test_an_address_guessing_many_accounts_is_stopped_except_for_accounts_used_there(
    client, office, liaison_a, settings
):
    settings.LOGIN_ADDRESS_FAILURE_LIMIT = 10
    assert _login(Client(), "liaison_a", "Correct-Horse-42", REMOTE_ADDR="10.9.9.8").status_code == 302
    for number in range(5):
        _fail(client, f"guess{number}", 2, REMOTE_ADDR="10.9.9.8")
    assert _login(client, "office1", "Correct-Horse-42", REMOTE_ADDR="10.9.9.8").status_code == 429
    assert _login(client, "liaison_a", "Correct-Horse-42", REMOTE_ADDR="10.9.9.8").status_code == 302
    assert _login(client, "office1", "Correct-Horse-42", REMOTE_ADDR="10.1.1.1").status_code == 302


def test_behind_the_proxy_it_counts_the_forwarded_address(client, office, liaison_a, settings):
    settings.USE_X_FORWARDED_FOR = True
    _fail(client, "liaison_a", 5, HTTP_X_FORWARDED_FOR="6.6.6.6", REMOTE_ADDR="127.0.0.1")
    assert AccessAttempt.objects.get(ip_address="6.6.6.6").failures_since_start == 5
    refused = _login(client, "liaison_a", "Correct-Horse-42", HTTP_X_FORWARDED_FOR="6.6.6.6")
    assert refused.status_code == 429
    # Another visitor behind the same proxy is not locked out.
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
    assert settings.AXES_LOCKOUT_PARAMETERS == [["username", "ip_address"]]
    assert settings.AXES_CLIENT_IP_CALLABLE == "consult_portal.audit.client_ip"


def test_the_office_sees_the_account_locked_at_an_address(client, office, liaison_a):
    _fail(Client(REMOTE_ADDR="10.2.2.2"), "liaison_a", 4)
    Client(REMOTE_ADDR="10.2.2.2").post(LOGIN, {"username": "liaison_a", "password": "x"})
    client.force_login(office)
    html = client.get(LOCKED).content.decode()
    assert 'data-lockout="pair:liaison_a@10.2.2.2"' in html
    assert 'data-lockout="username:liaison_a"' not in html and 'data-lockout="ip:10.2.2.2"' not in html


def test_the_office_sees_and_unlocks_an_account_guessed_from_many_addresses(client, office, leader):
    for number in range(4):
        _fail(Client(REMOTE_ADDR=f"10.31.0.{number}"), "leader1", 5)
    client.force_login(office)
    assert 'data-lockout="username:leader1"' in client.get(LOCKED).content.decode()
    client.post(LOCKED, {"kind": "username", "value": "leader1"})
    assert _login(Client(REMOTE_ADDR="10.31.0.99"), "leader1", "Correct-Horse-42").status_code == 302
    assert AuditEntry.objects.get(action="login_unlock").after["username"] == "leader1"


def test_the_office_unlocks_an_account_at_an_address_and_it_is_audited(client, office, liaison_a):
    _fail(Client(REMOTE_ADDR="10.3.3.3"), "liaison_a", 5)
    client.force_login(office)
    response = client.post(LOCKED, {"kind": "pair", "value": "liaison_a@10.3.3.3"})
    assert response.status_code == 302
    assert 'data-lockout="pair:liaison_a@10.3.3.3"' not in client.get(LOCKED).content.decode()
    assert _login(Client(REMOTE_ADDR="10.3.3.3"), "liaison_a", "Correct-Horse-42").status_code == 302
    entry = AuditEntry.objects.get(action="login_unlock")
    assert entry.actor == office
    assert entry.object_id == str(liaison_a.pk)
    assert entry.after["username"] == "liaison_a" and entry.after["ip_address"] == "10.3.3.3"
    assert entry.ip == "127.0.0.1"


def test_the_office_unlocks_an_address(client, office, liaison_a):
    locked = Client(REMOTE_ADDR="10.4.4.4")
    _fail(locked, "liaison_a", 5)
    assert _login(locked, "liaison_a", "Correct-Horse-42").status_code == 429
    client.force_login(office)
    client.post(LOCKED, {"kind": "ip", "value": "10.4.4.4"})
    assert _login(locked, "liaison_a", "Correct-Horse-42").status_code == 302
    assert AuditEntry.objects.get(action="login_unlock").after["ip_address"] == "10.4.4.4"


def test_an_unknown_kind_changes_nothing(client, office):
    _fail(Client(REMOTE_ADDR="10.5.5.5"), "office1", 5)
    client.force_login(office)
    client.post(LOCKED, {"kind": "everything", "value": "office1"})
    client.post(LOCKED, {"kind": "pair", "value": "office1"})  # a pair without its address clears nothing
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
        assert client.get(LOCKED).content.decode().count("data-lockout=") == 7
    assert len(small.captured_queries) == len(large.captured_queries)
