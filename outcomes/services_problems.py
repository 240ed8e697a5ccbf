"""Problems solved (解决问题): an outcome item may solve several of residents' problems; the seeds count them
(558 problems from 490 outcomes). Given at the hand-over (default 1), corrected on the item's page, audited."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from consult_portal import audit

from .models import OutcomeItem


def check_problems_solved(problems_solved) -> None:
    if not isinstance(problems_solved, int) or problems_solved < 1:
        message = _("An outcome solves at least one problem: enter 1 or more.")
        raise ValidationError({"problems_solved": ValidationError(message, code="too_few_problems")})


@transaction.atomic
def outcome_set_problems_solved(*, item: OutcomeItem, problems_solved: int, by) -> OutcomeItem:
    """Correct how many problems `item` solves; a change is audited with the number before."""
    check_problems_solved(problems_solved)
    item = OutcomeItem.objects.select_for_update().get(pk=item.pk)
    if item.problems_solved == problems_solved:
        raise ValidationError(_("The item already solves %(count)s problems.") % {"count": problems_solved})
    before = {"problems_solved": item.problems_solved}
    item.problems_solved = problems_solved
    item.save(update_fields=["problems_solved"])
    audit.record(
        actor=by, action="outcome_problems_solved", obj=item, before=before, after={"problems_solved": problems_solved}
    )
    return item
