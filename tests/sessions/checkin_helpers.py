"""Checking in through a meeting's code: today's URL, and a resident's two steps (name and mobile, then the code read
from the SMS the locmem backend kept)."""

from consult_portal.phones import normalize_phone
from sessions.checkin_tokens import day_token
from tests.outcomes.survey_helpers import last_code


def checkin_url(meeting, day=None) -> str:
    return f"/meetings/checkin/{day_token(meeting, day)}/"


def resident_checks_in(client, meeting, name: str, phone: str, *, code: str | None = None, **extra):
    """Both steps; returns the response of the second (302 when checked in)."""
    url = checkin_url(meeting)
    sent = client.post(url, {"step": "send", "name": name, "phone": phone}, **extra)
    assert sent.status_code == 200, sent.content.decode()[-1500:]
    tidied = normalize_phone(phone)
    data = {"step": "code", "name": name, "phone": tidied, "code": code or last_code(tidied)}
    return client.post(url, data, **extra)
