from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = _("Outcomes")

    def ready(self):
        from consult_portal import imports, media

        from . import photo_access
        from .history_import import OutcomeLedgerImporter
        from .history_import_meetings import MeetingLedgerImporter

        media.protect("outcomes", photo_access.may_view)
        imports.register(MeetingLedgerImporter)
        imports.register(OutcomeLedgerImporter)
