"""The form of history entry (补录) for a past outcome item: the hand-over form's fields and checks, save the one
refusing a deadline before today (here it comes after the day of the hand-over), with the answer, acceptance,
publication and one satisfaction survey, each dated (`outcomes.history.check_dates`)."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from sessions.history_forms import add_errors
from sessions.models import Meeting

from . import history
from .forms.staff import DATE, HandOverForm
from .models import OutcomeItem, SurveyTally

OS = OutcomeItem.Status
STATUSES = [(value, label) for value, label in OS.choices if value in history.STATUSES]
COUNT = {"min_value": 0, "max_value": 100_000, "required": False}


class MeetingChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.starts_at:%Y-%m-%d} {obj.title}（{obj.platform.name}）"


class HistoryItemForm(HandOverForm):
    meeting = MeetingChoice(label=_("Meeting"), queryset=Meeting.objects.none())
    handed_over_on = forms.DateField(label=_("Handed over on"), widget=DATE)
    status = forms.ChoiceField(label=_("Status"), choices=STATUSES)
    answered_on = forms.DateField(label=_("Answered on"), widget=DATE, required=False)
    answer = forms.CharField(
        label=_("Handling answer"), max_length=5000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    reason = forms.CharField(
        label=_("Reason it is not feasible for now"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    closed_on = forms.DateField(
        label=_("Accepted on"), widget=DATE, required=False, help_text=_("Empty: the day of the answer.")
    )
    published_on = forms.DateField(label=_("Published on"), widget=DATE, required=False)
    problems_solved = forms.IntegerField(label=_("Problems solved"), min_value=1, max_value=10_000, initial=1)
    tally_method = forms.ChoiceField(
        label=_("Survey method"), choices=[("", "—"), *SurveyTally.Method.choices], required=False
    )
    tally_date = forms.DateField(label=_("Survey date"), widget=DATE, required=False)
    very_satisfied = forms.IntegerField(label=_("Very satisfied"), **COUNT)
    satisfied = forms.IntegerField(label=_("Satisfied"), **COUNT)
    basically_satisfied = forms.IntegerField(label=_("Basically satisfied"), **COUNT)
    dissatisfied = forms.IntegerField(label=_("Dissatisfied"), **COUNT)
    very_dissatisfied = forms.IntegerField(label=_("Very dissatisfied"), **COUNT)

    field_order = ["meeting", "text", "unit", "contact_name", "contact_phone", "handed_over_on", "deadline"]

    def __init__(self, *args, **kwargs):
        deadline = (kwargs.get("initial") or {}).get("deadline")
        super().__init__(*args, **kwargs)
        del self.fields["supervisors"]
        self.fields["meeting"].queryset = Meeting.objects.held().select_related("platform").order_by("-starts_at")
        if deadline is None:  # no deadline a month from today: a past item's comes from its hand-over
            self.initial.pop("deadline", None)

    def clean_deadline(self):
        """History mode: the deadline comes after the day of the hand-over (`check_dates`), not after today."""
        return self.cleaned_data["deadline"]

    def tallies(self) -> list[history.Tally]:
        data = self.cleaned_data
        if not data.get("tally_method") or not data.get("tally_date"):
            return []
        return [
            history.Tally(
                method=data["tally_method"],
                date=data["tally_date"],
                **{n: data.get(n) or 0 for n in SurveyTally.COUNTS},
            )
        ]

    def clean(self):
        data = super().clean()
        counted = any(data.get(name) for name in SurveyTally.COUNTS)
        if counted and not data.get("tally_method"):
            self.add_error("tally_method", _("Choose how the survey was made."))
        if (counted or data.get("tally_method")) and not data.get("tally_date"):
            self.add_error("tally_date", _("Enter the day of the survey."))
        if not data.get("status") or not data.get("handed_over_on") or not data.get("deadline"):
            return data
        errors = history.check_dates(
            meeting=data.get("meeting"),
            handed_over_on=data["handed_over_on"],
            deadline=data["deadline"],
            status=data["status"],
            answered_on=data.get("answered_on"),
            closed_on=history.accepted_on(data["status"], data.get("answered_on"), data.get("closed_on")),
            published_on=data.get("published_on"),
            tallies=self.tallies() if "tally_date" not in self.errors else [],
        )
        errors = {("tally_date" if name == "tallies" else name): message for name, message in errors.items()}
        errors |= history.check_texts(data["status"], data.get("answer") or "", data.get("reason") or "")
        if errors:
            add_errors(self, ValidationError(errors))
        return data
