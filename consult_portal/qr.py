"""QR codes for notices, receipts and surveys: an inline SVG for a page, or an SVG file to download."""

import segno
from django.http import HttpResponse


def svg_inline(url: str, scale: int = 5) -> str:
    """The code of `url` as an <svg> element to put in a page; its title is the URL, for screen readers."""
    return segno.make(url, error="m").svg_inline(scale=scale, border=2, title=url)


def svg_response(url: str) -> HttpResponse:
    """The code of `url` as an SVG file, large enough to print."""
    response = HttpResponse(content_type="image/svg+xml")
    segno.make(url, error="m").save(response, kind="svg", scale=8, border=2)
    return response
