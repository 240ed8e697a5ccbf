from crispy_forms.helper import FormHelper
from crispy_forms.layout import HTML, Fieldset, Layout, Submit
from django import forms
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from consult_portal.forms import CleanTextMixin, DateInput
from consult_portal.models import Area, in_town
from consult_portal.phones import PhoneField

from .models import Platform
from .services_platforms import CONFIRMED_ON, PLATFORM_FIELDS, rule_errors

DATE = DateInput()


def areas_for(town):
    """The areas a user may put a platform in: all of them, or a town and its villages."""
    areas = Area.objects.select_related("parent").order_by("code")
    return areas if town is None else areas.filter(in_town(town, ""))


class PlatformForm(CleanTextMixin, forms.ModelForm):
    """A platform's details and its "五有" confirmations; a date is set when the item is confirmed."""

    class Meta:
        model = Platform
        fields = PLATFORM_FIELDS
        widgets = {
            "organisation_confirmed_on": DATE,
            "sign_confirmed_on": DATE,
            "staff_confirmed_on": DATE,
            "rules_confirmed_on": DATE,
        }
        field_classes = {"contact_phone": PhoneField}
        help_texts = {"sector": _("For a member studio: the sector whose members run it.")}

    def __init__(self, *args, town=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["area"].queryset = areas_for(town)
        self.fields["area"].label_from_instance = Area.label.fget
        if town is not None:
            self.fields["level"].choices = [c for c in self.fields["level"].choices if c[0] != Platform.Level.COUNTY]
        today = timezone.localdate().isoformat()
        for name in CONFIRMED_ON:
            self.fields[name].widget.attrs["max"] = today
        self.helper = FormHelper()
        self.helper.layout = Layout(
            Fieldset(_("Platform"), "name", "level", "kind", "area", "sector", "committee", "host_unit", "is_pilot"),
            Fieldset(_("Contact"), "contact_name", "contact_phone", "address"),
            Fieldset(
                _("“Five haves” confirmed on"),
                HTML(
                    format_html(
                        '<p class="form-text">{}</p>',
                        _(
                            "Set the day each item was confirmed; leave it empty while it is not. "
                            "Activities are counted from the meetings held."
                        ),
                    )
                ),
                "organisation_confirmed_on",
                "sign_confirmed_on",
                "staff_confirmed_on",
                "rules_confirmed_on",
            ),
        )
        self.helper.add_input(Submit("save", _("Save platform")))

    def clean(self):
        data = super().clean()
        for field, message in rule_errors(data).items():
            if field not in self.errors:
                self.add_error(field, message)
        return data
