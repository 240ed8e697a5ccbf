"""Scheduling and running consultation meetings: office and liaison staff write, leaders read."""

from urllib.parse import urlencode

import segno
from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext, pgettext_lazy
from django.views.decorators.http import require_POST

from consult_portal import links
from consult_portal.access import can, capability_required, town_scope
from consult_portal.forms import ListFilterForm
from consult_portal.models import Area
from consult_portal.paging import lazy_page
from consult_portal.periods import PeriodField
from consult_portal.photo_fields import photos_not_stored

from .. import selectors, services, services_participation, services_record, services_research
from ..checkin_tokens import day_token
from ..forms import (
    AmendRecordForm,
    HeldForm,
    InviteMembersForm,
    MeetingForm,
    MemberSearchForm,
    OtherParticipantForm,
    PublishForm,
    ReasonForm,
    RecordForm,
    RescheduleForm,
    ResearchForm,
)
from ..models import Meeting

M = Meeting.Status


class MeetingFilterForm(ListFilterForm):
    q = forms.CharField(label=gettext_lazy("Search"), required=False, max_length=100)
    status = forms.ChoiceField(label=gettext_lazy("Status"), required=False, choices=[("", "—"), *M.choices])
    form = forms.ChoiceField(label=gettext_lazy("Form"), required=False, choices=[("", "—"), *Meeting.Form.choices])
    town = forms.ModelChoiceField(label=pgettext_lazy("area", "Town"), required=False, queryset=Area.objects.none())
    year = PeriodField(label=gettext_lazy("Year"))
    held = forms.BooleanField(label=gettext_lazy("Held only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["held"].widget.attrs["class"] = "form-check-input"


@capability_required("meetings.view")
def meeting_list(request):
    town = town_scope(request.user)
    form = MeetingFilterForm(request.GET or None, town_scope=town)
    filters = form.cleaned_data if form.is_valid() else {}
    meetings = selectors.staff_meetings(town=town, filters=filters)
    # Both read only when the rows are not kept rendered (the template's figures_cache, #17).
    page = lazy_page(Paginator(meetings, 25), request.GET.get("page"))
    query = urlencode({k: v for k, v in request.GET.items() if k != "page" and v})
    # The held meetings' sums, which the dashboard's walk-in and participation figures add up (two queries).
    sums = SimpleLazyObject(lambda: selectors.held_sums(meetings)) if filters.get("held") else None
    context = {"form": form, "page": page, "query": query, "sums": sums}
    return render(request, "sessions/staff/meeting_list.html", context)


@capability_required("meetings.change")
def meeting_new(request):
    town = town_scope(request.user)
    form = MeetingForm(request.POST or None, town=town)
    if request.method == "POST" and form.is_valid():
        try:
            meeting = services.meeting_schedule(by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            when = formats.date_format(timezone.localtime(meeting.starts_at), "DATETIME_FORMAT")
            scheduled = _("“%(title)s” is scheduled for %(when)s. Publish the notice when it is ready.")
            messages.success(request, scheduled % {"title": meeting.title, "when": when})
            return redirect("sessions:staff-meeting", pk=meeting.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "sessions/staff/meeting_new.html", {"form": form}, status=status)


def _checkin_url(request, meeting: Meeting) -> str:
    return links.absolute(reverse("sessions:checkin", args=[day_token(meeting)]))  # today's: it changes daily


@capability_required("meetings.view")
def meeting_detail(request, pk: int, bound: dict | None = None, status: int = 200):
    meeting = selectors.meeting_for_user(request, pk)
    bound = bound or {}
    can_act = can(request.user, "meetings.change")
    search = MemberSearchForm(request.GET or None)
    allowed = services.ALLOWED_TRANSITIONS.get(meeting.status, ())
    checkin_url = _checkin_url(request, meeting)
    context = {
        "meeting": meeting,
        "can_act": can_act,
        "allowed": allowed,
        "search": search,
        "found": search.members() if can_act else [],
        "checkin_url": checkin_url,
        "checkin_qr": segno.make(checkin_url, error="m").svg_inline(scale=4, border=2),
        "participants_checked_in": sum(1 for p in meeting.participants.all() if p.counts_as_checked_in),
    }
    if can_act:
        context |= {
            "reschedule_form": bound.get("reschedule") or RescheduleForm(prefix="reschedule"),
            "postpone_form": bound.get("postpone") or ReasonForm(prefix="postpone"),
            "cancel_form": bound.get("cancel") or ReasonForm(prefix="cancel"),
            "held_form": bound.get("hold") or HeldForm(prefix="hold"),
            "publish_form": bound.get("publish") or PublishForm(prefix="publish"),
            "other_form": bound.get("invite-other") or OtherParticipantForm(prefix="other"),
            "invite_form": InviteMembersForm(meeting=meeting),
            "research_form": bound.get("research") or ResearchForm(prefix="research"),
            # 参会人数 and the participation start from the check-ins and the list; staff correct them.
            "record_form": bound.get("record")
            or RecordForm(
                prefix="record",
                meeting=meeting,
                initial={"attendance_count": context["participants_checked_in"]}
                | services_participation.participation_known(meeting),
            ),
            "amend_form": bound.get("amend")
            or (AmendRecordForm(prefix="amend", meeting=meeting) if meeting.status == M.RECORDED else None),
            "action_errors": bound.get("errors", []),
        }
    return render(request, "sessions/staff/meeting_detail.html", context, status=status)


def _fail(request, pk, name, form=None, error: ValidationError | None = None):
    """The meeting page again with the refusal: beside the form's field it names, or above the page."""
    bound = {"errors": []}
    named = getattr(error, "error_dict", None)
    if form is not None and named and set(named) <= set(form.fields):
        form.add_error(None, error)
    elif error is not None:
        bound["errors"] = list(error.messages)
    if form is not None:
        bound[name] = form
    return meeting_detail(request, pk, bound=bound, status=400)


def _said(action: str, meeting: Meeting, done) -> str:
    """What the page says once an action is done: the meeting or the person, and the change."""
    title = {"title": meeting.title}
    if action == "publish":
        return _("The notice of “%(title)s” is published.") % title
    if action == "postpone":
        return _("“%(title)s” is postponed.") % title
    if action == "cancel":
        return _("“%(title)s” is cancelled.") % title
    if action == "reschedule":
        when = formats.date_format(timezone.localtime(done.starts_at), "DATETIME_FORMAT")
        return _("“%(title)s” is moved to %(when)s.") % (title | {"when": when})
    if action == "hold":
        return _("“%(title)s” is marked held; its topics are consulted.") % title
    if action in ("invite-members", "invite-other"):
        if not done:
            return _("Everyone chosen was already invited to “%(title)s”.") % title
        count = len(done)
        names = "、".join(str(p) for p in done)
        message = ngettext(
            "%(count)d person is invited to “%(title)s”: %(names)s.",
            "%(count)d people are invited to “%(title)s”: %(names)s.",
            count,
        )
        return message % (title | {"count": count, "names": names})
    if action == "respond":
        return _("The answer of %(name)s is recorded: %(answer)s.") % {
            "name": done,
            "answer": done.get_response_display(),
        }
    if action == "attendance":
        if done.checked_in_at:
            return _("%(name)s is marked present.") % {"name": done}
        return _("%(name)s is marked absent.") % {"name": done}
    if action == "research":
        return _("The research of %(date)s is recorded for “%(title)s”.") % (title | {"date": done.date})
    if action == "record":
        count = done.record_items.count()
        message = ngettext(
            "The record of “%(title)s” is complete, with %(count)d item to hand over.",
            "The record of “%(title)s” is complete, with %(count)d items to hand over.",
            count,
        )
        return message % (title | {"count": count})
    return _("The record of “%(title)s” is amended; the earlier version is in its history.") % title


@capability_required("meetings.change")
@require_POST
def meeting_action(request, pk: int, action: str):
    meeting = selectors.meeting_for_user(request, pk, write=True)
    user = request.user
    form = None
    try:
        if action == "publish":
            form = PublishForm(request.POST, prefix="publish")
            if not form.is_valid():
                return _fail(request, pk, action, form)
            reason = form.cleaned_data["no_research_reason"]
            done = services.meeting_publish(meeting=meeting, by=user, no_research_reason=reason)
        elif action in ("postpone", "cancel"):
            form = ReasonForm(request.POST, prefix=action)
            if not form.is_valid():
                return _fail(request, pk, action, form)
            to_status = M.POSTPONED if action == "postpone" else M.CANCELLED
            done = services.meeting_transition(
                meeting=meeting, to_status=to_status, by=user, reason=form.cleaned_data["reason"]
            )
        elif action == "reschedule":
            form = RescheduleForm(request.POST, prefix="reschedule")
            if not form.is_valid():
                return _fail(request, pk, action, form)
            done = services.meeting_reschedule(meeting=meeting, by=user, **form.cleaned_data)
        elif action == "hold":
            form = HeldForm(request.POST, prefix="hold")
            if not form.is_valid():
                return _fail(request, pk, action, form)
            reason = form.cleaned_data["no_research_reason"]
            done = services.meeting_hold(meeting=meeting, by=user, no_research_reason=reason)
        elif action == "invite-members":
            form = InviteMembersForm(request.POST)
            if not form.is_valid():
                return _fail(request, pk, action, None, ValidationError(_("Choose the members to invite.")))
            members = list(form.cleaned_data["members"])
            done = services.participants_invite(meeting=meeting, by=user, members=members)
            busy = services.members_booked_elsewhere(meeting=meeting, members=members)
            if busy:
                names = "、".join(m.name for m in busy)
                messages.warning(
                    request, _("Already expected at another meeting at that time: %(names)s") % {"names": names}
                )
        elif action == "invite-other":
            form = OtherParticipantForm(request.POST, prefix="other")
            if not form.is_valid():
                return _fail(request, pk, action, form)
            data = form.cleaned_data
            done = services.participants_invite(
                meeting=meeting, by=user, others=[(data["kind"], data["name"], data["organisation"], data["phone"])]
            )
        elif action == "respond":
            participant = meeting.participants.filter(pk=request.POST.get("participant")).first()
            if participant is None:
                raise Http404
            response = request.POST.get("response")
            done = services.participant_respond(participant=participant, response=response, by=user)
        elif action == "attendance":
            participant = meeting.participants.filter(pk=request.POST.get("participant")).first()
            if participant is None:
                raise Http404
            present = request.POST.get("present") == "1"
            done = services.attendance_mark(participant=participant, present=present, by=user)
        elif action == "research":
            form = ResearchForm(request.POST, prefix="research")
            if not form.is_valid():
                return _fail(request, pk, action, form)
            data = form.cleaned_data
            done = services_research.research_add(
                by=user,
                meeting=meeting,
                date_=data["date"],
                kind=data["kind"],
                findings=data["findings"],
                participants=data["participants"],
            )
        elif action == "record":
            form = RecordForm(request.POST, request.FILES, prefix="record", meeting=meeting)
            if not form.is_valid():
                return _fail(request, pk, action, form)
            data = form.cleaned_data
            done = services.meeting_record(
                meeting=meeting,
                by=user,
                summary=data["summary"],
                answers=data["answers"],
                attendance_count=data["attendance_count"],
                walk_in_count=data["walk_in_count"],
                items=form.items(),
                photos=[photo.image for photo in data["photos"]],
                **form.participation(),
            )
        elif action == "amend":
            form = AmendRecordForm(request.POST, prefix="amend", meeting=meeting)
            if not form.is_valid():
                return _fail(request, pk, action, form)
            data = form.cleaned_data
            done = services_record.meeting_record_amend(
                meeting=meeting,
                by=user,
                reason=data["reason"],
                summary=data["summary"],
                answers=data["answers"],
                attendance_count=data["attendance_count"],
                walk_in_count=data["walk_in_count"],
                items=form.items(),
                proposers=form.item_proposers(),
                **form.participation(),
            )
        else:
            raise Http404
    except ValidationError as error:
        return _fail(request, pk, action, form, error)
    except OSError:
        if action != "record":
            raise
        photos_not_stored(form)  # the record's photos: nothing saved, the text kept for a second try
        return _fail(request, pk, action, form)
    messages.success(request, _said(action, meeting, done))
    return redirect("sessions:staff-meeting", pk=pk)
