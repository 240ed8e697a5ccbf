"""Mail for the outbox: a stable Message-ID per notification, and an SMTP backend that says when the message left.

`settings.EMAIL_URL=smtp://…` uses `EmailBackend` below instead of Django's: the same backend, with one difference.
Before it sends the line that ends a message's data (the final ".", after which the server may keep the message)
it calls the message's `on_end_of_data`, which records in the database that the message was handed over. A worker
that dies before that point provably sent nothing (a server drops a message whose data never ended); one that dies
after it leaves a row whose fate only the server knew (README, "What each channel promises").
"""

import hashlib
import smtplib

from django.conf import settings
from django.core.mail import EmailMessage
from django.core.mail.backends.smtp import EmailBackend as DjangoSMTPBackend


def message_id(notification) -> str:
    """The notification's Message-ID: the same on every attempt, so a copy sent again is recognisably the same."""
    domain = settings.DEFAULT_FROM_EMAIL.rpartition("@")[2] or "consult.invalid"
    digest = hashlib.sha256(f"{notification.pk}:{notification.dedup_key}".encode()).hexdigest()[:16]
    return f"<notification-{notification.pk}.{digest}@{domain}>"


def build(notification, to: str, text: str, on_end_of_data=None) -> EmailMessage:
    message = EmailMessage(notification.subject, text, None, [to], headers={"Message-ID": message_id(notification)})
    message.on_end_of_data = on_end_of_data
    return message


class _EndOfDataHook:
    """smtplib's DATA, with a call between the message and the line that ends it."""

    on_end_of_data = None
    last_data_reply = ""

    def data(self, msg):
        self.putcmd("data")
        code, reply = self.getreply()
        if code != 354:
            raise smtplib.SMTPDataError(code, reply)
        if isinstance(msg, str):
            msg = smtplib._fix_eols(msg).encode("ascii")
        body = smtplib._quote_periods(msg)
        if body[-2:] != smtplib.bCRLF:
            body += smtplib.bCRLF
        self.send(body)
        if self.on_end_of_data is not None:
            try:
                self.on_end_of_data()
            except BaseException:
                self.close()  # the data never ends: the server drops the message
                raise
        self.send(b"." + smtplib.bCRLF)
        code, reply = self.getreply()
        self.last_data_reply = reply.decode("utf-8", "replace") if code == 250 else ""
        return code, reply


class _SMTP(_EndOfDataHook, smtplib.SMTP):
    pass


class _SMTP_SSL(_EndOfDataHook, smtplib.SMTP_SSL):
    pass


class EmailBackend(DjangoSMTPBackend):
    """Django's SMTP backend (EMAIL_TIMEOUT applies to every read and write), calling `on_end_of_data`."""

    @property
    def connection_class(self):
        return _SMTP_SSL if self.use_ssl else _SMTP

    def _send(self, email_message):
        if self.connection is not None:
            self.connection.on_end_of_data = getattr(email_message, "on_end_of_data", None)
        try:
            sent = super()._send(email_message)
            # What the server answered the end of the data ("2.0.0 Ok: queued as 4Xk…"): its reference.
            email_message.provider_reply = getattr(self.connection, "last_data_reply", "")
            return sent
        finally:
            if self.connection is not None:
                self.connection.on_end_of_data = None
