"""The office's settings page (/staff/settings/): its name and masthead, the county's name and words, the public
contact phone, the yearly target, the reminder days, the public address and the retention months. Each save is one
audit entry with the values before and after; a blank field means the installation's default, shown beside it."""

from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from . import audit, office
from .access import capability_required
from .forms import CleanTextMixin
from .models import OfficeSettings
from .phones import PhoneField
from .privacy import MIN_RETENTION_MONTHS

MAX_REMINDER_DAYS = 365


def _retention_message() -> str:
    return ngettext(
        "At least %(min)d month: residents' personal data is never kept for less.",
        "At least %(min)d months: residents' personal data is never kept for less.",
        MIN_RETENTION_MONTHS,
    ) % {"min": MIN_RETENTION_MONTHS}


class OfficeSettingsForm(CleanTextMixin, forms.ModelForm):
    office_name = forms.CharField(
        label=gettext_lazy("Office name"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("On every page and printed notice, and as the author of Word documents."),
    )
    masthead = forms.CharField(
        label=gettext_lazy("Masthead of Word documents"),
        max_length=100,
        required=False,
        help_text=gettext_lazy("The red line at the head of notices, records and assignment sheets."),
    )
    county_name = forms.CharField(
        label=gettext_lazy("Name of the county"),
        max_length=50,
        required=False,
        help_text=gettext_lazy("Such as 沙湾区."),
    )
    county_word = forms.CharField(
        label=gettext_lazy("The county in one word"),
        max_length=10,
        required=False,
        help_text=gettext_lazy("县, 区, 市… as the county calls itself."),
    )
    county_level_word = forms.CharField(
        label=gettext_lazy("Word for the county level"),
        max_length=10,
        required=False,
        help_text=gettext_lazy(
            "Such as 县级 or 区级: the county's row of the statistics, and the members' level the member import "
            "accepts besides 区县级."
        ),
    )
    whole_county_word = forms.CharField(
        label=gettext_lazy("Word for the whole county"),
        max_length=10,
        required=False,
        help_text=gettext_lazy("Such as 全县 or 全区: the totals of the statistics and the county-wide outcome items."),
    )
    contact_phone = PhoneField(
        label=gettext_lazy("Public contact phone"),
        max_length=30,
        required=False,
        help_text=gettext_lazy("Shown to residents on the refusal and error pages."),
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )
    meetings_per_town_target = forms.IntegerField(
        label=gettext_lazy("Consultations per town and year"),
        required=False,
        min_value=1,
        max_value=100,
        error_messages={"min_value": gettext_lazy("Enter at least 1 consultation per town and year.")},
        help_text=gettext_lazy("The target of the coverage page, the dashboard and the liaison stations' assessment."),
    )
    outcome_reminder_days = forms.CharField(
        label=gettext_lazy("Outcome reminder days"),
        max_length=50,
        required=False,
        help_text=gettext_lazy(
            "Days before an outcome item's deadline on which its unit is reminded, such as 7,3,1; 0 for no reminders."
        ),
    )
    base_url = forms.CharField(
        label=gettext_lazy("Public address of the portal"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("Links in mail, SMS, QR codes and printed notices start with it."),
    )
    retention_months = forms.IntegerField(
        label=gettext_lazy("Months residents' personal data is kept"),
        required=False,
        min_value=MIN_RETENTION_MONTHS,
        max_value=600,
        help_text=gettext_lazy("Counted from a topic's closing, a result's publication or a meeting."),
    )

    class Meta:
        model = OfficeSettings
        fields = list(office.FIELDS)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["retention_months"].error_messages["min_value"] = _retention_message()
        default = office.defaults()
        shown = {
            "outcome_reminder_days": ",".join(str(day) for day in default.outcome_reminder_days) or "0",
            "masthead": _("the office name"),
        }
        for name, field in self.fields.items():
            value = shown.get(name, getattr(default, name))
            if value in ("", None):
                continue
            field.widget.attrs["placeholder"] = str(value)
            field.help_text = _("%(help)s Left blank: %(default)s.") % {"help": field.help_text, "default": value}

    def clean_outcome_reminder_days(self) -> str:
        text = self.cleaned_data["outcome_reminder_days"].strip()
        if not text:
            return ""
        try:
            parts = text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",")
            days = [int(part) for part in parts if part]
        except ValueError:
            days = None
        if not days or any(day < 0 or day > MAX_REMINDER_DAYS for day in days):
            raise forms.ValidationError(
                _("Enter whole numbers of days from 0 to %(max)d separated by commas, such as 7,3,1.")
                % {"max": MAX_REMINDER_DAYS},
                code="days",
            )
        return ",".join(str(day) for day in office.days_in_order(days)) or "0"

    def clean_base_url(self) -> str:
        text = self.cleaned_data["base_url"].strip()
        if not text:
            return ""
        parts = urlsplit(text)
        try:
            parts.port  # noqa: B018 - raises on a port that is not a number
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or parts.username
            or parts.password
        ):
            raise forms.ValidationError(
                _("Enter http:// or https:// and the host, with nothing after it, such as https://consult.example.gov.cn."),
                code="base_url",
            )
        return f"{parts.scheme}://{parts.netloc}"


@require_http_methods(["GET", "POST"])
@capability_required("office.settings")
def office_settings(request):
    form = OfficeSettingsForm(request.POST or None, instance=OfficeSettings.objects.filter(pk=1).first())
    if request.method == "POST" and form.is_valid():
        audit.save_form(form, action="office_settings", request=request)
        messages.success(request, _("The office settings are saved."))
        return redirect("office-settings")
    return render(
        request, "portal/staff/office_settings.html", {"form": form}, status=400 if request.method == "POST" else 200
    )
