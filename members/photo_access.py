"""Who may see a member's photo (served by consult_portal.media): everybody while the member is active (their public
duty-code page shows it), and staff who may see the member in the registry (liaison staff: those sunk into their
town) once they are not."""

from consult_portal.access import can

from .models import Member
from .selectors import registry_member_for_user


def may_view(request, name: str) -> bool:
    member = Member.objects.filter(photo=name).only("pk", "is_active").first()
    if member is None:
        return False
    if member.is_active:
        return True
    if not can(request.user, "members.view"):
        return False
    registry_member_for_user(request, member.pk)  # 404 outside the user's town
    return True
