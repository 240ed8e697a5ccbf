from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    # The package is `sessions`; the label `sessions` belongs to django.contrib.sessions.
    name = "sessions"
    label = "consultations"
    verbose_name = _("Platforms and meetings")
