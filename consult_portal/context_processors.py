from django.conf import settings
from django.utils.translation import gettext as _

from .models import Notification, Role


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
        # A callable, so the role is looked up only on the pages whose navigation asks for it.
        "is_unit_user": lambda: bool(user is not None and user.is_authenticated and user.has_role(Role.UNIT)),
        "is_office_user": lambda: bool(user is not None and user.is_authenticated and user.has_role(Role.OFFICE)),
    }
