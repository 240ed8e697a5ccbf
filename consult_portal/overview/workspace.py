"""The member's workspace (/members/me/): it draws on members, topics and meetings, so it lives here,
above the apps, like the other pages that combine them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consult_portal.access import capability_required
from members import selectors as member_selectors
from outcomes.models import OutcomeItem
from sessions import selectors as meeting_selectors
from sessions import services as meeting_services
from sessions.models import Meeting, Participant
from topics import services as topic_services
from topics.forms import RecommendTopicForm
from topics.models import Topic

from . import performance


def _member(request):
    member = member_selectors.member_for_user(request.user)
    if member is None:
        raise PermissionDenied  # a member login not yet linked to a member record
    return member


@capability_required("workspace.use")
def me(request):
    member = _member(request)
    invitations = list(meeting_selectors.invitations_for_member(member))
    now = timezone.localtime()
    return render(
        request,
        "members/me.html",
        {
            "member": member,
            "assignments": member_selectors.assignments(member),
            "topics": Topic.objects.filter(recommended_by=member).select_related("town").order_by("-created_at"),
            "invitations": [p for p in invitations if p.meeting.ends_at >= now],
            "attended": meeting_selectors.attended_by_member(member)[:20],
            "research": meeting_selectors.research_by_member(member)[:20],
            "record": performance.member_record(member=member, year=now.year),
            "record_year": now.year,
            "supervised": OutcomeItem.objects.filter(supervisors=member).select_related("unit").order_by("deadline"),
            "answerable": (Meeting.Status.PLANNED, Meeting.Status.NOTICE_PUBLISHED, Meeting.Status.POSTPONED),
        },
    )


@capability_required("workspace.use")
@require_POST
def answer_invitation(request, pk: int):
    member = _member(request)
    participant = get_object_or_404(Participant, pk=pk, member=member)
    try:
        meeting_services.participant_respond(
            participant=participant, response=request.POST.get("response"), by=request.user
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your answer has been sent to the office."))
    return redirect("workspace")


@capability_required("workspace.use")
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
            return redirect("workspace")
    return render(request, "members/recommend.html", {"form": form})
