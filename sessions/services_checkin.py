"""Honest check-in (#16): who may check in, how a resident proves their phone, and what staff do at the door.

- A member checks in with their login through today's code, only to a meeting they were invited to or that is open
  to all members (`Meeting.open_to_members`), within the window (`services.checkin_open`).
- A resident gives a name and a mobile confirmed by a one-time SMS code (`consult_portal.phone_codes`), or staff
  enter them at the door.
- Staff strike a check-in of someone who was not there, with a reason; it is kept and never counted
  (`models.checked_in_q`). Staff replace the code's secret when a code must stop working at once.
Every staff step is audited.
"""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from consult_portal import audit, phone_codes
from members.models import Member

from .models import Meeting, Participant, new_checkin_token
from .services import PARTICIPANT_FIELDS, checkin_open

CM = Participant.CheckinMethod
CHECKIN_FIELDS = [*PARTICIPANT_FIELDS, "checkin_method", "struck_at", "strike_reason"]


def _open_meeting(meeting: Meeting) -> Meeting:
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    if not checkin_open(meeting):
        raise ValidationError(_("Check-in for this meeting is not open."), code="closed")
    return meeting


def _mark(participant: Participant, method: str) -> Participant:
    """Checking in twice keeps the first time and the first way."""
    if participant.checked_in_at is None:
        participant.checked_in_at = timezone.now()
        participant.checkin_method = method
        participant.save(update_fields=["checked_in_at", "checkin_method"])
    return participant


def code_purpose(meeting: Meeting) -> str:
    return f"checkin:{meeting.pk}"


@transaction.atomic
def member_check_in(*, meeting: Meeting, member: Member) -> Participant:
    """A member by their login: only when invited, or when the meeting is open to all members."""
    meeting = _open_meeting(meeting)
    participant = Participant.objects.filter(meeting=meeting, member=member).first()
    if participant is None or not participant.invited:
        if not meeting.open_to_members:
            raise ValidationError(
                _("You were not invited to this meeting, so you cannot check in to it. Ask the staff at the door."),
                code="not_invited",
            )
        if participant is None:
            participant = Participant.objects.create(
                meeting=meeting, kind=Participant.Kind.MEMBER, member=member, invited=False
            )
    return _mark(participant, CM.LOGIN)


def resident_send_code(*, meeting: Meeting, phone: str, address: str) -> None:
    if not checkin_open(meeting):
        raise ValidationError(_("Check-in for this meeting is not open."), code="closed")
    phone_codes.send(phone=phone, purpose=code_purpose(meeting), address=address)


def _resident(meeting: Meeting, name: str, phone: str, kind: str = "") -> Participant:
    """The invited resident (or other non-member) of that name and phone, or a new participant who came."""
    participant = (
        Participant.objects.filter(meeting=meeting, member__isnull=True, name=name, phone=phone).order_by("pk").first()
    )
    if participant is None:
        participant = Participant.objects.create(
            meeting=meeting,
            kind=kind or Participant.Kind.RESIDENT,
            name=name,
            phone=phone,
            invited=False,
            response=Participant.Response.YES,
        )
    return participant


def resident_check_in(*, meeting: Meeting, name: str, phone: str, code: str) -> Participant:
    """A resident with the code sent to their phone."""
    if not name.strip():
        raise ValidationError(_("Give your name to check in."))
    if not checkin_open(meeting):
        raise ValidationError(_("Check-in for this meeting is not open."), code="closed")
    phone_codes.confirm(phone=phone, purpose=code_purpose(meeting), code=code)  # counts wrong tries: outside atomic
    with transaction.atomic():
        meeting = _open_meeting(meeting)
        return _mark(_resident(meeting, name.strip(), phone), CM.SMS)


@transaction.atomic
def door_check_in(*, meeting: Meeting, name: str, phone: str = "", kind: str = "", by) -> Participant:
    """Staff enter someone at the door, during the check-in window or while the meeting is held."""
    meeting = _open_meeting(meeting)
    if not name.strip():
        raise ValidationError(_("Give the name of the person who came."))
    if kind == Participant.Kind.MEMBER:
        raise ValidationError(_("Members check in from the list of participants."))
    participant = _mark(_resident(meeting, name.strip(), phone, kind), CM.STAFF)
    audit.record(actor=by, action="checkin_door", obj=meeting, after=audit.snapshot(participant, CHECKIN_FIELDS))
    return participant


@transaction.atomic
def checkin_strike(*, participant: Participant, reason: str, by) -> Participant:
    """Strike a check-in of someone who was not there: kept, with who struck it and why, and never counted."""
    participant = Participant.objects.select_for_update().select_related("meeting").get(pk=participant.pk)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why this check-in is struck.")})
    if participant.checked_in_at is None or participant.struck_at is not None:
        raise ValidationError(_("Only a check-in that counts can be struck."))
    before = audit.snapshot(participant, CHECKIN_FIELDS)
    participant.struck_at, participant.struck_by, participant.strike_reason = timezone.now(), by, reason
    participant.save(update_fields=["struck_at", "struck_by", "strike_reason"])
    after = audit.snapshot(participant, CHECKIN_FIELDS)
    audit.record(actor=by, action="checkin_strike", obj=participant.meeting, before=before, after=after)
    return participant


@transaction.atomic
def checkin_token_replace(*, meeting: Meeting, by) -> Meeting:
    """A new secret for the meeting's code: every code shown or printed before stops working at once."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    meeting.checkin_token = new_checkin_token()
    meeting.save(update_fields=["checkin_token"])
    audit.record(actor=by, action="checkin_code_replace", obj=meeting, after={"meeting": meeting.pk})
    return meeting


@transaction.atomic
def meeting_open_to_members(*, meeting: Meeting, open_to_members: bool, by) -> Meeting:
    """Whether members who were not invited may check in (a meeting of all members)."""
    meeting = Meeting.objects.select_for_update().get(pk=meeting.pk)
    before = {"open_to_members": meeting.open_to_members}
    meeting.open_to_members = bool(open_to_members)
    meeting.save(update_fields=["open_to_members"])
    after = {"open_to_members": meeting.open_to_members}
    audit.record(actor=by, action="meeting_open_to_members", obj=meeting, before=before, after=after)
    return meeting
