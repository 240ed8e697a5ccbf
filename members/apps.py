from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MembersConfig(AppConfig):
    name = "members"
    verbose_name = _("Members")

    def ready(self):
        from consult_portal import imports, media

        from . import photo_access
        from .imports import MemberImporter
        from .imports_logins import LoginImporter

        media.protect("members", photo_access.may_view)
        imports.register(MemberImporter)
        imports.register(LoginImporter)
