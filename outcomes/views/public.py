"""公示 and 群众评商: published outcomes, their printable notice, and the residents' satisfaction survey. No account."""

import re
import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from consult_portal import links, qr, ratelimit
from consult_portal.audit import client_ip
from consult_portal.models import Area
from sessions.selectors_public import ALWAYS_PUBLIC

from .. import selectors, services_survey
from ..forms.public import SurveyForm
from ..models import SATISFIED_RATINGS, OutcomeItem, ProgressUpdate, Rating, SatisfactionResponse

PAGE_SIZE = 20
RATE_SCOPE = "outcome-survey"
# The browser's anonymous token: one response per browser when no phone number is given.
COOKIE = "outcome_survey"
COOKIE_SALT = "outcomes.survey.browser-token"
COOKIE_MAX_AGE = 5 * 365 * 24 * 3600
TOKEN = re.compile(r"^[0-9a-f]{32}$")


def _published(queryset: QuerySet | None = None) -> QuerySet:
    return (queryset if queryset is not None else OutcomeItem.objects.all()).filter(published_at__isnull=False)


def _published_or_404(pk: int, queryset: QuerySet | None = None) -> OutcomeItem:
    try:
        return _published(queryset).get(pk=pk)
    except OutcomeItem.DoesNotExist:
        raise Http404 from None


def _survey_url(request, item: OutcomeItem) -> str:
    return links.absolute(reverse("outcomes:survey", args=[item.pk]))


def _satisfaction(item: OutcomeItem) -> selectors.Satisfaction:
    return selectors.satisfaction(OutcomeItem.objects.filter(pk=item.pk), by=None)[None]


def _towns() -> list[Area]:
    return list(Area.objects.filter(level=Area.Level.TOWN).only("id", "name", "code").order_by("code"))


def outcome_list(request):
    towns = _towns()
    value = request.GET.get("town", "")
    town = next((t for t in towns if str(t.pk) == value), None)  # an unknown value means any town
    statuses = [(s, label) for s, label in OutcomeItem.Status.choices if s in OutcomeItem.FINAL]
    status = request.GET.get("status", "")
    status = status if status in OutcomeItem.FINAL else ""
    page = Paginator(selectors.published(town=town, status=status), PAGE_SIZE).get_page(request.GET.get("page"))
    items = list(page.object_list)
    # The rates of the whole page in two queries, whatever its length.
    rates = selectors.satisfaction(OutcomeItem.objects.filter(pk__in=[i.pk for i in items]), by="item")
    for item in items:
        item.satisfaction = rates.get(item.pk, selectors.Satisfaction())
    query = urlencode({k: v for k, v in (("town", town.pk if town else ""), ("status", status)) if v})
    return render(
        request,
        "outcomes/public/list.html",
        {
            "page": page,
            "items": items,
            "towns": towns,
            "town": town,
            "statuses": statuses,
            "status": status,
            "query": query,
        },
    )


def outcome_detail(request, pk: int):
    item = _published_or_404(
        pk,
        OutcomeItem.objects.select_related("unit", "town", "meeting", "topic").prefetch_related(
            Prefetch("updates", ProgressUpdate.objects.order_by("date", "id").prefetch_related("photos"))
        ),
    )
    counts = selectors.rating_counts(item)
    satisfaction = selectors.Satisfaction(sum(counts[r] for r in SATISFIED_RATINGS), sum(counts.values()))
    url = _survey_url(request, item)
    return render(
        request,
        "outcomes/public/detail.html",
        {
            "item": item,
            "meeting_public": item.meeting is not None and item.meeting.status in ALWAYS_PUBLIC,
            "satisfaction": satisfaction,
            "counts": [(label, counts[value]) for value, label in Rating.choices],
            "survey_url": url,
            "qr": qr.svg_inline(url),
            "survey_closed": services_survey.satisfaction_survey_closed(item),
        },
    )


def _browser_token(request) -> tuple[str, bool]:
    """The token of this browser's signed cookie, or a fresh one (True) when it has none or a forged one."""
    token = request.get_signed_cookie(COOKIE, default="", salt=COOKIE_SALT, max_age=COOKIE_MAX_AGE)
    if TOKEN.match(token):
        return token, False
    return secrets.token_hex(16), True


def _keep_token(response: HttpResponse, token: str, fresh: bool) -> HttpResponse:
    if fresh:
        response.set_signed_cookie(
            COOKIE,
            token,
            salt=COOKIE_SALT,
            max_age=COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=settings.SESSION_COOKIE_SECURE,
        )
    return response


@never_cache
def survey(request, pk: int):
    item = _published_or_404(pk, OutcomeItem.objects.select_related("unit", "town"))
    token, fresh = _browser_token(request)
    address = client_ip(request) or "unknown"
    context = {"item": item}
    status = 200
    if services_survey.satisfaction_survey_closed(item):
        context["closed"] = True  # past retention: the page says so and takes no answer
        return render(request, "outcomes/public/survey.html", context, status=410 if request.method == "POST" else 200)
    if request.method == "POST":
        form = SurveyForm(request.POST, item=item)
        limit = settings.SURVEY_RESPONSES_PER_HOUR
        limited = ratelimit.is_limited(RATE_SCOPE, address, limit)
        status = 400
        # The slot is taken before saving, atomically (concurrent responses cannot all pass at the last free
        # slot), and given back when nothing was saved.
        if not limited and form.is_valid():
            limited = not ratelimit.reserve(RATE_SCOPE, address, limit, 3600)
            if not limited:
                data = form.cleaned_data
                try:
                    services_survey.survey_respond(
                        item=item,
                        rating=data["rating"],
                        comment=data["comment"],
                        village=data["village"],
                        phone=data["phone"],
                        browser_token=token,
                    )
                except ValidationError as error:
                    ratelimit.release(RATE_SCOPE, address)
                    if getattr(error, "code", None) == "duplicate":
                        context["already"] = True  # refused politely: the page says so, nothing is saved
                        status = 409
                    else:
                        form.add_error(None, error)
                else:
                    return _keep_token(redirect("outcomes:survey-thanks", pk=item.pk), token, fresh)
        if limited:
            form.is_valid()  # binds the errors of the fields too, and keeps what was typed
            message = _("Too many responses have been sent from this network in the last hour. Please try again later.")
            form.add_error(None, ValidationError(message, code="rate_limited"))
            status = 429
    else:
        form = SurveyForm(item=item)
        context["already"] = not fresh and SatisfactionResponse.objects.filter(item=item, browser_token=token).exists()
    context["form"] = form
    return _keep_token(render(request, "outcomes/public/survey.html", context, status=status), token, fresh)


@never_cache
def survey_thanks(request, pk: int):
    item = _published_or_404(pk)
    return render(request, "outcomes/public/survey_thanks.html", {"item": item, "satisfaction": _satisfaction(item)})


def poster(request, pk: int):
    item = _published_or_404(pk, OutcomeItem.objects.select_related("unit", "town", "meeting", "topic"))
    url = _survey_url(request, item)
    return render(
        request, "outcomes/public/poster.html", {"item": item, "survey_url": url, "qr": qr.svg_inline(url, 8)}
    )


def survey_qr(request, pk: int):
    return qr.svg_response(_survey_url(request, _published_or_404(pk)))
