"""Publishing a handling result (公示办理结果) with a confirmation step: its page says what goes public and who is
told, and only the POST of that page publishes."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from consult_portal.access import capability_required

from .. import selectors, services
from ..models import OutcomeItem
from . import staff


@capability_required("outcomes.change")
def item_publish(request, pk: int):
    item = selectors.item_for_user(request, pk, write=True)
    if request.method == "POST":
        try:
            services.outcome_publish(item=item, by=request.user)
        except ValidationError as error:
            return staff.item_detail(request, pk, bound={"errors": list(error.messages)}, status=400)
        name = {"item": Truncator(item.text).chars(30)}
        messages.success(request, _("The result of “%(item)s” is published; residents can rate it now.") % name)
        return redirect("outcomes:staff-detail", pk=pk)
    if item.published_at is not None or item.status not in OutcomeItem.FINAL:
        return redirect("outcomes:staff-detail", pk=pk)  # nothing to confirm
    residents, supervisors = services.told_of_the_result(item)
    context = {"item": item, "residents": len(residents), "supervisors": supervisors}
    return render(request, "outcomes/staff/publish.html", context)
