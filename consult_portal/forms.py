from django import forms

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
