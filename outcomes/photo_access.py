"""Who may see a progress report's photos (served by consult_portal.media): everybody once the item's result is
published (the public outcome page shows its progress), and until then whoever may open the item: staff (liaison
staff: their town's), the unit handling it, the members supervising it."""

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404

from consult_portal.access import can

from .models import OutcomeItem, ProgressPhoto
from .selectors import item_for_user, supervised_item_for_user, unit_item_for_user

_READERS = (
    ("outcomes.view", item_for_user),
    ("units.report", unit_item_for_user),
    ("workspace.use", supervised_item_for_user),
)


def may_view(request, name: str) -> bool:
    photos = ProgressPhoto.objects.filter(Q(image=name) | Q(thumbnail=name))
    item_id = photos.values_list("update__item_id", flat=True).first()
    if item_id is None:
        return False
    if OutcomeItem.objects.filter(pk=item_id, published_at__isnull=False).exists():
        return True
    for capability, item_for in _READERS:
        if can(request.user, capability):
            try:
                item_for(request, item_id)  # 404 when this user may not open the item
            except (Http404, PermissionDenied):
                continue
            return True
    return False
