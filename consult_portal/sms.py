"""SMS to residents behind a small backend interface, chosen by `SMS_BACKEND`.

A real gateway is a class with `send(phone, text)` that raises on failure. How many messages one number gets a day
is limited before any backend is asked (`consult_portal.notifications`, SMS_PER_NUMBER_PER_DAY).
"""

import logging
import re

from django.conf import settings
from django.utils.module_loading import import_string

from .privacy import mask_phone

logger = logging.getLogger(__name__)

# What a message may carry that a log must not: mobile numbers, and the codes that open a resident's topic
# (tracking codes, like duty codes and check-in tokens, are runs of capitals and digits).
PHONE = re.compile(r"(?<!\d)1\d{10}(?!\d)")
CODE = re.compile(r"(?<![0-9A-Za-z])[0-9A-Z]{6,}(?![0-9A-Za-z])")


def masked(text: str) -> str:
    """The text with every mobile number masked (138****5678) and every code shortened to its first two characters."""
    text = PHONE.sub(lambda m: mask_phone(m.group()), text)
    return CODE.sub(lambda m: m.group()[:2] + "*" * (len(m.group()) - 2), text)


class ConsoleBackend:
    """Development: writes the message to the log instead of sending it, the number and any code masked."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", mask_phone(phone), masked(text))


class LocmemBackend:
    """Tests: keeps sent messages in `LocmemBackend.outbox`."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        LocmemBackend.outbox.append((phone, text))


def get_backend():
    return import_string(settings.SMS_BACKEND)()
