"""Links that leave the portal (mail, SMS, QR codes, printed notices, calendar files) are built from the one
configured public address, never from the request's Host header: a forged Host (any name, any port) must not end up
in a password-reset mail or on a printed poster. The address is the office's setting, else `PORTAL_BASE_URL`."""

from urllib.parse import urlsplit

from . import office


def base_url() -> str:
    """The portal's public address without a trailing slash: https://consult.example.gov.cn."""
    return office.current().base_url


def absolute(path: str) -> str:
    """The public address followed by the site path `path` ("/topics/track/…/"); anything else is returned as it is."""
    return f"{base_url()}{path}" if path.startswith("/") else path


def scheme_and_host() -> tuple[str, str]:
    """The scheme and the host (with its port, if any) of the public address, for templates that want them apart."""
    parts = urlsplit(base_url())
    return parts.scheme or "https", parts.netloc
