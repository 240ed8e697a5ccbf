"""SMS to residents behind a small backend interface, chosen by `SMS_BACKEND`.

A backend is a class with `send(phone, text, *, key)` that raises on failure and returns the gateway's reference
for the message (or ""). `key` is the notification's idempotency key, the same on every attempt: a gateway that
takes one (an `OutId`, an `Idempotency-Key` header) must be given it, so that it drops a second message with the
same key. A backend whose gateway can say whether it accepted a key also has `status(key)`: the gateway's reference
when it did, None when it never had that key. The outbox asks it before sending again a message whose worker died
while the gateway had it (`consult_portal.notifications`); without `status` such a message is sent again, with the
same key. Every call to a gateway has a timeout: SMS_TIMEOUT seconds. How many messages one number gets a day
is limited before any backend is asked (`consult_portal.notifications`, SMS_PER_NUMBER_PER_DAY).
"""

import json
import logging
import re
import urllib.error
import urllib.parse
import urllib.request

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

    def send(self, phone: str, text: str, *, key: str = "") -> str:
        logger.info("SMS to %s: %s", mask_phone(phone), masked(text))
        return ""


class LocmemBackend:
    """Tests: keeps sent messages in `LocmemBackend.outbox`, and their keys in `LocmemBackend.keys`."""

    outbox: list[tuple[str, str]] = []
    keys: list[str] = []

    def send(self, phone: str, text: str, *, key: str = "") -> str:
        LocmemBackend.outbox.append((phone, text))
        LocmemBackend.keys.append(key)
        return f"locmem-{len(LocmemBackend.outbox)}"


class HttpGatewayBackend:
    """A gateway spoken to in JSON over HTTP(S), at SMS_GATEWAY_URL with the token SMS_GATEWAY_TOKEN.

    `send` POSTs {"phone", "text", "key"} with the key also as the `Idempotency-Key` header and reads {"id"};
    `status` GETs SMS_GATEWAY_URL/<key>: 200 with {"id"} when the gateway has the message, 404 when it has not.
    Each request gives up after SMS_TIMEOUT seconds. A provider with another API gets its own class of this shape.
    """

    def _request(self, url: str, data: dict | None = None):
        headers = {"Authorization": f"Bearer {settings.SMS_GATEWAY_TOKEN}", "Accept": "application/json"}
        body = None
        if data is not None:
            body = json.dumps(data).encode()
            headers.update({"Content-Type": "application/json", "Idempotency-Key": data["key"]})
        request = urllib.request.Request(url, data=body, headers=headers, method="POST" if body else "GET")  # noqa: S310
        with urllib.request.urlopen(request, timeout=settings.SMS_TIMEOUT) as response:  # noqa: S310 - configured URL
            return json.loads(response.read() or b"{}")

    def send(self, phone: str, text: str, *, key: str = "") -> str:
        return str(self._request(settings.SMS_GATEWAY_URL, {"phone": phone, "text": text, "key": key}).get("id", ""))

    def status(self, key: str) -> str | None:
        try:
            found = self._request(f"{settings.SMS_GATEWAY_URL.rstrip('/')}/{urllib.parse.quote(key)}")
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise
        return str(found.get("id", ""))


def get_backend():
    return import_string(settings.SMS_BACKEND)()
