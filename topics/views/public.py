"""群众出题 and tracking: the resident's side, no account."""

import logging
import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from consult_portal import links, page_cache, qr, ratelimit
from consult_portal.audit import client_ip

from .. import selectors, services
from ..forms import SuggestTopicForm, TrackForm
from ..models import ConsultationPlan, Topic

logger = logging.getLogger(__name__)
RATE_SCOPE = "topic-submit"
PLAN_PAGE_SIZE = 100
PHOTOS_NOT_STORED = gettext_lazy(
    "The photos could not be stored just now, so nothing was sent. What you typed is kept below: send it again "
    "without the photos, or try the photos again later."
)
LOOKUP_SCOPE = "topic-lookup"
LOOKUP_REFUSED = gettext_lazy(
    "Too many tracking codes have been looked up from this network in the last hour. "
    "Please try again later, or call the office."
)


def _lookup_limited(view=None, *, counts=None):
    """Every look-up of a tracking code (the form with a code, a topic's page, its QR code, the receipt) takes one
    of the address's TRACKING_LOOKUPS_PER_HOUR, so that codes cannot be tried by the thousand."""
    decorator = ratelimit.per_address(LOOKUP_SCOPE, "TRACKING_LOOKUPS_PER_HOUR", LOOKUP_REFUSED, counts=counts)
    return decorator(view) if view is not None else decorator


@never_cache
# The empty form is the same for everyone but its CSRF token and its one-time key: both new for each visitor (#17).
@page_cache.public("suggest", fresh={"submission_key": lambda: uuid.uuid4()})
def suggest(request):
    if request.method != "POST":
        return render(request, "topics/public/suggest.html", {"form": SuggestTopicForm()})
    address = client_ip(request) or "unknown"
    # The address's slot is taken first, atomically, before anything sent is checked or decoded: an address out of
    # slots is refused at once, and concurrent submissions of one address cannot all pass at its last free slot.
    if not ratelimit.reserve(RATE_SCOPE, address, settings.TOPIC_SUBMISSIONS_PER_HOUR, 3600):
        form = SuggestTopicForm(request.POST)  # without the files: keeps what was typed and decodes nothing
        form.is_valid()  # binds the errors of the fields too
        message = _(
            "Too many topics have been sent from this network in the last hour. "
            "Please try again later, or call the office."
        )
        form.add_error(None, ValidationError(message, code="rate_limited"))
        return render(request, "topics/public/suggest.html", {"form": form}, status=429)
    form = SuggestTopicForm(request.POST, request.FILES)
    created = failed = False
    try:
        if form.is_valid():
            data = form.cleaned_data
            try:
                topic, created = services.resident_topic_submit(
                    submission_key=data["submission_key"],
                    title=data["title"],
                    description=data["description"],
                    category=data["category"],
                    town=data["town"],
                    village=data["village"],
                    photos=data["photos"],
                    submitter_name=data["name"],
                    submitter_phone=data["phone"],
                    consent=data["consent"],
                )
            except ValidationError as error:
                form.add_error(None, error)
            except OSError:
                # The photos could not be stored (disk full, storage down): nothing was saved, the storage removed
                # what it had written; the resident keeps the text and may send it without the photos.
                failed = True
                logger.exception("A resident's topic could not be stored")
                form.add_error("photos", ValidationError(PHOTOS_NOT_STORED, code="storage_failed"))
                return render(request, "topics/public/suggest.html", {"form": form}, status=503)
            else:
                return redirect("topics:receipt", code=topic.tracking_code)
    except BaseException:
        failed = True
        raise
    finally:
        # The slot is given back when nothing new was saved, unless photos were decoded: decoding is what costs,
        # and a refused or repeated submission must not get it again and again for free. A failure of ours
        # (storage, database, a bug) always gives it back: the resident did nothing wrong.
        if not created and (failed or not form.photos_decoded):
            ratelimit.release(RATE_SCOPE, address)
    return render(request, "topics/public/suggest.html", {"form": form}, status=400)


@_lookup_limited
def receipt(request, code: str):
    try:
        topic = selectors.topic_by_code(code)
    except Topic.DoesNotExist:
        raise Http404 from None
    track_url = links.absolute(reverse("topics:track-detail", args=[topic.tracking_code]))
    return render(
        request, "topics/public/receipt.html", {"topic": topic, "track_url": track_url, "qr": qr.svg_inline(track_url)}
    )


@_lookup_limited(counts=lambda request: bool(request.GET.get("code")))
def track(request):
    form = TrackForm(request.GET or None)
    if form.is_valid():
        code = form.cleaned_data["code"]
        if Topic.objects.filter(tracking_code=code).exists():
            return redirect("topics:track-detail", code=code)
        form.add_error("code", _("No topic has this tracking code. Check the code on your receipt."))
    return render(request, "topics/public/track.html", {"form": form})


@_lookup_limited  # the lookup counts against the limit before the page comes from the cache
@page_cache.public("track")
def track_detail(request, code: str):
    try:
        topic = selectors.topic_by_code(code.upper())
    except Topic.DoesNotExist:
        raise Http404 from None
    return render(
        request,
        "topics/public/track_detail.html",
        {
            "topic": topic,
            "history": selectors.public_history(topic),
            # The results published so far (of the topic it went into, when merged), each with its survey.
            "results": selectors.published_results(topic),
            "closed_with": selectors.primary(topic),
            # Meetings whose notice is out; planned and cancelled ones are internal.
            "meetings": topic.meetings.exclude(status__in=["planned", "cancelled"])
            .select_related("platform")
            .order_by("starts_at"),
        },
    )


@_lookup_limited
def track_qr(request, code: str):
    if not Topic.objects.filter(tracking_code=code).exists():
        raise Http404
    return qr.svg_response(links.absolute(reverse("topics:track-detail", args=[code])))


@page_cache.public("plan")
def plan(request, year: int):
    try:
        plan = selectors.published_plan(year)
    except ConsultationPlan.DoesNotExist:
        raise Http404 from None
    # A county's plan may hold thousands of topics: a page of them at a time (#17).
    page = Paginator(selectors.plan_entries(plan), PLAN_PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "topics/public/plan.html",
        {"plan": plan, "entries": page.object_list, "page": page, "today": timezone.localdate()},
    )
