"""Per-year document numbers (文号) such as 2026-交-017: the 17th assignment sheet (交办单) handed over in 2026.

A number is given once, by the service that creates the document, inside its transaction (`next_number`), and
stored on the row; the counter row of the kind and year is locked meanwhile, so two hand-overs at the same moment
get two numbers, and a step that fails gives its number back with the rest of its transaction.
"""

from django.db import transaction
from django.utils import timezone

from .models import DocumentCounter

# The kinds of numbered documents and the character of each in its number.
ASSIGNMENT = "交"  # 交办单: an outcome item handed over to a unit
NOTICE = "通"  # 协商通知: a meeting's notice, once published


def format_number(year: int, kind: str, sequence: int) -> str:
    return f"{year}-{kind}-{sequence:03d}"


@transaction.atomic
def next_number(kind: str, *, year: int | None = None) -> str:
    """The next number of `kind` in `year` (the current local year by default)."""
    year = year or timezone.localdate().year
    DocumentCounter.objects.get_or_create(kind=kind, year=year)
    counter = DocumentCounter.objects.select_for_update().get(kind=kind, year=year)
    counter.last += 1
    counter.save(update_fields=["last"])
    return format_number(year, kind, counter.last)
