from django import forms
from django.utils import timezone

from .models import Area


class ListFilterForm(forms.Form):
    """The filters above a staff list: small Bootstrap widgets, and a `town` choice (when the form declares
    one) that liaison staff, who see their own town only, do not get."""

    def __init__(self, *args, town_scope=None, **kwargs):
        super().__init__(*args, **kwargs)
        if "town" in self.fields:
            if town_scope is None:
                self.fields["town"].queryset = Area.objects.filter(level=Area.Level.TOWN).order_by("code")
            else:
                del self.fields["town"]
        for field in self.fields.values():
            is_select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select form-select-sm" if is_select else "form-control form-control-sm"


def year_param(request) -> int:
    """The `?year=` of a yearly page (ranking, assessment, committees' duties): this year when absent or not a
    plausible year."""
    try:
        year = int(request.GET.get("year", ""))
    except ValueError:
        return timezone.localdate().year
    return year if 2000 <= year <= 2100 else timezone.localdate().year
