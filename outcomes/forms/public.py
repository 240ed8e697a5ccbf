"""群众评商: the residents' satisfaction survey of a published outcome. No account."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Fieldset, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from consult_portal.forms import CleanTextMixin
from consult_portal.models import Area
from consult_portal.phones import MobilePhoneField

from ..models import OutcomeItem, Rating

PHONE_HELP = _(
    "We send a six-digit code to this number by SMS. Only answers from a confirmed phone count in the satisfaction "
    "rate: one per phone, and you can change it until the survey closes. The number is never shown and never used "
    "to contact you."
)


class SurveyPhoneForm(CleanTextMixin, forms.Form):
    """Step 1 of a verified answer: the resident's mobile, to which the code is sent."""

    phone = MobilePhoneField(
        label=_("Mobile phone"),
        max_length=20,
        help_text=PHONE_HELP,
        error_messages={"required": _("Enter your mobile number to receive the code.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True


class SurveyForm(CleanTextMixin, forms.Form):
    """The answer itself; with `verified`, step 2 of a verified answer: the phone carried from step 1 and the code
    it received. Everything a resident types is kept when something is wrong."""

    rating = forms.TypedChoiceField(
        label=_("How satisfied are you with this result?"),
        choices=Rating.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={
            "required": _("Choose how satisfied you are."),
            "invalid_choice": _("Choose one of the five answers."),
        },
    )
    comment = forms.CharField(
        label=_("Your comment"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Optional. At most 1,000 characters."),
    )
    village = forms.ModelChoiceField(
        label=_("Village or community"),
        queryset=Area.objects.none(),
        required=False,
        empty_label=_("Rather not say"),
        error_messages={"invalid_choice": _("Choose a village or community from the list.")},
    )

    def __init__(self, *args, item: OutcomeItem, verified: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        villages = Area.objects.filter(level=Area.Level.VILLAGE).order_by("code")
        # The villages of the item's town; a county-wide item can be rated from any village.
        self.fields["village"].queryset = villages.filter(parent_id=item.town_id) if item.town_id else villages
        self.verified = verified
        first = []
        if verified:
            self.fields["phone"] = MobilePhoneField(max_length=20, widget=forms.HiddenInput)
            self.fields["code"] = forms.RegexField(
                label=_("Code from the SMS"),
                regex=r"^\s*\d{6}\s*$",
                max_length=12,
                help_text=_("The six digits we sent to your phone. The code is valid for a few minutes."),
                error_messages={
                    "required": _("Enter the six-digit code from the SMS."),
                    "invalid": _("The code is six digits."),
                },
                widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
            )
            first = ["phone", "code"]
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template has its own token
        self.helper.layout = Layout(
            *first,
            Field("rating", wrapper_class="rating-choices"),
            "comment",
            Fieldset(_("About you (optional)"), "village"),
        )
