"""SMS to residents behind a small backend interface, chosen by `SMS_BACKEND`.

A real gateway is a class with `send(phone, text)` that raises on failure.
"""

import logging

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


class ConsoleBackend:
    """Development: writes the message to the log instead of sending it."""

    def send(self, phone: str, text: str) -> None:
        logger.info("SMS to %s: %s", phone, text)


class LocmemBackend:
    """Tests: keeps sent messages in `LocmemBackend.outbox`."""

    outbox: list[tuple[str, str]] = []

    def send(self, phone: str, text: str) -> None:
        LocmemBackend.outbox.append((phone, text))


def get_backend():
    return import_string(settings.SMS_BACKEND)()
