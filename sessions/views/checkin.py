"""Check-in by the meeting's QR code: a member with one tap, anyone else with a name and phone."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from consult_portal.models import Role
from members.selectors import member_for_user

from .. import services
from ..forms import CheckinForm
from ..models import Meeting


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
            messages.success(request, _("You are checked in. Welcome!"))
            return redirect("sessions:checkin", token=token)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "sessions/public/checkin.html",
        {"meeting": meeting, "member": member, "form": form, "open": services.checkin_open(meeting)},
        status=status,
    )
