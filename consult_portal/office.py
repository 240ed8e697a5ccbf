"""The office's settings, read in one place: `current()` gives every value resolved, the office's own (saved on
its settings page, `OfficeSettings`) or else the installation's default (the environment, else the generic word).

    from consult_portal import office
    office.current().meetings_per_town_target

The stored row is kept in the cache (shared by every process when REDIS_URL is set) and forgotten when it is
saved, so a page reads it without a query; the defaults are resolved at each call, in the reader's language.
"""

import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from .privacy import MIN_RETENTION_MONTHS

logger = logging.getLogger(__name__)
CACHE_KEY = "portal:office-settings:1"
# A bound on how long a value read just before another process saved could stay; a save forgets it at once.
CACHE_SECONDS = 300
# And within a process, what was read stays for a second: a scan over thousands of items asks once, not each time;
# half a minute when the cache did not answer, so that a hung Redis does not cost every request its timeout.
MEMO_SECONDS = 1.0
MEMO_SECONDS_CACHE_DOWN = 30.0
_memo: tuple[float, dict] | None = None  # (until, values)
_DOWN = object()
FIELDS = (
    "office_name",
    "masthead",
    "county_name",
    "county_word",
    "county_level_word",
    "whole_county_word",
    "contact_phone",
    "meetings_per_town_target",
    "outcome_reminder_days",
    "base_url",
    "retention_months",
)


@dataclass(frozen=True)
class Office:
    office_name: str  # on every page and printed notice, and the author of documents
    masthead: str  # the red line heading a Word document
    county_name: str  # 沙湾区; empty when not given
    county_word: str  # 县 / 区: the county as one word
    county_level_word: str  # 县级 / 区级: the county's level (members, the dashboard's county row)
    whole_county_word: str  # 全县 / 全区: the whole county (totals, county-wide items)
    county_wide_items: str  # 全县性事项 / 全区性事项: the outcome items of no town
    contact_phone: str  # shown on refusal and error pages; empty: none shown
    meetings_per_town_target: int
    outcome_reminder_days: tuple[int, ...]  # days before a deadline, largest first; empty: no reminders
    base_url: str  # the public address, without a trailing slash
    retention_months: int


def parse_days(text: str) -> tuple[int, ...]:
    """"7,3,1" (or "7，3，1", "7 3 1") as (7, 3, 1): the positive days, largest first. Raises ValueError."""
    parts = text.replace("，", ",").replace("、", ",").replace(" ", ",").split(",")
    return days_in_order(int(part) for part in parts if part.strip())


def days_in_order(days) -> tuple[int, ...]:
    return tuple(sorted({day for day in days if day > 0}, reverse=True))


def defaults() -> Office:
    """The installation's defaults: what a blank field of the settings page means."""
    return resolve({})


def resolve(values: dict) -> Office:
    """The stored values (`FIELDS`, blank or None where not set) completed with the defaults."""
    county_name = values.get("county_name") or ""
    county_word = values.get("county_word") or pgettext("the county as one word", "county")
    if values.get("office_name"):
        office_name = values["office_name"]
    elif settings.PORTAL_OFFICE_NAME:
        office_name = settings.PORTAL_OFFICE_NAME
    elif county_name or values.get("county_word"):
        office_name = _("%(county)s CPPCC Office") % {"county": county_name or county_word}
    else:
        office_name = _("County CPPCC Office")
    days = values.get("outcome_reminder_days") or ""
    whole = values.get("whole_county_word")
    return Office(
        office_name=office_name,
        masthead=values.get("masthead") or office_name,
        county_name=county_name,
        county_word=county_word,
        county_level_word=values.get("county_level_word") or _("County level"),
        whole_county_word=whole or _("Whole county"),
        county_wide_items=(
            pgettext("county-wide", "%(whole)s items") % {"whole": whole} if whole else _("County-wide items")
        ),
        contact_phone=values.get("contact_phone") or settings.PORTAL_CONTACT_PHONE,
        meetings_per_town_target=values.get("meetings_per_town_target") or settings.MEETINGS_PER_TOWN_TARGET,
        outcome_reminder_days=parse_days(days) if days else days_in_order(settings.OUTCOME_REMINDER_DAYS),
        base_url=(values.get("base_url") or settings.PORTAL_BASE_URL).rstrip("/"),
        retention_months=max(
            values.get("retention_months") or settings.SUBMITTER_RETENTION_MONTHS, MIN_RETENTION_MONTHS
        ),
    )


def stored() -> dict:
    """The office's saved values (an empty dict before the first save), from the cache or else the database."""
    global _memo
    now = time.monotonic()
    if _memo is not None and now < _memo[0]:
        return _memo[1]
    values = _cache("get", CACHE_KEY)
    down = values is _DOWN
    if values is None or down:
        from .models import OfficeSettings

        values = OfficeSettings.objects.filter(pk=1).values(*FIELDS).first() or {}
        if not down:
            _cache("set", CACHE_KEY, values, CACHE_SECONDS)
    _memo = (now + (MEMO_SECONDS_CACHE_DOWN if down else MEMO_SECONDS), values)
    return values


def _cache(operation: str, *args):
    """The cache's answer, or _DOWN when it does not answer (Redis down or hung): pages then read the database."""
    try:
        return getattr(cache, operation)(*args)
    except Exception as exc:  # noqa: BLE001 - any cache backend's connection error
        logger.warning("Office settings: the cache did not answer (%s): %s", operation, exc)
        return _DOWN


def current() -> Office:
    return resolve(stored())


def cached() -> Office:
    """`current()` without going to the database: for the 500 page, which may be shown because the database is
    down. Whatever the cache does not hold (or a cache that does not answer) gives the defaults."""
    values = _cache("get", CACHE_KEY)
    return resolve(values if isinstance(values, dict) else {})


def forget() -> None:
    """After a save: the next read goes to the database, now and again once the transaction commits (a process
    reading before the commit would cache the old row)."""
    _forget_cached()
    transaction.on_commit(_forget_cached)


def _forget_cached() -> None:
    global _memo
    _memo = None
    _cache("delete", CACHE_KEY)


def assume_unsaved() -> None:
    """Cache "nothing saved yet" without asking the database: for a fresh (test) database, whose pages then count
    the same queries as before the first save."""
    global _memo
    _memo = None
    _cache("set", CACHE_KEY, {}, CACHE_SECONDS)
