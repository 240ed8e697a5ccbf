"""Writes of residents' satisfaction (群众评商): a resident's answer to a published result, and the tallies of
field visits and paper questionnaires that staff enter."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consult_portal import audit
from consult_portal.privacy import months_before, retention_months

from .models import OutcomeEvent, OutcomeItem, SatisfactionResponse, SurveyTally
from .services import _event

EK = OutcomeEvent.Kind


def satisfaction_survey_open(item: OutcomeItem) -> bool:
    return item.published_at is not None


def satisfaction_survey_closed(item: OutcomeItem, now=None) -> bool:
    """A published result takes answers until its answers' phones are purged (SUBMITTER_RETENTION_MONTHS after
    publication): after that, one answer per person could no longer be told."""
    if item.published_at is None:
        return False
    return item.published_at < months_before(now or timezone.now(), retention_months())


def survey_respond(
    *, item: OutcomeItem, rating: int, comment: str = "", village=None, phone: str = "", browser_token: str = ""
) -> SatisfactionResponse:
    """Record one resident's score. One response per phone number, or without one per browser."""
    if not satisfaction_survey_open(item):
        raise ValidationError(_("This result has not been published yet."))
    if satisfaction_survey_closed(item):
        raise ValidationError(_("This survey has closed."), code="closed")
    if not phone and not browser_token:
        raise ValidationError(_("A response needs a phone number or a browser token."))
    try:
        with transaction.atomic():
            return SatisfactionResponse.objects.create(
                item=item,
                rating=rating,
                comment=comment.strip(),
                village=village,
                phone=phone,
                browser_token="" if phone else browser_token,
            )
    except IntegrityError:
        raise ValidationError(
            _("Thank you, a response for this result has already been recorded from this phone or browser."),
            code="duplicate",
        ) from None


@transaction.atomic
def survey_tally_add(*, item: OutcomeItem, by, **counts) -> SurveyTally:
    """Staff enter the results of a field visit or a paper questionnaire."""
    if not satisfaction_survey_open(item):
        raise ValidationError(_("Publish the result before entering survey results."))
    tally = SurveyTally(item=item, entered_by=by, **counts)
    total = sum(getattr(tally, name) for name in SurveyTally.COUNTS)
    if total != tally.sample_size:
        raise ValidationError(
            ngettext(
                "The counts add up to %(total)d, not to the %(size)d person asked.",
                "The counts add up to %(total)d, not to the %(size)d people asked.",
                tally.sample_size,
            )
            % {"total": total, "size": tally.sample_size}
        )
    tally.save()
    audit.record(
        actor=by, action="outcome_tally", obj=item, after={"tally": tally.pk, **counts} | {"date": str(tally.date)}
    )
    _event(item, EK.TALLY, by, f"{tally.get_method_display()} {tally.date}: {tally.sample_size}")
    return tally
