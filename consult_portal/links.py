"""Links that leave the portal (mail, SMS, QR codes, printed notices, calendar files) are built from the one
configured public address, `PORTAL_BASE_URL`, never from the request's Host header: a forged Host (any name, any
port) must not end up in a password-reset mail or on a printed poster."""

from urllib.parse import urlsplit

from django.conf import settings


def absolute(path: str) -> str:
    """`PORTAL_BASE_URL` followed by the site path `path` ("/topics/track/…/"); anything else is returned as it is."""
    return f"{settings.PORTAL_BASE_URL.rstrip('/')}{path}" if path.startswith("/") else path


def scheme_and_host() -> tuple[str, str]:
    """The scheme and the host (with its port, if any) of `PORTAL_BASE_URL`, for templates that want them apart."""
    parts = urlsplit(settings.PORTAL_BASE_URL)
    return parts.scheme or "https", parts.netloc
