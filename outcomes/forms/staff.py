"""The office's forms: hand-over (交办), the list filters, and the actions on an item."""

from datetime import timedelta

from crispy_forms.helper import FormHelper
from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, pgettext_lazy

from consult_portal.forms import CleanTextMixin, DateInput, ListFilterForm, SearchSelectMultiple
from consult_portal.models import Area, ResponsibleUnit
from consult_portal.periods import PeriodField
from consult_portal.phones import PhoneField
from members.models import Member

from ..models import OutcomeItem, SurveyTally

DATE = DateInput()


class _Helper(CleanTextMixin):
    def _helper(self):
        helper = FormHelper()
        helper.form_tag = False
        helper.disable_csrf = True
        return helper


def active_members():
    return Member.objects.filter(is_active=True).select_related("sector").order_by("name")


def problems_field(**kwargs):
    return forms.IntegerField(
        label=_("Problems solved"),
        min_value=1,
        max_value=10000,
        error_messages={"min_value": _("An outcome solves at least one problem: enter 1 or more.")},
        help_text=_("How many of residents' problems this item solves when implemented."),
        **kwargs,
    )


class MemberChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return f"{obj.name}（{obj.sector.name}）"


class HandOverForm(_Helper, forms.Form):
    text = forms.CharField(label=_("Item"), max_length=5000, widget=forms.Textarea(attrs={"rows": 4}))
    unit = forms.ModelChoiceField(label=_("Responsible unit"), queryset=ResponsibleUnit.objects.order_by("name"))
    contact_name = forms.CharField(
        label=_("Contact person"),
        max_length=50,
        required=False,
        help_text=_("Empty: the unit's usual contact."),
    )
    contact_phone = PhoneField(label=_("Contact phone"), max_length=20, required=False)
    deadline = forms.DateField(label=_("Handling deadline"), widget=DATE)
    problems_solved = problems_field(initial=1, required=False)
    supervisors = MemberChoiceField(
        label=_("Supervising members"),
        queryset=Member.objects.none(),
        required=False,
        widget=SearchSelectMultiple,
        help_text=_("Members who follow the handling (督办): type a few characters of a name, then choose."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisors"].queryset = active_members()
        if not self.is_bound:
            self.initial.setdefault("deadline", timezone.localdate() + timedelta(days=30))
        self.helper = self._helper()

    def clean_problems_solved(self):
        return self.cleaned_data["problems_solved"] or 1  # left empty: the one problem of the item

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline <= timezone.localdate():
            raise ValidationError(_("The deadline must be after today."))
        return deadline

    def clean(self):
        data = super().clean()
        unit = data.get("unit")
        if unit is not None:
            if not data.get("contact_name"):
                data["contact_name"] = unit.contact_name
                data["contact_phone"] = data.get("contact_phone") or unit.contact_phone
            if not data["contact_name"]:
                self.add_error("contact_name", _("This unit has no usual contact: name the contact person."))
        return data


class OutcomeFilterForm(ListFilterForm):
    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[
            ("", "—"),
            ("open", _("Being handled")),
            ("final", _("With a final result")),
            ("solved", _("Implemented or partly implemented")),
            *OutcomeItem.Status.choices,
        ],
    )
    unit = forms.ModelChoiceField(label=_("Unit"), required=False, queryset=ResponsibleUnit.objects.order_by("name"))
    town = forms.ModelChoiceField(label=pgettext_lazy("area", "Town"), required=False, queryset=Area.objects.none())
    year = PeriodField(label=_("Year"))
    overdue = forms.BooleanField(label=_("Overdue only"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["overdue"].widget.attrs["class"] = "form-check-input"


class ReturnForm(_Helper, forms.Form):
    note = forms.CharField(label=_("What is missing"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()


class DeadlineForm(_Helper, forms.Form):
    deadline = forms.DateField(label=_("New deadline"), widget=DATE)
    reason = forms.CharField(label=_("Reason"), max_length=500)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()

    def clean_deadline(self):
        deadline = self.cleaned_data["deadline"]
        if deadline < timezone.localdate():
            raise ValidationError(_("The new deadline cannot be in the past."))
        return deadline


class ProblemsForm(_Helper, forms.Form):
    """How many problems the item solves (解决问题), corrected on the item's page."""

    problems_solved = problems_field()

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()


class SupervisorsForm(_Helper, forms.Form):
    supervisors = MemberChoiceField(
        label=_("Supervising members"),
        queryset=Member.objects.none(),
        required=False,
        widget=SearchSelectMultiple,
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supervisors"].queryset = active_members()
        self.helper = self._helper()


class TallyForm(_Helper, forms.Form):
    method = forms.ChoiceField(label=_("Method"), choices=SurveyTally.Method.choices)
    date = forms.DateField(label=_("Date"), widget=DATE)
    sample_size = forms.IntegerField(label=_("People asked"), min_value=1, max_value=100_000)
    very_satisfied = forms.IntegerField(label=_("Very satisfied"), min_value=0, max_value=100_000)
    satisfied = forms.IntegerField(label=_("Satisfied"), min_value=0, max_value=100_000)
    basically_satisfied = forms.IntegerField(label=_("Basically satisfied"), min_value=0, max_value=100_000)
    dissatisfied = forms.IntegerField(label=_("Dissatisfied"), min_value=0, max_value=100_000)
    very_dissatisfied = forms.IntegerField(label=_("Very dissatisfied"), min_value=0, max_value=100_000)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            self.initial.setdefault("date", timezone.localdate())
        self.helper = self._helper()

    def clean_date(self):
        date = self.cleaned_data["date"]
        if date > timezone.localdate():
            raise ValidationError(_("The date cannot be in the future."))
        return date

    def clean(self):
        data = super().clean()
        counts = [data.get(name) for name in SurveyTally.COUNTS]
        size = data.get("sample_size")
        if size is not None and None not in counts and sum(counts) != size:
            self.add_error(
                "sample_size",
                ngettext(
                    "The counts add up to %(total)d, not to the %(size)d person asked.",
                    "The counts add up to %(total)d, not to the %(size)d people asked.",
                    size,
                )
                % {"total": sum(counts), "size": size},
            )
        return data


class YearForm(CleanTextMixin, forms.Form):
    year = PeriodField(label=_("Year"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].widget.attrs["class"] = "form-control form-control-sm"
