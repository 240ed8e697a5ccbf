"""The member's workspace (/members/me/): it draws on members, topics and meetings, so it lives here,
above the apps, like the other pages that combine them."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consult_portal import links
from consult_portal.access import capability_required
from members import selectors as member_selectors
from outcomes.models import OutcomeItem
from sessions import ical
from sessions import rules as meeting_rules
from sessions import selectors as meeting_selectors
from sessions import services as meeting_services
from sessions.models import Meeting, Participant
from topics import services as topic_services
from topics.forms import RecommendTopicForm
from topics.models import Topic

from . import cached, performance


def _member(request):
    member = member_selectors.member_for_user(request.user)
    if member is None:
        raise PermissionDenied  # a member login not yet linked to a member record
    return member


@capability_required("workspace.use")
def me(request):
    member = _member(request)
    now = timezone.localtime()
    # The meetings not over yet, with what the member may do now: read at each request (they change by the minute).
    invitations = meeting_selectors.invitations_for_member(member).filter(meeting__ends_at__gte=now)
    invitations = [_with_state(participant) for participant in invitations]
    # The rest changes only with a write or the day: read only when not kept rendered (the template's figures_cache).
    record = SimpleLazyObject(lambda: cached.member_record(member=member, year=now.year))
    return render(
        request,
        "members/me.html",
        {
            "member": member,
            "assignments": member_selectors.assignments(member),
            "topics": Topic.objects.filter(recommended_by=member).select_related("town").order_by("-created_at"),
            "invitations": invitations,
            "attended": meeting_selectors.attended_by_member(member)[:20],
            "research": meeting_selectors.research_by_member(member)[:20],
            "record": record,
            "record_lines": SimpleLazyObject(lambda: performance.breakdown(record) if record else []),
            "record_year": now.year,
            "supervised": OutcomeItem.objects.filter(supervisors=member).select_related("unit").order_by("deadline"),
        },
    )


def _with_state(participant: Participant) -> Participant:
    """What the member's line of a meeting shows: whether they may still answer, or check in now."""
    participant.answers_open = meeting_rules.answers_open(participant.meeting)
    participant.checkin_open = meeting_services.checkin_open(participant.meeting)
    return participant


@capability_required("workspace.use")
@require_POST
def answer_invitation(request, pk: int):
    member = _member(request)
    participant = get_object_or_404(Participant.objects.select_related("meeting"), pk=pk, member=member)
    response = request.POST.get("response")
    try:
        meeting_services.participant_respond(participant=participant, response=response, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        title = {"title": participant.meeting.title}
        if response == Participant.Response.YES:
            messages.success(request, _("You will attend “%(title)s”; the office knows.") % title)
        else:
            messages.success(request, _("The office knows you cannot attend “%(title)s”.") % title)
    if request.POST.get("back") == "meeting":
        return redirect("workspace-meeting", pk=participant.meeting_id)
    return redirect("workspace")


def _meeting(request, pk: int) -> Meeting:
    try:
        return meeting_selectors.meeting_for_member(_member(request), pk)
    except Meeting.DoesNotExist:
        raise Http404 from None


@capability_required("workspace.use")
def meeting(request, pk: int):
    """A meeting as the member sees it: when and where, what it is about, their answer and check-in, its .ics."""
    meeting = _meeting(request, pk)
    _with_state(meeting.mine)
    return render(request, "members/meeting.html", {"meeting": meeting, "mine": meeting.mine})


@capability_required("workspace.use")
def meeting_ics(request, pk: int):
    """The member's meeting for their phone's calendar, planned ones included: the same event as the public file."""
    meeting = _meeting(request, pk)
    url = links.absolute(reverse("workspace-meeting", args=[meeting.pk]))
    body = ical.calendar([meeting], name=meeting.title, key=f"meeting-{meeting.pk}-calendar", url_for=lambda m: url)
    response = HttpResponse(body, content_type=ical.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="meeting-{meeting.pk}.ics"'
    return response


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
            thanks = _("Thank you. Your recommendation “%(title)s” is with the office.")
            messages.success(request, thanks % {"title": data["title"]})
            return redirect("workspace")
    return render(request, "members/recommend.html", {"form": form})
