"""Writes of residents' satisfaction (群众评商): a resident's answer to a published result, and the tallies of
field visits and paper questionnaires that staff enter."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from consult_portal import audit, phone_codes
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


def _taking_answers(item: OutcomeItem) -> None:
    if not satisfaction_survey_open(item):
        raise ValidationError(_("This result has not been published yet."))
    if satisfaction_survey_closed(item):
        raise ValidationError(_("This survey has closed."), code="closed")


def code_purpose(item: OutcomeItem) -> str:
    return f"survey:{item.pk}"


def address_key(address: str) -> str:
    """A keyed hash of the client address: answers from one address can be grouped without keeping it."""
    return salted_hmac("outcomes.survey.address", address or "", algorithm="sha256").hexdigest()[:16]


def survey_send_code(*, item: OutcomeItem, phone: str, address: str) -> None:
    """Send the resident a one-time code confirming `phone` for this item's survey (limits: phone_codes)."""
    _taking_answers(item)
    phone_codes.send(phone=phone, purpose=code_purpose(item), address=address)


def survey_answer_verified(
    *,
    item: OutcomeItem,
    phone: str,
    code: str,
    rating: int,
    comment: str = "",
    village=None,
    browser_token: str = "",
    address: str = "",
) -> tuple[SatisfactionResponse, bool]:
    """A verified answer: the code sent to `phone` confirms it. One per phone and item; a second answer from the
    same phone replaces the first until the survey closes (the latest counts). Returns (answer, changed)."""
    _taking_answers(item)
    phone_codes.confirm(phone=phone, purpose=code_purpose(item), code=code)  # counts wrong tries: outside atomic
    fields = {
        "rating": rating,
        "comment": comment.strip(),
        "village": village,
        "verified": True,
        "browser_token": browser_token,
        "address_key": address_key(address),
    }
    with transaction.atomic():
        answer = SatisfactionResponse.objects.select_for_update().filter(item=item, phone=phone).first()
        if answer is None:
            try:
                with transaction.atomic():
                    return SatisfactionResponse.objects.create(item=item, phone=phone, **fields), False
            except IntegrityError:  # the same phone's other tab won the race: change that one
                answer = SatisfactionResponse.objects.select_for_update().get(item=item, phone=phone)
        for name, value in fields.items():
            setattr(answer, name, value)
        answer.updated_at = timezone.now()
        answer.save(update_fields=[*fields, "updated_at"])
        return answer, True


def survey_respond(
    *, item: OutcomeItem, rating: int, comment: str = "", village=None, browser_token: str = "", address: str = ""
) -> SatisfactionResponse:
    """Record an answer without a confirmed phone: kept, one per browser, shown apart as unverified; it does not
    count in the satisfaction rate."""
    _taking_answers(item)
    if not browser_token:
        raise ValidationError(_("A response needs a phone number or a browser token."))
    try:
        with transaction.atomic():
            return SatisfactionResponse.objects.create(
                item=item,
                rating=rating,
                comment=comment.strip(),
                village=village,
                browser_token=browser_token,
                address_key=address_key(address),
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
