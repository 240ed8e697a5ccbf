"""The forms of check-in: a resident's two steps (name and mobile; then the SMS code), and the staff's door entry
and strike."""

from django import forms
from django.utils.translation import gettext_lazy as _

from consult_portal.phones import MobilePhoneField

from .forms import _Helper
from .models import Participant


class CheckinForm(_Helper, forms.Form):
    """Step 1: who you are and the mobile the code goes to."""

    name = forms.CharField(
        label=_("Your name"), max_length=50, error_messages={"required": _("Give your name to check in.")}
    )
    phone = MobilePhoneField(
        label=_("Mobile phone"),
        max_length=20,
        help_text=_("We send a six-digit code to this number to confirm that you are here."),
        error_messages={"required": _("Enter your mobile number to receive the code.")},
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()


class CheckinCodeForm(CheckinForm):
    """Step 2: the name and mobile carried from step 1, and the code the mobile received."""

    code = forms.RegexField(
        label=_("Code from the SMS"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={
            "required": _("Enter the six-digit code from the SMS."),
            "invalid": _("The code is six digits."),
        },
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["name"].widget = forms.HiddenInput()
        self.fields["phone"].widget = forms.HiddenInput()


class DoorCheckinForm(_Helper, forms.Form):
    """Staff at the door: someone who came without checking in themselves."""

    name = forms.CharField(label=_("Name of the person who came"), max_length=50)
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(k, label) for k, label in Participant.Kind.choices if k != Participant.Kind.MEMBER],
        initial=Participant.Kind.RESIDENT,
    )
    phone = MobilePhoneField(
        label=_("Mobile phone"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()


class StrikeForm(_Helper, forms.Form):
    reason = forms.CharField(
        label=_("Why is this check-in struck?"),
        max_length=200,
        error_messages={"required": _("Say why this check-in is struck.")},
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = self._helper()
