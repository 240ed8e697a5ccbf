"""履职码: each member's public duty code, its QR images, and the card staff print for the notice board.

The public page says how to reach the member through the office, never the member's own phone.
"""

import re

import segno
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.cache import cache_control

from consult_portal import links
from consult_portal.access import capability_required, town_scope

from ..models import Assignment, Member
from ..selectors import current, sunk_members

QR_CACHE_SECONDS = 24 * 3600


def _normalise(code: str) -> str:
    """Codes are read aloud and typed from a notice board: ignore case, spaces and dashes."""
    return re.sub(r"[\s-]", "", code).upper()


def _active_members():
    return Member.objects.filter(is_active=True).select_related("sector", "committee")


def _member_by_code(code: str) -> Member:
    try:
        return _active_members().get(duty_code=_normalise(code))
    except Member.DoesNotExist:
        raise Http404 from None


def _current_assignments(member: Member):
    return (
        Assignment.objects.filter(current(), member=member)
        .select_related("area__parent")
        .order_by("area__code", "starts_on")
    )


def _public_url(member: Member) -> str:
    # The configured address, not the request's host: printed codes must stay right whatever address staff used.
    return links.absolute(reverse("members:code", args=[member.duty_code]))


def _qr(member: Member):
    return segno.make(_public_url(member), error="m")


def code(request, code: str):
    member = _member_by_code(code)
    return render(
        request,
        "members/public/code.html",
        {"member": member, "assignments": _current_assignments(member), "public_url": _public_url(member)},
    )


def _qr_response(member: Member, kind: str, content_type: str) -> HttpResponse:
    response = HttpResponse(content_type=content_type)
    _qr(member).save(response, kind=kind, scale=10, border=4)
    response["Content-Disposition"] = f'inline; filename="duty-code-{member.duty_code}.{kind}"'
    return response


@cache_control(public=True, max_age=QR_CACHE_SECONDS)
def code_qr_png(request, code: str):
    return _qr_response(_member_by_code(code), "png", "image/png")


@cache_control(public=True, max_age=QR_CACHE_SECONDS)
def code_qr_svg(request, code: str):
    return _qr_response(_member_by_code(code), "svg", "image/svg+xml")


def _member_for_staff(user, pk: int) -> Member:
    """The member, or 404 when they are inactive or, for liaison staff, not sunk in the staff's town."""
    members = _active_members()
    town = town_scope(user)
    if town is not None:
        members = members.filter(pk__in=sunk_members(town, timezone.localdate()))
    try:
        return members.get(pk=pk)
    except Member.DoesNotExist:
        raise Http404 from None


@capability_required("members.view")
def code_print(request, pk: int):
    member = _member_for_staff(request.user, pk)
    public_url = _public_url(member)
    return render(
        request,
        "members/staff/code_print.html",
        {
            "member": member,
            "public_url": public_url,
            "qr": _qr(member).svg_inline(scale=5, border=2, title=public_url),
        },
    )
