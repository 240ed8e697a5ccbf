from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class OutcomesConfig(AppConfig):
    name = "outcomes"
    verbose_name = _("Outcomes")

    def ready(self):
        from consult_portal import media

        from . import photo_access

        media.protect("outcomes", photo_access.may_view)
