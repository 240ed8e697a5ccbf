"""The responsible unit's forms (progress, answer) and the supervising member's comment."""

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from consult_portal.forms import CleanTextMixin, DateInput
from consult_portal.photo_fields import MultiplePhotoField, PhotoFormMixin

from ..models import OutcomeItem

OS = OutcomeItem.Status


def _helper() -> FormHelper:
    # The templates write the <form> tag (action, multipart) and the CSRF token.
    helper = FormHelper()
    helper.form_tag = False
    helper.disable_csrf = True
    return helper


class ProgressForm(PhotoFormMixin, CleanTextMixin, forms.Form):
    date = forms.DateField(label=_("Date"), widget=DateInput())
    text = forms.CharField(
        label=_("Progress"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("What was done, by whom, and what comes next."),
    )
    photos = MultiplePhotoField(label=_("Photos"), required=False, help_text=_("Up to 3 photos, at most 5 MB each."))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.setdefault("date", timezone.localdate())
        self.helper = _helper()

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise ValidationError(_("The date of the progress cannot be in the future."), code="future")
        return date


class AnswerForm(CleanTextMixin, forms.Form):
    status = forms.ChoiceField(
        label=_("Result"),
        choices=[(value, label) for value, label in OS.choices if value in OutcomeItem.FINAL],
        widget=forms.RadioSelect,
    )
    answer = forms.CharField(
        label=_("Handling answer"),
        max_length=10000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("What the unit did and what residents can expect."),
    )
    reason = forms.CharField(
        label=_("Reason"),
        max_length=5000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Required when the item is not feasible for now."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()

    def clean(self):
        data = super().clean()
        if data.get("status") == OS.NOT_FEASIBLE and not data.get("reason", "").strip():
            self.add_error("reason", _("Say why the item is not feasible for now."))
        return data


class CommentForm(CleanTextMixin, forms.Form):
    text = forms.CharField(
        label=_("Comment"),
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("The unit and the office read it in the item's history."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = _helper()
