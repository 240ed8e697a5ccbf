from django import forms
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .models import Area
from .text import clean_data


def _refusals(field: forms.Field) -> dict[str, str]:
    """What each refusal of a field's length, range or format says, in words that name the field (#15): "标题最多
    100 个字，现在是 120 个字。" rather than Django's "确保该变量包含不超过 100 字符". Django fills in the numbers."""
    # A per cent sign in a label would be read as a placeholder; the full-width one reads the same.
    label = str(field.label).replace("%", "％") if field.label else ""
    named = {"label": label, "limit_value": "%(limit_value)s", "show_value": "%(show_value)s"}

    def say(with_label: str, without_label: str) -> str:
        return (with_label if label else without_label) % named

    messages = {}
    if isinstance(field, forms.CharField):
        messages["max_length"] = say(
            _("%(label)s takes at most %(limit_value)s characters; this is %(show_value)s."),
            _("At most %(limit_value)s characters; this is %(show_value)s."),
        )
        messages["min_length"] = say(
            _("%(label)s takes at least %(limit_value)s characters; this is %(show_value)s."),
            _("At least %(limit_value)s characters; this is %(show_value)s."),
        )
    if isinstance(field, forms.IntegerField | forms.FloatField | forms.DecimalField):
        messages["max_value"] = say(
            _("%(label)s cannot be more than %(limit_value)s."), _("It cannot be more than %(limit_value)s.")
        )
        messages["min_value"] = say(
            _("%(label)s cannot be less than %(limit_value)s."), _("It cannot be less than %(limit_value)s.")
        )
    if isinstance(field, forms.IntegerField) and not isinstance(field, forms.FloatField | forms.DecimalField):
        messages["invalid"] = say(_("%(label)s is a whole number, such as 12."), _("Enter a whole number, such as 12."))
    elif isinstance(field, forms.FloatField | forms.DecimalField):
        messages["invalid"] = say(_("%(label)s is a number, such as 12.5."), _("Enter a number, such as 12.5."))
    elif isinstance(field, forms.DateTimeField):
        messages["invalid"] = say(
            _("%(label)s is a date and time, such as 2026-03-15 09:30."),
            _("Enter a date and time, such as 2026-03-15 09:30."),
        )
    elif isinstance(field, forms.DateField):
        messages["invalid"] = say(_("%(label)s is a date, such as 2026-03-15."), _("Enter a date, such as 2026-03-15."))
    elif isinstance(field, forms.TimeField):
        messages["invalid"] = say(_("%(label)s is a time, such as 09:30."), _("Enter a time, such as 09:30."))
    elif isinstance(field, forms.EmailField):
        messages["invalid"] = say(
            _("%(label)s is an email address, such as name@example.com."),
            _("Enter an email address, such as name@example.com."),
        )
    elif isinstance(field, forms.URLField):
        messages["invalid"] = say(
            _("%(label)s is a web address, such as https://example.com/."),
            _("Enter a web address, such as https://example.com/."),
        )
    if isinstance(field, forms.ChoiceField | forms.ModelChoiceField):
        choose = say(_("%(label)s: choose one from the list."), _("Choose one from the list."))
        messages["invalid_choice"] = choose
        if isinstance(field, forms.ModelMultipleChoiceField):
            messages["invalid_pk_value"] = choose
    return messages


def _default_messages(field: forms.Field) -> dict:
    defaults = {}
    for cls in reversed(type(field).__mro__):
        defaults.update(getattr(cls, "default_error_messages", {}))
    return defaults


def name_the_refusals(form: forms.BaseForm) -> None:
    """Give every field of the form the portal's messages for length, range and format (`_refusals`), leaving
    a message a form wrote itself (`error_messages=`) as it is."""
    for field in form.fields.values():
        defaults = _default_messages(field)
        for code, message in _refusals(field).items():
            if field.error_messages.get(code) is defaults.get(code):
                field.error_messages[code] = message


class CleanTextMixin:
    """The base of every form of the portal: control characters (other than tab and newline), which nobody types
    and no export or document can hold, are taken out of what was sent before any field sees it (#13); and a
    length, range or format refused names the field in plain words (`name_the_refusals`, #15).

        class SuggestTopicForm(CleanTextMixin, forms.Form): ...
    """

    def __init__(self, data=None, *args, **kwargs):
        super().__init__(clean_data(data), *args, **kwargs)

    def full_clean(self):
        # Here rather than in __init__: the forms' own __init__ set their labels and fields after this one's.
        name_the_refusals(self)
        super().full_clean()


def _search_attrs(attrs: dict | None) -> dict:
    return {
        "data-search": True,
        "data-search-empty": gettext_lazy("Nothing matches what you typed."),
        "data-search-remove": gettext_lazy("Remove"),
        **(attrs or {}),
    }


class SearchSelect(forms.Select):
    """A select to type into: a few characters of a name, then arrows and Enter or a tap (static/js/select-search.js,
    Tom Select, on every staff page). Without JavaScript it stays a plain select."""

    def __init__(self, attrs=None, choices=()):
        super().__init__(_search_attrs(attrs), choices)


class SearchSelectMultiple(forms.SelectMultiple):
    """Several choices typed into one box, each shown with a × to take it out again (see `SearchSelect`)."""

    def __init__(self, attrs=None, choices=()):
        super().__init__(_search_attrs(attrs), choices)


class DateInput(forms.DateInput):
    """<input type="date">, its value written 2026-12-02 whatever the language (#18): the Chinese display format
    2026/12/02 that Django's DateInput takes from DATE_INPUT_FORMATS is refused by browsers, which then show the
    field empty. Every date field of the portal uses this widget."""

    input_type = "date"

    def __init__(self, attrs=None, format="%Y-%m-%d"):
        super().__init__(attrs, format=format)


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
