import logging

from django.apps import AppConfig
from django.conf import settings
from django.contrib.admin.apps import AdminConfig
from django.utils.translation import gettext_lazy as _

logger = logging.getLogger(__name__)


class PortalConfig(AppConfig):
    name = "consult_portal"
    label = "portal"
    verbose_name = _("Portal")

    def ready(self):
        from . import signals  # noqa: F401

        if settings.CELERY_TASK_ALWAYS_EAGER:
            logger.info("REDIS_URL is not set: Celery tasks run in-process (eager mode).")


class PortalAdminConfig(AdminConfig):
    default_site = "consult_portal.admin_site.PortalAdminSite"
