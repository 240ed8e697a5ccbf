from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    # The package is `sessions`; the label `sessions` belongs to django.contrib.sessions.
    name = "sessions"
    label = "consultations"
    verbose_name = _("Platforms and meetings")

    def ready(self):
        from consult_portal import imports, media

        from . import photo_access
        from .imports import CommitteeImporter, PlatformImporter

        media.protect("meetings", photo_access.may_view)
        imports.register(PlatformImporter)
        imports.register(CommitteeImporter)
