from django.contrib.auth import get_user_model
from django.test import Client


def test_a_user_changes_their_password_and_weak_ones_are_refused(client, office):
    client.force_login(office)
    weak = client.post(
        "/accounts/password_change/",
        {"old_password": "Correct-Horse-42", "new_password1": "short1", "new_password2": "short1"},
    )
    assert weak.status_code == 200
    assert "密码长度太短" in weak.content.decode()
    response = client.post(
        "/accounts/password_change/",
        {"old_password": "Correct-Horse-42", "new_password1": "Lamp-Post-2026!", "new_password2": "Lamp-Post-2026!"},
    )
    assert response["Location"] == "/accounts/password_change/done/"
    assert Client().login(username="office1", password="Lamp-Post-2026!")
    assert get_user_model().objects.get(pk=office.pk).check_password("Lamp-Post-2026!")


def test_logging_out_ends_the_session(client, office):
    client.force_login(office)
    assert client.post("/accounts/logout/")["Location"] == "/"
    assert client.get("/staff/").status_code == 302


def test_sessions_end_after_thirty_idle_minutes(settings):
    assert settings.SESSION_COOKIE_AGE == 30 * 60
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
