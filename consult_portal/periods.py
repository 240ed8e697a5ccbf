"""The period a figure counts over: one year (2025) or a span of years (2021–2026), both ends included.

Every figure counts a thing in the year it happened (a meeting in the year it started, an item in the year it was
handed over, a topic in its year), so a span's figure is the sum of its years'. Pages and lists take the period in
`?year=`: `2025`, or `2021-2026` for a span (`str(period)` is what they show, "2021–2026").
"""

from dataclasses import dataclass
from datetime import date, datetime

from django import forms
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

FIRST_YEAR, LAST_YEAR = 2000, 2100
DASHES = ("-", "–", "—", "~", "至")


@dataclass(frozen=True)
class Period:
    first: int
    last: int

    @classmethod
    def of(cls, value: "Period | int | str | None") -> "Period":
        """A period from a Period, a year, or the text of one (`parse`); this year for None."""
        if isinstance(value, Period):
            return value
        if value is None:
            year = timezone.localdate().year
            return cls(year, year)
        if isinstance(value, int):
            return cls(value, value)
        return parse(value)

    @property
    def is_span(self) -> bool:
        return self.first != self.last

    @property
    def years(self) -> range:
        return range(self.first, self.last + 1)

    @property
    def param(self) -> str:
        """For a link's `?year=`: `2025` or `2021-2026`."""
        return str(self.first) if not self.is_span else f"{self.first}-{self.last}"

    def __str__(self) -> str:
        return str(self.first) if not self.is_span else f"{self.first}–{self.last}"

    def bounds(self) -> tuple[datetime, datetime]:
        """The start of the first year and of the year after the last, in the portal's time zone."""
        return timezone.make_aware(datetime(self.first, 1, 1)), timezone.make_aware(datetime(self.last + 1, 1, 1))

    def days(self) -> tuple[date, date]:
        """The first and the last day of the period."""
        return date(self.first, 1, 1), date(self.last, 12, 31)

    def q(self, field: str) -> Q:
        """Rows whose date or datetime `field` (a lookup path) falls in the period."""
        return Q(**{f"{field}__year__gte": self.first, f"{field}__year__lte": self.last})

    def year_q(self, field: str) -> Q:
        """Rows whose year number `field` (e.g. a topic's `year`) falls in the period."""
        return Q(**{f"{field}__gte": self.first, f"{field}__lte": self.last})


def parse(text: str) -> Period:
    """`2025` or `2021-2026` (also with – or 至) as a Period; ValueError for anything else or out of range."""
    text = str(text).strip()
    for dash in DASHES:
        if dash in text[1:]:
            first, _sep, last = text.partition(dash)
            break
    else:
        first = last = text
    period = Period(int(first.strip()), int(last.strip()))
    if not FIRST_YEAR <= period.first <= period.last <= LAST_YEAR:
        raise ValueError(text)
    return period


class PeriodField(forms.CharField):
    """A list filter's `year`: one year or a span of years, cleaned to a Period (None when empty)."""

    default_error_messages = {"invalid": _("Enter a year such as 2025 or a span of years such as 2021-2026.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)
        self.widget.attrs.setdefault("maxlength", "12")

    def to_python(self, value):
        value = super().to_python(value)
        if value in self.empty_values:
            return None
        try:
            return parse(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class PeriodChoiceField(forms.ChoiceField):
    """A page's period select (`choices` the years and spans offered); any other well-formed period within the
    years offered is accepted too, so a link to 2022-2024 opens."""

    default_error_messages = PeriodField.default_error_messages

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        super().__init__(**kwargs)

    def valid_value(self, value):
        return True

    def clean(self, value):
        value = super().clean(value)
        if value in self.empty_values:
            return None
        try:
            period = parse(value)
        except ValueError:
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None
        offered = [parse(key) for key, _label in self.choices if key not in self.empty_values]
        if offered and not (
            min(p.first for p in offered) <= period.first and period.last <= max(p.last for p in offered)
        ):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return period


def choices(years: list[int]) -> list[tuple[str, str]]:
    """The periods a page offers: each year, newest first, then the span from the first year to the last."""
    found = [(str(y), str(y)) for y in years]
    if len(years) > 1:
        span = Period(min(years), max(years))
        found.append((span.param, str(span)))
    return found
