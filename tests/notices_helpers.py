"""What the notification tests ask of the outbox: the rows of a kind, who got them through which channel, and
whether the link of a notice opens for its recipient."""

from urllib.parse import urlsplit

from django.core import mail
from django.test import Client

from consult_portal.models import Notification
from consult_portal.sms import LocmemBackend


def rows(kind: str):
    return Notification.objects.filter(kind=kind).order_by("pk")


def told(kind: str) -> list[tuple[str, str]]:
    """(username or address, channel) of every message of a kind, sorted."""
    return sorted((n.recipient.username if n.recipient else n.address, n.channel) for n in rows(kind))


def opens_for(user, notice: Notification):
    """Open an in-app notice from the recipient's inbox and follow where it leads: the response of that page."""
    client = Client()
    client.force_login(user)
    response = client.post(f"/inbox/{notice.pk}/read/")
    assert response.status_code == 302 and response["Location"] == notice.link
    return client.get(notice.link)


def sms_to(phone: str) -> list[str]:
    return [text for number, text in LocmemBackend.outbox if number == phone]


def link_in(text: str, base: str) -> str:
    """The site path of the absolute link (from PORTAL_BASE_URL `base`) at the end of an SMS or a mail."""
    url = text.split()[-1]
    assert url.startswith(base.rstrip("/") + "/"), url
    return urlsplit(url).path


def mails_to(address: str):
    return [message for message in mail.outbox if address in message.to]
