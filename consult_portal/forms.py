from django import forms
from django.utils import timezone

from .models import Area
from .text import clean_data


class CleanTextMixin:
    """The base of every form of the portal: control characters (other than tab and newline), which nobody types
    and no export or document can hold, are taken out of what was sent before any field sees it (#13).

        class SuggestTopicForm(CleanTextMixin, forms.Form): ...
    """

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(clean_data(data), *args, **kwargs)


class ListFilterForm(CleanTextMixin, forms.Form):
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
