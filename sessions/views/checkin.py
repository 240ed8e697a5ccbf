"""Check-in by the meeting's QR code, whose token changes every day (checkin_tokens.py): a member invited (or to a
meeting open to all members) with one tap; a resident with a name and a mobile confirmed by an SMS code, in two
steps that work without JavaScript."""

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from consult_portal.audit import client_ip
from consult_portal.models import Role
from members.selectors import member_for_user

from .. import services, services_checkin
from ..checkin_tokens import meeting_for_token
from ..forms_checkin import CheckinCodeForm, CheckinForm
from ..models import Meeting, Participant

CODE_ERRORS = ("missing", "expired", "wrong")
TEMPLATE = "sessions/public/checkin.html"


def _done(request, meeting: Meeting, token: str, participant: Participant):
    # The page says so itself, once: a visitor without a login is known again by this browser's session.
    request.session[_SESSION_KEY % meeting.pk] = participant.pk
    return redirect("sessions:checkin", token=token)


@never_cache
def checkin(request, token: str):
    meeting, current = meeting_for_token(token, Meeting.objects.select_related("platform"))
    if meeting is None:
        raise Http404
    context = {"meeting": meeting, "open": services.checkin_open(meeting), "step": "name"}
    if not current:
        # Yesterday's code, or one replaced by staff: a photograph of the code checks no one in.
        context["stale"] = True
        return render(request, TEMPLATE, context, status=410)
    member = (
        member_for_user(request.user) if request.user.is_authenticated and request.user.has_role(Role.MEMBER) else None
    )
    context["member"] = member
    status = 200
    step = request.POST.get("step") if request.method == "POST" else None
    form = None
    if member is not None:
        if request.method == "POST":
            try:
                return _done(request, meeting, token, services_checkin.member_check_in(meeting=meeting, member=member))
            except ValidationError as error:
                context["error"] = " ".join(error.messages)
                status = 403 if getattr(error, "code", "") == "not_invited" else 400
    elif step == "send":
        form, status = CheckinForm(request.POST), 400
        if form.is_valid():
            data = form.cleaned_data
            try:
                address = client_ip(request) or "unknown"
                services_checkin.resident_send_code(meeting=meeting, phone=data["phone"], address=address)
            except ValidationError as error:
                form.add_error("phone" if getattr(error, "code", "") == "rate_limited" else None, error)
                status = 429 if getattr(error, "code", "") == "rate_limited" else 400
            else:
                form, status = CheckinCodeForm(initial=data), 200
                context.update(step="code", phone=data["phone"], sent=True)
    elif step == "code":
        form, status = CheckinCodeForm(request.POST), 400
        context.update(step="code", phone=form["phone"].value())
        if not form.is_valid() and ("name" in form.errors or "phone" in form.errors):
            # Carried from step 1 in hidden inputs, they show no error of their own.
            form.add_error(None, _("The name or number from the first step could not be read. Start again."))
        if form.is_valid():
            data = form.cleaned_data
            try:
                participant = services_checkin.resident_check_in(
                    meeting=meeting, name=data["name"], phone=data["phone"], code=data["code"].strip()
                )
            except ValidationError as error:
                form.add_error("code" if getattr(error, "code", "") in CODE_ERRORS else None, error)
            else:
                return _done(request, meeting, token, participant)
    else:
        form = CheckinForm()
    context["form"] = form
    context["checked_in"] = None if request.GET.get("another") else _checked_in(request, meeting, member)
    return render(request, TEMPLATE, context, status=status)


_SESSION_KEY = "checked-in:%s"


def _checked_in(request, meeting: Meeting, member) -> Participant | None:
    """Who checked in at this meeting from here: the member logged in, or whoever this browser checked in."""
    people = Participant.objects.filter(meeting=meeting, checked_in_at__isnull=False, struck_at__isnull=True)
    if member is not None:
        return people.filter(member=member).first()
    pk = request.session.get(_SESSION_KEY % meeting.pk)
    return people.filter(pk=pk, member__isnull=True).first() if pk else None
