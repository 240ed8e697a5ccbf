"""群众评商: the residents' satisfaction survey of a published outcome. No account."""

from crispy_forms.helper import FormHelper
from crispy_forms.layout import Field, Fieldset, Layout
from django import forms
from django.utils.translation import gettext_lazy as _

from consult_portal.forms import CleanTextMixin
from consult_portal.models import Area
from consult_portal.phones import MobilePhoneField

from ..models import OutcomeItem, Rating


class SurveyForm(CleanTextMixin, forms.Form):
    """Everything a resident types is kept when something is wrong."""

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
    phone = MobilePhoneField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        help_text=_(
            "Optional. It is asked only to count one response per person; it is never shown and never used to "
            "contact you."
        ),
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, item: OutcomeItem, **kwargs):
        super().__init__(*args, **kwargs)
        villages = Area.objects.filter(level=Area.Level.VILLAGE).order_by("code")
        # The villages of the item's town; a county-wide item can be rated from any village.
        self.fields["village"].queryset = villages.filter(parent_id=item.town_id) if item.town_id else villages
        self.helper = FormHelper()
        self.helper.form_tag = False
        self.helper.disable_csrf = True  # the template has its own token
        self.helper.layout = Layout(
            Field("rating", wrapper_class="rating-choices"),
            "comment",
            Fieldset(_("About you (optional)"), "village", "phone"),
        )
