"""Check-in by the meeting's QR code: a member with one tap, anyone else with a name and phone."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.views.decorators.cache import never_cache

from consult_portal.models import Role
from members.selectors import member_for_user

from .. import services
from ..forms import CheckinForm
from ..models import Meeting, Participant


@never_cache
def checkin(request, token: str):
    meeting = Meeting.objects.select_related("platform").filter(checkin_token=token).first()
    if meeting is None:
        raise Http404
    member = (
        member_for_user(request.user) if request.user.is_authenticated and request.user.has_role(Role.MEMBER) else None
    )
    form = CheckinForm(request.POST or None) if member is None else None
    done = None
    if request.method == "POST":
        try:
            if member is not None:
                done = services.participant_check_in(meeting=meeting, member=member)
            elif form.is_valid():
                done = services.participant_check_in(meeting=meeting, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        if done is not None:
            # The page says so itself, once: a visitor without a login is known again by this browser's session.
            request.session[_SESSION_KEY % meeting.pk] = done.pk
            return redirect("sessions:checkin", token=token)
    status = 400 if request.method == "POST" else 200
    context = {"meeting": meeting, "member": member, "form": form, "open": services.checkin_open(meeting)}
    context["checked_in"] = None if request.GET.get("another") else _checked_in(request, meeting, member)
    return render(request, "sessions/public/checkin.html", context, status=status)


_SESSION_KEY = "checked-in:%s"


def _checked_in(request, meeting: Meeting, member) -> Participant | None:
    """Who checked in at this meeting from here: the member logged in, or whoever this browser checked in."""
    people = Participant.objects.filter(meeting=meeting, checked_in_at__isnull=False)
    if member is not None:
        return people.filter(member=member).first()
    pk = request.session.get(_SESSION_KEY % meeting.pk)
    return people.filter(pk=pk, member__isnull=True).first() if pk else None
