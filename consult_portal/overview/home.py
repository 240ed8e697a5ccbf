"""The public home and the back-office landing: both draw on every app."""

from django.shortcuts import render

from consult_portal import page_cache
from consult_portal.access import can, capability_required, town_scope

from . import cached, selectors


# The upcoming meetings depend on the clock: kept a minute at most (and no longer than the next write).
@page_cache.public("home", seconds=60)
def home(request):
    return render(
        request,
        "portal/public/home.html",
        {
            "meetings": selectors.upcoming_public_meetings(),
            "outcomes": selectors.published_outcomes(),
            "plan_year": selectors.latest_published_plan_year(),
        },
    )


@capability_required("backoffice.view")
def staff_home(request):
    town = town_scope(request.user)
    return render(
        request,
        "portal/staff/home.html",
        {
            "counts": cached.back_office_counts(town=town),
            "town": town,
            "read_only": not can(request.user, "topics.change"),
        },
    )
