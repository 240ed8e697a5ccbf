"""The member's workspace (委员之家): their assignments and the topics they recommended."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal.access import role_required
from consult_portal.models import Role
from topics import services as topic_services
from topics.forms import RecommendTopicForm
from topics.models import Topic

from . import selectors


def _member(request):
    member = selectors.member_for_user(request.user)
    if member is None:
        raise PermissionDenied  # a member login not yet linked to a member record
    return member


@role_required(Role.MEMBER)
def me(request):
    member = _member(request)
    return render(
        request,
        "members/me.html",
        {
            "member": member,
            "assignments": selectors.assignments(member),
            "topics": Topic.objects.filter(recommended_by=member).select_related("town").order_by("-created_at"),
        },
    )


@role_required(Role.MEMBER)
def recommend(request):
    member = _member(request)
    form = RecommendTopicForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            topic_services.topic_submit(
                source=Topic.Source.MEMBER,
                recommended_by=member,
                by=request.user,
                year=timezone.localdate().year,
                **{k: data[k] for k in ("title", "description", "category", "town", "village", "reasons", "evidence")},
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("Thank you. Your recommendation is with the office."))
            return redirect("members:me")
    return render(request, "members/recommend.html", {"form": form})
