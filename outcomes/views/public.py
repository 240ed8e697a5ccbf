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

from consult_portal import links, page_cache, qr, ratelimit
from consult_portal.audit import client_ip
from consult_portal.models import Area
from sessions.selectors_public import ALWAYS_PUBLIC

from .. import selectors, services_survey
from ..forms.public import SurveyForm, SurveyPhoneForm
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


@page_cache.public("outcomes")
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


@page_cache.public("outcome")
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
            "unverified": selectors.unverified(OutcomeItem.objects.filter(pk=item.pk))[None],
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


def _limited(form, address: str) -> bool:
    """Take one of the address's answer slots (generous: a village shares one address) when the answer is valid;
    True, with the error on the form (its fields' errors bound too), when none is left."""
    limit = settings.SURVEY_RESPONSES_PER_HOUR
    if not ratelimit.is_limited(RATE_SCOPE, address, limit) and (
        not form.is_valid() or ratelimit.reserve(RATE_SCOPE, address, limit, 3600)
    ):
        return False
    message = _("Too many responses have been sent from this network in the last hour. Please try again later.")
    form.add_error(None, ValidationError(message, code="rate_limited"))
    return True


@never_cache
def survey(request, pk: int):
    """Two steps without JavaScript: the resident's mobile, to which a code is sent; then the code and the answer.
    An answer without a phone (`?without=phone`) is kept and shown apart as unverified."""
    item = _published_or_404(pk, OutcomeItem.objects.select_related("unit", "town"))
    token, fresh = _browser_token(request)
    address = client_ip(request) or "unknown"
    context = {"item": item, "step": "phone"}
    status = 200
    if services_survey.satisfaction_survey_closed(item):
        context["closed"] = True  # past retention: the page says so and takes no answer
        return render(request, "outcomes/public/survey.html", context, status=410 if request.method == "POST" else 200)
    step = request.POST.get("step") if request.method == "POST" else None
    if step == "send":
        form = SurveyPhoneForm(request.POST)
        status = 400
        if form.is_valid():
            phone = form.cleaned_data["phone"]
            try:
                services_survey.survey_send_code(item=item, phone=phone, address=address)
            except ValidationError as error:
                form.add_error("phone", error)
                status = 429 if getattr(error, "code", None) == "rate_limited" else 400
            else:
                context.update(step="verified", phone=phone, sent=True)
                form, status = SurveyForm(item=item, verified=True, initial={"phone": phone}), 200
    elif step == "verified":
        form = SurveyForm(request.POST, item=item, verified=True)
        context.update(step="verified", phone=form["phone"].value())
        status = 400
        _say_hidden_errors(form, ("phone",))
        if _limited(form, address):
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            try:
                _answer, changed = services_survey.survey_answer_verified(
                    item=item,
                    phone=data["phone"],
                    code=data["code"].strip(),
                    rating=data["rating"],
                    comment=data["comment"],
                    village=data["village"],
                    browser_token=token,
                    address=address,
                )
            except ValidationError as error:
                ratelimit.release(RATE_SCOPE, address)
                form.add_error("code" if getattr(error, "code", "") in CODE_ERRORS else None, error)
            else:
                thanks = reverse("outcomes:survey-thanks", args=[item.pk]) + ("?changed=1" if changed else "")
                return _keep_token(redirect(thanks), token, fresh)
    elif step == "unverified" or request.GET.get("without") == "phone":
        form = SurveyForm(request.POST or None, item=item)
        context["step"] = "unverified"
        if request.method == "POST":
            status = 400
            if _limited(form, address):
                status = 429
            elif form.is_valid():
                data = form.cleaned_data
                try:
                    services_survey.survey_respond(
                        item=item,
                        rating=data["rating"],
                        comment=data["comment"],
                        village=data["village"],
                        browser_token=token,
                        address=address,
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
        else:
            context["already"] = _answered_here(item, token, fresh)
    else:
        form = SurveyPhoneForm()
        context["already"] = _answered_here(item, token, fresh)
    context["form"] = form
    return _keep_token(render(request, "outcomes/public/survey.html", context, status=status), token, fresh)


CODE_ERRORS = ("missing", "expired", "wrong")


def _say_hidden_errors(form, hidden: tuple[str, ...]) -> None:
    """A field carried from step 1 in a hidden input shows no error of its own: say it at the top of the form."""
    if not form.is_valid() and any(name in form.errors for name in hidden):
        form.add_error(None, _("The number from the first step could not be read. Start again with your number."))


def _answered_here(item: OutcomeItem, token: str, fresh: bool) -> bool:
    """This browser gave an unverified answer to this item already."""
    return not fresh and SatisfactionResponse.objects.filter(item=item, browser_token=token, verified=False).exists()


@never_cache
def survey_thanks(request, pk: int):
    item = _published_or_404(pk)
    context = {"item": item, "satisfaction": _satisfaction(item), "changed": request.GET.get("changed") == "1"}
    return render(request, "outcomes/public/survey_thanks.html", context)


def poster(request, pk: int):
    item = _published_or_404(pk, OutcomeItem.objects.select_related("unit", "town", "meeting", "topic"))
    url = _survey_url(request, item)
    return render(
        request, "outcomes/public/poster.html", {"item": item, "survey_url": url, "qr": qr.svg_inline(url, 8)}
    )


def survey_qr(request, pk: int):
    return qr.svg_response(_survey_url(request, _published_or_404(pk)))
