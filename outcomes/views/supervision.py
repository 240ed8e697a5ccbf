"""Supervision by members (委员督办): a supervising member reads an item's handling and comments on it."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consult_portal.access import capability_required

from .. import selectors, services
from ..forms.unit import CommentForm
from .unit import with_days


@capability_required("workspace.use")
def supervise(request, pk: int, form: CommentForm | None = None, errors=(), status: int = 200):
    item = with_days(selectors.supervised_item_for_user(request, pk), timezone.localdate())
    return render(
        request,
        "outcomes/member/detail.html",
        {
            "item": item,
            "comment_form": form or CommentForm(prefix="comment"),
            "errors": list(errors),
        },
        status=status,
    )


@capability_required("workspace.use")
@require_POST
def comment(request, pk: int):
    item = selectors.supervised_item_for_user(request, pk)
    form = CommentForm(request.POST, prefix="comment")
    if not form.is_valid():
        return supervise(request, pk, form=form, status=400)
    try:
        services.outcome_comment(item=item, text=form.cleaned_data["text"], by=request.user)
    except ValidationError as error:
        return supervise(request, pk, form=form, errors=error.messages, status=400)
    names = {"item": Truncator(item.text).chars(30), "unit": item.unit.name}
    messages.success(request, _("Your comment on “%(item)s” is in its history; %(unit)s has been told.") % names)
    return redirect("outcomes:supervise", pk=pk)
