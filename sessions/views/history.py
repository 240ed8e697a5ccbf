"""History entry (补录) of a past meeting, for office staff: the meeting, its topic, record and participation with
their real dates (`sessions.history`). The history page listing what was entered is the outcomes app's."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from consult_portal.access import capability_required

from .. import history
from ..history_forms import HistoryMeetingForm, add_errors


@require_http_methods(["GET", "POST"])
@capability_required("history.enter")
def meeting_new(request):
    form = HistoryMeetingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        platform = data["platform"]
        try:
            topic = history.history_topic(
                title=data["topic_title"],
                town=history.town_of(platform),
                year=timezone.localdate(data["starts_at"]).year,
                by=request.user,
                source=data["source"],
                category=data["category"],
                requesting_body=data["requesting_body"],
            )
            meeting = history.meeting_backfill(
                by=request.user,
                platform=platform,
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                title=data["title"],
                topics=[topic],
                form=data["form"],
                place=data["place"],
                host=data["host"],
                organiser=data["organiser"],
                summary=data["summary"],
                answers=data["answers"],
                items=form.items(),
                **{name: data[name] for name in ("attendance_count", "walk_in_count", *history.PARTICIPATION)},
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            when = formats.date_format(timezone.localtime(meeting.starts_at), "DATETIME_FORMAT")
            entered = _("The meeting “%(title)s” of %(when)s is entered (补录).")
            messages.success(request, entered % {"title": meeting.title, "when": when})
            return redirect("sessions:staff-meeting", pk=meeting.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "sessions/staff/history_meeting.html", {"form": form}, status=status)
