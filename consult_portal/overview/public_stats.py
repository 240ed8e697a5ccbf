"""The public statistics: /stats/ and its open-data CSV, for a year or a span of years (#7, #14, #16).

Counts only, never a name or a phone. The figures are `stats.compute`'s, the same as the dashboard's: each town's
row, the county level's row, and the whole county's, which the rows add up to.
"""

from django import forms
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET

from consult_portal import office, page_cache, periods
from consult_portal.forms import CleanTextMixin
from consult_portal.periods import Period
from consult_portal.spreadsheets import csv_download

from . import cached, stats


class PublicStatsForm(CleanTextMixin, forms.Form):
    year = periods.PeriodChoiceField(label=gettext_lazy("Year"))

    def __init__(self, *args, years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = periods.choices(years)
        self.fields["year"].widget.attrs["class"] = "form-select"


def _rows(dash: stats.Dashboard, *, text: bool) -> list[dict]:
    """Each town's row and the county level's: they add up to the whole county's."""
    rows = [stats.public_row(f, f.town.name, text=text) for f in dash.by_town]
    rows.append(stats.public_row(dash.county_wide, office.current().county_level_word, text=text))
    return rows


def _cells(row: dict) -> dict:
    """A row for the page's table: its name and its cells in the columns' order."""
    return {"town": row["town"], "cells": [row[key] for key, _label in stats.PUBLIC_COLUMNS[1:]]}


@require_GET
@page_cache.public("stats")
def public_stats(request):
    form = PublicStatsForm(request.GET or None, years=cached.years())
    period = Period.of((form.cleaned_data.get("year") if form.is_valid() else None) or timezone.localdate().year)
    dash = cached.compute(period=period, members=False)
    total = stats.public_row(dash.total, office.current().whole_county_word)
    return render(
        request,
        "portal/public/stats.html",
        {
            "form": form,
            "year": period,
            "period": period,
            "total": total,
            "total_row": _cells(total),
            "total_figures": dash.total,
            "rows": [_cells(row) for row in _rows(dash, text=True)],
            "columns": stats.PUBLIC_COLUMNS,
        },
    )


def _csv(period: Period):
    if not stats.FIRST_YEAR <= period.first <= period.last <= timezone.localdate().year:
        raise Http404
    dash = cached.compute(period=period, members=False)
    keys = [key for key, _label in stats.PUBLIC_COLUMNS]
    rows = [stats.public_row(dash.total, office.current().whole_county_word, text=False), *_rows(dash, text=False)]
    response, _count = csv_download(
        filename=f"consultation-stats-{period.param}.csv",
        header=[_("Year"), *(str(label) for _key, label in stats.PUBLIC_COLUMNS)],
        rows=([period.param, *(row[key] for key in keys)] for row in rows),
    )
    return response


@require_GET
@page_cache.public("stats-csv")
def public_csv(request, year: int):
    """Open data: the county's and each town's figures of a year, UTF-8 with a BOM so that Excel reads the Chinese;
    numbers in the numeric columns, rates as percentages, an empty cell where there is none."""
    return _csv(Period(year, year))


@require_GET
@page_cache.public("stats-span-csv")
def public_span_csv(request, first: int, last: int):
    """The same for a span of years (/stats/2021-2026.csv): each figure the sum of the span's years."""
    if first > last:
        raise Http404
    return _csv(Period(first, last))
