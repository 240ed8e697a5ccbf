"""The staff's side of check-in: who checked in and how, striking a check-in of someone who was not there, entering
someone at the door, a new check-in code, and opening a meeting to all members (sessions/services_checkin.py)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from consult_portal.access import can, capability_required

from .. import selectors, services, services_checkin
from ..forms_checkin import DoorCheckinForm, StrikeForm
from ..models import Participant

TEMPLATE = "sessions/staff/checkins.html"


def _page(request, meeting, *, door=None, strike=None, status=200):
    people = list(
        Participant.objects.filter(meeting=meeting, checked_in_at__isnull=False)
        .select_related("member__sector", "struck_by", "meeting")
        .order_by("checked_in_at", "pk")
    )
    context = {
        "meeting": meeting,
        "people": people,
        "counted": sum(1 for p in people if p.counts_as_checked_in),
        "can_act": can(request.user, "meetings.change"),
        "open": services.checkin_open(meeting),
        "door_form": door or DoorCheckinForm(prefix="door"),
        "strike": strike,  # (participant id, bound form) of a refused strike
    }
    return render(request, TEMPLATE, context, status=status)


@capability_required("meetings.view")
def checkins(request, pk: int):
    return _page(request, selectors.meeting_for_user(request, pk))


@require_POST
@capability_required("meetings.change")
def checkin_action(request, pk: int, action: str):
    meeting = selectors.meeting_for_user(request, pk, write=True)
    user = request.user
    try:
        if action == "strike":
            participant = get_object_or_404(Participant, meeting=meeting, pk=request.POST.get("participant") or 0)
            form = StrikeForm(request.POST, prefix=f"strike-{participant.pk}")
            if not form.is_valid():
                return _page(request, meeting, strike=(participant.pk, form), status=400)
            try:
                services_checkin.checkin_strike(participant=participant, reason=form.cleaned_data["reason"], by=user)
            except ValidationError as error:
                form.add_error("reason" if hasattr(error, "error_dict") else None, error)
                return _page(request, meeting, strike=(participant.pk, form), status=400)
            messages.success(
                request, _("The check-in of %(name)s is struck; it no longer counts.") % {"name": participant}
            )
        elif action == "door":
            form = DoorCheckinForm(request.POST, prefix="door")
            if not form.is_valid():
                return _page(request, meeting, door=form, status=400)
            try:
                done = services_checkin.door_check_in(meeting=meeting, by=user, **form.cleaned_data)
            except ValidationError as error:
                form.add_error(None, error)
                return _page(request, meeting, door=form, status=400)
            messages.success(request, _("%(name)s is checked in.") % {"name": done})
        elif action == "new-code":
            services_checkin.checkin_token_replace(meeting=meeting, by=user)
            messages.success(request, _("The check-in code is new: codes shown or printed before no longer work."))
            return redirect("sessions:staff-meeting", pk=meeting.pk)
        elif action == "open-to-members":
            opened = request.POST.get("open") == "1"
            services_checkin.meeting_open_to_members(meeting=meeting, open_to_members=opened, by=user)
            messages.success(
                request,
                _("Every member may now check in to this meeting.")
                if opened
                else _("Only the members invited may now check in to this meeting."),
            )
            return redirect("sessions:staff-meeting", pk=meeting.pk)
        else:
            raise Http404
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    return redirect("sessions:checkins", pk=meeting.pk)
