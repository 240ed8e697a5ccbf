import time

from django.conf import settings
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from consult_portal import demo
from consult_portal.demo.data import LOGINS
from consult_portal.models import Area, User


def check_demo_password() -> None:
    """DEMO_PASSWORD against the password policy (AUTH_PASSWORD_VALIDATORS), as each demo login would have it."""
    problems = []
    for username, _role, display in LOGINS:
        user = User(username=username, first_name=display, email=f"{username}@demo.invalid")
        try:
            password_validation.validate_password(settings.DEMO_PASSWORD, user)
        except ValidationError as error:
            problems += [message for message in error.messages if message not in problems]
    if problems:
        raise CommandError(
            _("DEMO_PASSWORD does not meet the password policy: %(problems)s Nothing was changed.")
            % {"problems": " ".join(problems)}
        )


class Command(BaseCommand):
    help = (
        "Load the demo county (towns, platforms, members, topics, meetings, outcomes) and the demo logins, whose "
        "passwords it sets to DEMO_PASSWORD. Runs only with DEBUG on, unless --allow-production is given."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Leave a database that holds other areas than the demo county untouched (used by make run).",
        )
        parser.add_argument(
            "--allow-production",
            action="store_true",
            help=(
                "Run with DEBUG off too. The demo logins, office included, get the published DEMO_PASSWORD and lose "
                "any forced change: only for a demonstration or test installation, never for the real one."
            ),
        )

    def handle(self, *args, **options):
        if not settings.DEBUG and not options["allow_production"]:
            raise CommandError(
                _(
                    "DEBUG is off: seed_demo would give the demo logins, office included, the published demo "
                    "password. Nothing was changed. Use it in development (make run sets DEBUG=1), or add "
                    "--allow-production for a demonstration installation."
                )
            )
        check_demo_password()
        if options["if_empty"] and Area.objects.exclude(code__startswith=demo.COUNTY_CODE).exists():
            self.stdout.write(_("The database holds other data: the demo county was not loaded."))
            return
        started = time.monotonic()
        created = demo.seed()
        seconds = time.monotonic() - started
        if created:
            self.stdout.write(self.style.SUCCESS(_("Demo data created in %(seconds).1f s.") % {"seconds": seconds}))
        else:
            self.stdout.write(self.style.WARNING(_("Demo data already present: only the demo logins were refreshed.")))
        for label, count in demo.counts():
            self.stdout.write(f"  {label}: {count}")
        self.stdout.write(_("Demo logins (password: %(password)s):") % {"password": settings.DEMO_PASSWORD})
        for username, role in demo.login_rows():
            self.stdout.write(f"  {username} — {role}")
