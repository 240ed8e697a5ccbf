from django.utils.functional import SimpleLazyObject

from . import office as office_settings
from .access import capabilities, viewer_key
from .models import Notification


def portal(request):
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = Notification.objects.filter(
            recipient=user, channel=Notification.Channel.INAPP, status=Notification.Status.SENT, read_at__isnull=True
        ).count()
    office = office_settings.current()
    return {
        # The office's settings (consult_portal.office): `{{ office.whole_county_word }}`, `{{ office.contact_phone }}`.
        "office": office,
        "office_name": office.office_name,
        "unread_notifications": unread,
        # The capability map of consult_portal.access, the same set the views ask: `{% if "meetings.change" in caps %}`.
        # Lazy, so the roles are looked up only on the pages whose navigation or buttons ask.
        "caps": SimpleLazyObject(lambda: capabilities(user)),
        # Who looks, for the key of a kept rendering: `{% figures_cache "topics" viewer request.get_full_path %}`.
        "viewer": SimpleLazyObject(lambda: viewer_key(user)),
    }
