import time

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from consult_portal import demo
from consult_portal.models import Area


class Command(BaseCommand):
    help = "Load the demo county (towns, platforms, members, topics, meetings, outcomes) and the demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Leave a database that holds other areas than the demo county untouched (used by make run).",
        )

    def handle(self, *args, **options):
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
