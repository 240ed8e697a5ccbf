"""Who may see a meeting's photos (served by consult_portal.media): everybody once the public meeting page shows
them (a public meeting that was held), and until then staff who may see the meeting (liaison staff: their town's)."""

from consult_portal.access import can

from .models import MeetingPhoto, held_q
from .selectors import meeting_for_user
from .selectors_public import public_meetings


def may_view(request, name: str) -> bool:
    meeting_id = MeetingPhoto.objects.filter(image=name).values_list("meeting_id", flat=True).first()
    if meeting_id is None:
        return False
    if public_meetings().filter(held_q(), pk=meeting_id).exists():
        return True
    if not can(request.user, "meetings.view"):
        return False
    meeting_for_user(request, meeting_id)  # 404 outside the user's town
    return True
