"""Each user chooses how they hear of things besides the in-app notice (#15): email on or off, SMS to a mobile they
give, and new residents' topics one by one or in a daily digest. The page is audited; the notices follow it."""

import pytest
from django.test import Client

from consult_portal.models import AuditEntry, Notification, NotificationPreference
from consult_portal.notifications import tell_users

URL = "/accounts/notifications/"


def _tell(user, key="event-1", email=True):
    return tell_users([user], kind="test_kind", key=key, subject="议题已采纳", link="/inbox/", email=email)


def _channels(user):
    return sorted(Notification.objects.filter(recipient=user).values_list("channel", "address"))


def test_the_page_needs_a_login_and_is_in_the_account_menu(client, unit_user):
    response = client.get(URL)
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    client.force_login(unit_user)
    page = client.get("/inbox/").content.decode()
    assert f'href="{URL}"' in page
    assert client.get(URL).status_code == 200


def test_without_a_choice_a_user_hears_in_app_and_by_email(unit_user):
    assert _tell(unit_user) == 2
    assert _channels(unit_user) == [("email", ""), ("inapp", "")]


def test_a_user_turns_email_off_and_sms_on_and_the_notices_follow(client, unit_user):
    client.force_login(unit_user)
    response = client.post(URL, {"sms": "on", "phone": "139 0000 4444"})
    assert response.status_code == 302
    preference = NotificationPreference.objects.get(user=unit_user)
    assert (preference.email, preference.sms, preference.phone) == (False, True, "13900004444")
    assert _tell(unit_user) == 2
    assert _channels(unit_user) == [("inapp", ""), ("sms", "13900004444")]
    # A notice kept to the inbox stays there, whatever the user chose.
    assert _tell(unit_user, key="event-2", email=False) == 1
    # The same event again: nothing more.
    assert _tell(unit_user) == 0

    page = client.get(URL).content.decode()
    assert 'value="13900004444"' in page and 'name="email" ' in page


def test_sms_needs_a_mobile_number_said_beside_the_field(client, unit_user):
    client.force_login(unit_user)
    response = client.post(URL, {"email": "on", "sms": "on", "phone": ""})
    assert response.status_code == 400
    (message,) = response.context["form"].errors["phone"]
    assert 'aria-describedby="id_phone_error"' in response.content.decode()  # the error is beside the field
    assert message in response.content.decode().split('id="id_phone_error"')[1][:300]
    assert not NotificationPreference.objects.exists()
    response = client.post(URL, {"sms": "on", "phone": "1234"})
    assert response.status_code == 400 and response.context["form"].errors["phone"]


def test_saving_is_audited_with_the_phone_masked(client, unit_user):
    client.force_login(unit_user)
    client.post(URL, {"email": "on", "sms": "on", "phone": "13900004444"}, REMOTE_ADDR="198.51.100.7")
    entry = AuditEntry.objects.get(action="notification_preferences")
    assert (entry.actor, entry.ip) == (unit_user, "198.51.100.7")
    assert entry.after["phone"] == "139****4444" and entry.after["sms"] is True
    assert "13900004444" not in str(entry.before) + str(entry.after)


def test_the_page_refuses_a_post_without_its_csrf_token(unit_user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(unit_user)
    assert client.post(URL, {"email": "on"}).status_code == 403
    assert not NotificationPreference.objects.exists()


@pytest.mark.parametrize(("who", "offered"), [("office", True), ("liaison_a", True), ("unit_user", False)])
def test_the_topic_digest_is_offered_to_whoever_hears_of_new_topics(client, personas, who, offered, request):
    user = request.getfixturevalue(who)
    client.force_login(user)
    assert ('name="topic_digest"' in client.get(URL).content.decode()) is offered
    client.post(URL, {"email": "on", "topic_digest": "on"})
    assert NotificationPreference.objects.get(user=user).topic_digest is offered
