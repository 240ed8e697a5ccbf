from django.conf import settings
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _

from .access import capabilities
from .models import Notification


def portal(request):
    user = getattr(request, "user", None)
    unread = 0
    if user is not None and user.is_authenticated:
        unread = Notification.objects.filter(
            recipient=user, channel=Notification.Channel.INAPP, status=Notification.Status.SENT, read_at__isnull=True
        ).count()
    return {
        "office_name": settings.PORTAL_OFFICE_NAME or _("County CPPCC Office"),
        "unread_notifications": unread,
        # The capability map of consult_portal.access, the same set the views ask: `{% if "meetings.change" in caps %}`.
        # Lazy, so the roles are looked up only on the pages whose navigation or buttons ask.
        "caps": SimpleLazyObject(lambda: capabilities(user)),
    }
