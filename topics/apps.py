from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TopicsConfig(AppConfig):
    name = "topics"
    verbose_name = _("Topics")

    def ready(self):
        from consult_portal import media

        from . import photo_access

        media.protect("topics", photo_access.may_view)
