"""The form of history entry (补录) for a past meeting: the meeting form's fields and checks, save the one refusing the
past (here the meeting has taken place), with its topic, record and participation."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from consult_portal.imports import split_list
from topics.models import Topic

from . import history, rules
from .forms import MeetingForm
from .forms_record import count_field
from .models import RecordItem

ONE_A_LINE = _("One a line.")
# A member's recommendation names its member: that topic is entered through the topics' own form first.
SOURCES = [(value, label) for value, label in Topic.Source.choices if value != Topic.Source.MEMBER]


def add_errors(form: forms.Form, error: ValidationError) -> None:
    """A service's refusal beside the form's fields it names, the rest above the form."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for name, messages in error.message_dict.items():
        form.add_error(name if name in form.fields else None, messages)


class HistoryMeetingForm(MeetingForm):
    topic_title = forms.CharField(
        label=_("Topic"),
        max_length=100,
        help_text=_("The topic consulted: one of the town's topics of that year by its title, or a new one."),
    )
    source = forms.ChoiceField(label=_("Source of the topic"), choices=SOURCES)
    category = forms.ChoiceField(
        label=_("Category of the topic"), choices=Topic.Category.choices, initial=Topic.Category.LIVELIHOOD
    )
    requesting_body = forms.CharField(
        label=_("Requesting body"), max_length=100, required=False, help_text=_("For 党政点题; empty: the town.")
    )
    summary = forms.CharField(
        label=_("Summary of the record"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("With a summary the meeting is entered recorded; without, held."),
    )
    answers = forms.CharField(
        label=_("Departments' answers on the spot"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    attendance_count = count_field(_("Attendance"))
    walk_in_count = count_field(_("Residents who came of their own accord"))
    residents_invited = count_field(_("Residents invited"))
    residents_attended = count_field(_("Residents attending"))
    departments_count = count_field(_("Departments taking part"))
    member_times = count_field(_("Member-times"))
    suggestions = forms.CharField(
        label=_("Suggestions"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=ONE_A_LINE,
    )
    consensus = forms.CharField(
        label=_("Consensus"),
        max_length=20_000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=ONE_A_LINE,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, town=None, **kwargs)
        del self.fields["topics"]
        del self.fields["how_to_take_part"]
        self.fields["starts_at"].help_text = _("When it took place: a time in the past.")

    def clean(self):
        data = super().clean()
        starts_at, ends_at = data.get("starts_at"), data.get("ends_at")
        if starts_at and ends_at and "ends_at" not in self.errors:
            try:
                history.check_in_the_past(starts_at, ends_at)
            except ValidationError as error:
                add_errors(self, error)
        platform = data.get("platform")
        if platform is not None and history.town_of(platform) is None and not history.county_topics():
            self.add_error("platform", _("Enter the meeting at a platform of a town, whose topic it consulted."))
        counts = ("attendance_count", "walk_in_count", *history.PARTICIPATION)
        if not any(name in self.errors for name in counts):
            try:
                rules.check_participation(**{name: data.get(name) for name in counts})
            except ValidationError as error:
                add_errors(self, error)
        if self.items() and not (data.get("summary") or "").strip():
            self.add_error("summary", _("The record needs a summary with its suggestions and consensus."))
        return data

    def items(self) -> list[tuple[str, str]]:
        data = getattr(self, "cleaned_data", {})
        separators = history.ITEM_SEPARATORS
        return [
            (RecordItem.Kind.SUGGESTION, text) for text in split_list(data.get("suggestions") or "", separators)
        ] + [(RecordItem.Kind.CONSENSUS, text) for text in split_list(data.get("consensus") or "", separators)]
