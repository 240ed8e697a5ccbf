from django.core.management.base import BaseCommand
from django.utils.translation import ngettext

from sessions import reminders


class Command(BaseCommand):
    help = "Queue the meeting reminders that are due now (Celery beat runs the same scan every 15 minutes)."

    def handle(self, *args, **options):
        count = reminders.scan()
        self.stdout.write(
            ngettext("%(count)d reminder queued.", "%(count)d reminders queued.", count) % {"count": count}
        )
