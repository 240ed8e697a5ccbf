"""A resident answering the survey in its two steps: the code sent to the phone, then the code with the answer. The
code is read from the SMS the locmem backend kept, as a resident reads it on their phone."""

import re

from consult_portal.sms import LocmemBackend


def survey_url(item) -> str:
    return f"/outcomes/{item.pk}/survey/"


def last_code(phone: str) -> str:
    """The six digits of the last SMS sent to `phone` (tidied)."""
    texts = [text for number, text in LocmemBackend.outbox if number == phone]
    assert texts, f"no SMS to {phone}"
    return re.search(r"(?<!\d)\d{6}(?!\d)", texts[-1]).group()


def send_code(client, item, phone: str, **extra):
    return client.post(survey_url(item), {"step": "send", "phone": phone}, **extra)


def answer_verified(client, item, phone: str, answer: dict | None = None, *, code: str | None = None, **extra):
    """Both steps; `phone` as typed (the SMS goes to it tidied). Returns the response of the second step."""
    from consult_portal.phones import normalize_phone

    sent = send_code(client, item, phone, **extra)
    assert sent.status_code == 200, sent.content.decode()[-2000:]
    tidied = normalize_phone(phone)
    data = {"step": "verified", "phone": tidied, "code": code or last_code(tidied), "rating": "4"} | (answer or {})
    return client.post(survey_url(item), data, **extra)


def answer_unverified(client, item, answer: dict | None = None, **extra):
    return client.post(survey_url(item), {"step": "unverified", "rating": "4"} | (answer or {}), **extra)
