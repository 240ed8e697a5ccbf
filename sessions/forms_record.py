"""The parts of the record forms for what the seeds count: participation (residents invited and attending,
departments, member-times) and the suggestion rows, each with the member who raised it."""

import re

from crispy_forms.layout import Column, Layout, Row
from django import forms
from django.core.exceptions import ValidationError
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from . import rules
from .models import Meeting, Participant
from .selectors import PARTICIPATION_FIELDS

NOT_NEGATIVE = _("Enter 0 or more, or leave it empty.")
SUGGESTION_ROWS = 5  # empty rows offered; a form sent with more keeps them all
_ROW = re.compile(r"suggestion_(\d+)$")


def count_field(label, help_text=""):
    return forms.IntegerField(
        label=label,
        min_value=0,
        max_value=100000,
        required=False,
        help_text=help_text,
        error_messages={"min_value": NOT_NEGATIVE},
    )


def participation_fields() -> dict[str, forms.Field]:
    return {
        "residents_invited": count_field(_("Residents invited"), _("Empty: not recorded.")),
        "residents_attended": count_field(
            _("Residents attending"),
            _("May exceed the residents invited only by those who came of their own accord."),
        ),
        "departments_count": count_field(_("Departments taking part")),
        "member_times": count_field(_("Member-times"), _("Members taking part, counted once per member.")),
    }


class ParticipationMixin:
    """Adds the participation fields to a record form and checks them with `rules.check_participation`, each
    refusal beside its field."""

    def add_participation_fields(self):
        for name, field in participation_fields().items():
            self.fields[name] = field

    def participation(self) -> dict:
        return {field: self.cleaned_data.get(field) for field in PARTICIPATION_FIELDS}

    def check_participation(self):
        data = self.cleaned_data
        if any(field in self.errors for field in (*PARTICIPATION_FIELDS, "walk_in_count", "attendance_count")):
            return
        try:
            rules.check_participation(
                **self.participation(),
                walk_in_count=data.get("walk_in_count"),
                attendance_count=data.get("attendance_count"),
            )
        except ValidationError as error:
            self.add_error(None, error)


class ProposerChoice(forms.TypedChoiceField):
    """One of the meeting's members, chosen once per suggestion row; the choices come from the meeting's
    participants already loaded, so the rows cost no query each."""

    def __init__(self, members, **kwargs):
        choices = [("", _("— nobody in particular —"))] + [(m.pk, f"{m.name}（{m.sector.name}）") for m in members]
        super().__init__(choices=choices, coerce=int, empty_value=None, required=False, **kwargs)


def members_of(meeting: Meeting | None) -> list:
    """The meeting's members (its participants of kind member), from the participants already loaded."""
    if meeting is None:
        return []
    members = [p.member for p in meeting.participants.all() if p.kind == Participant.Kind.MEMBER and p.member]
    return sorted(members, key=lambda m: (m.name, m.pk))


class SuggestionRowsMixin:
    """Suggestion rows on the record form: the text and who raised it, among the meeting's members."""

    def add_suggestion_rows(self, meeting: Meeting | None):
        members = members_of(meeting)
        self.row_members = {m.pk: m for m in members}
        sent = [int(m.group(1)) for key in (self.data or {}) if (m := _ROW.match(key.removeprefix(f"{self.prefix}-")))]
        rows = max([SUGGESTION_ROWS, *(n + 1 for n in sent if n < 100)])
        self.suggestion_rows = list(range(rows))
        for n in self.suggestion_rows:
            self.fields[f"suggestion_{n}"] = forms.CharField(
                label=_("Suggestion %(n)s") % {"n": n + 1},
                max_length=2000,
                required=False,
                widget=forms.Textarea(attrs={"rows": 1}),
            )
            self.fields[f"proposer_{n}"] = ProposerChoice(members, label=_("Raised by"))

    def suggestion_rows_layout(self) -> list:
        return [
            Row(
                Column(f"suggestion_{n}", css_class="col-12 col-sm-7"),
                Column(f"proposer_{n}", css_class="col-12 col-sm-5"),
                data_suggestion_row=n,
            )
            for n in self.suggestion_rows
        ]

    def check_suggestion_rows(self):
        for n in self.suggestion_rows:
            proposer = self.cleaned_data.get(f"proposer_{n}")
            if proposer is not None and not (self.cleaned_data.get(f"suggestion_{n}") or "").strip():
                self.add_error(f"suggestion_{n}", _("Write the suggestion this member raised, or choose nobody."))

    def row_items(self) -> list[tuple]:
        """The rows' suggestions, ("suggestion", text, member or None) each."""
        items = []
        for n in self.suggestion_rows:
            text = (self.cleaned_data.get(f"suggestion_{n}") or "").strip()
            if text:
                items.append(("suggestion", text, self.row_members.get(self.cleaned_data.get(f"proposer_{n}"))))
        return items


class ItemProposersMixin:
    """On the amendment of a record: who raised each suggestion not yet handed over, one choice per suggestion
    (`proposer_item_<pk>`), shown after the suggestions."""

    def add_item_proposers(self, meeting: Meeting | None, items) -> list[str]:
        members = members_of(meeting)
        self.item_members = {m.pk: m for m in members}
        self.proposer_items = [item for item in items if item.kind == "suggestion"]
        names = []
        for item in self.proposer_items:
            label = _("Raised by: %(text)s") % {"text": Truncator(item.text).chars(30)}
            field = ProposerChoice(members, label=label)
            field.initial = item.proposer_id
            self.fields[f"proposer_item_{item.pk}"] = field
            names.append(f"proposer_item_{item.pk}")
        return names

    def item_proposers(self) -> dict:
        """{record item pk: the member chosen, or None}."""
        return {
            item.pk: self.item_members.get(self.cleaned_data.get(f"proposer_item_{item.pk}"))
            for item in self.proposer_items
        }


def record_layout(first: list[str], rows: list, rest: list[str]) -> Layout:
    """The record form in order: `first`, the suggestion rows side by side, then `rest`."""
    return Layout(*first, *rows, *rest)
