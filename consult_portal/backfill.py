"""History entry (补录): records of what happened before the portal, entered later by the office with their real
dates. Each such record says who entered it and when (`Backfilled`); the staff pages show it as 补录 and the audit
keeps the entry (`audit.record(action="…_backfill")`).

The base imports no app: the apps' models inherit `Backfilled`, their history services call `mark`.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Backfilled(models.Model):
    """Who entered the record through history entry, and when; both empty for a record made as it happened."""

    backfilled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered later by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    backfilled_at = models.DateTimeField(_("entered later at"), null=True, blank=True)

    class Meta:
        abstract = True

    @property
    def is_backfilled(self) -> bool:
        return self.backfilled_at is not None


def mark(obj: Backfilled, by) -> None:
    """Mark `obj` (not saved here) as entered later by `by`, now."""
    obj.backfilled_by = by if by is not None and by.is_authenticated else None
    obj.backfilled_at = timezone.now()
