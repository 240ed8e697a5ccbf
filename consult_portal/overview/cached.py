"""The combined pages' figures, kept in the cache until the rows they count change (issue #17).

Each function here is the overview function of the same name, its result kept by `consult_portal.cache_versions`
under (figure, its arguments, today, the language, the data version): any committed write to a counted table moves
the version on, so a page never shows a figure older than the last write. The definitions stay where they are
(`stats`, `selectors`, `assessment`, `performance`); this module only decides what is kept and under which key.
"""

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from django.utils import timezone

from consult_portal.cache_versions import cached
from consult_portal.periods import Period
from members.models import Member, PerformanceWeights

from . import assessment, performance, selectors, stats


def compute(*, year=None, period=None, town=None, members: bool = True) -> stats.Dashboard:
    """stats.compute: the period's figures of the dashboard, /stats/ and their downloads."""
    period = Period.of(period if period is not None else year)
    return cached(
        "stats.compute",
        period.param,
        town,
        members,
        compute=lambda: stats.compute(period=period, town=town, members=members),
    )


def years() -> list[int]:
    return cached("stats.years", compute=stats.years)


def back_office_counts(*, town=None) -> dict:
    """selectors.back_office_counts; "upcoming" depends on the clock, so its three counts are kept for a minute at
    most; the year's figures are the dashboard's, kept until a write (not computed again each minute)."""
    minute = timezone.now().replace(second=0, microsecond=0)
    return cached(
        "back_office_counts",
        town,
        minute.isoformat(),
        compute=lambda: selectors.back_office_counts(town=town, figures=compute(town=town)),
        timeout=60,
    )


def _weights_key(weights) -> tuple:
    return tuple(getattr(weights, field.attname) for field in weights._meta.concrete_fields)


def assessment_ranking(*, year: int, weights) -> list:
    """assessment.ranking: every station's score for `year` with these weights."""
    return cached(
        "assessment.ranking",
        year,
        *_weights_key(weights),
        compute=lambda: assessment.ranking(year=year, weights=weights),
    )


@dataclass(frozen=True)
class _Ranked:
    pk: int
    counts: tuple  # ACTIVITIES' counts, in order, then the points


class PerformanceRanking:
    """performance.ranking as a sequence for the Paginator: the ranked counts from the cache, read at the first
    len() or index (not when built: a page whose table is kept rendered never asks), and for the page shown only,
    its members from the database (one query)."""

    def __init__(self, load: Callable[[], list[_Ranked]]):
        self._load = load

    @cached_property
    def rows(self) -> list[_Ranked]:
        return self._load()

    def __len__(self) -> int:
        return len(self.rows)

    def count(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        rows = self.rows[index]
        if not isinstance(index, slice):
            return self._members([rows])[0]
        return self._members(rows)

    @staticmethod
    def _members(rows: list[_Ranked]) -> list[Member]:
        found = Member.objects.select_related("sector").in_bulk([row.pk for row in rows])
        members = []
        for row in rows:
            member = found.get(row.pk)
            if member is None:  # removed since: the next write moved the version on anyway
                continue
            for (name, _weight), value in zip(performance.ACTIVITIES, row.counts, strict=False):
                setattr(member, name, value)
            member.points = row.counts[-1]
            members.append(member)
        return members


def performance_ranking(*, year: int, town=None, weights) -> PerformanceRanking:
    """performance.ranking for the page: the members' counts and points, best first."""

    def ranked() -> list[_Ranked]:
        names = [name for name, _weight in performance.ACTIVITIES]
        rows = performance.ranking(year=year, town=town, weights=weights).values_list("pk", *names, "points")
        return [_Ranked(pk, tuple(rest)) for pk, *rest in rows]

    return PerformanceRanking(lambda: cached("performance.ranking", year, town, *_weights_key(weights), compute=ranked))


def member_record(*, member: Member, year: int) -> Member | None:
    """performance.member_record, kept: the member's counts and points for `year`.

    Computed for the member alone (the ranking's query for one row, 20-60 ms at 100x the county), not taken from
    the county's ranking, whose first read after a write takes about half a second there."""
    weights = PerformanceWeights.current()
    (record,) = cached(
        "performance.member",
        year,
        member.pk,
        *_weights_key(weights),
        compute=lambda: (performance.member_record(member=member, year=year),),  # a tuple: None is kept too
    )
    return record


def county_level(*, year: int):
    """assessment.county_level: the assessment's row of the county's own level for `year`."""
    return cached("assessment.county_level", year, compute=lambda: assessment.county_level(year=year))
