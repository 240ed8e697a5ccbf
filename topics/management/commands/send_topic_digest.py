from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from topics import notices


class Command(BaseCommand):
    help = (
        "Send the daily digest of new residents' topics to the staff who chose it, for installations that use cron "
        "instead of Celery beat (beat runs it every morning for the day before)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="The day whose topics to list (YYYY-MM-DD); yesterday by default.")

    def handle(self, *args, **options):
        try:
            day = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError(_("Give the date as YYYY-MM-DD.")) from None
        count = notices.send_topic_digest(day)
        self.stdout.write(
            ngettext("%(count)d digest message queued.", "%(count)d digest messages queued.", count)
            % {"count": count}
        )
