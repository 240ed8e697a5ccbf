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
        from . import cache_versions, imports, signals  # noqa: F401 - signals: its receivers connect when imported
        from .importers.areas import AreaImporter
        from .importers.units import SectorImporter, UnitImporter

        for importer in (AreaImporter, SectorImporter, UnitImporter):
            imports.register(importer)
        cache_versions.install()

        if settings.CELERY_TASK_ALWAYS_EAGER:
            logger.info("REDIS_URL is not set: Celery tasks run in-process (eager mode).")


class PortalAdminConfig(AdminConfig):
    default_site = "consult_portal.admin_site.PortalAdminSite"
