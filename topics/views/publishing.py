"""Publishing the annual plan with a confirmation step: its page says what goes public and who is told, and only
the POST of that page publishes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consult_portal.access import capability_required

from .. import notices, selectors, services
from ..models import ConsultationPlan


@capability_required("plans.publish")
def plan_publish(request, year: int):
    plan = ConsultationPlan.objects.filter(year=year).first()
    if plan is None:
        raise Http404
    if plan.status != ConsultationPlan.Status.APPROVED:
        messages.error(request, _("Only an approved plan can be published."))
        return redirect("topics:plan-manage", year=year)
    entries = list(selectors.plan_entries(plan))
    if request.method == "POST":
        try:
            services.plan_publish(plan=plan, by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            count = len(entries)
            message = ngettext(
                "The %(year)s plan is published: its %(count)d topic is public now.",
                "The %(year)s plan is published: its %(count)d topics are public now.",
                count,
            )
            messages.success(request, message % {"year": year, "count": count})
        return redirect("topics:plan-manage", year=year)
    context = {"plan": plan, "year": year, "entries": entries, "told": notices.plan_published_topics(plan).count()}
    return render(request, "topics/staff/plan_publish.html", context)
