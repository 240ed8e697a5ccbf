from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from outcomes import reminders as outcome_reminders
from sessions import reminders as meeting_reminders


class Command(BaseCommand):
    help = (
        "Run the reminder scans by hand, for installations that use cron instead of Celery beat: the outcome items' "
        "deadline reminders and overdue escalation (daily), and the meeting reminders."
    )

    def add_arguments(self, parser):
        parser.add_argument("--date", help="Scan the outcome deadlines as of this day (YYYY-MM-DD) instead of today.")

    def handle(self, *args, **options):
        try:
            today = date.fromisoformat(options["date"]) if options["date"] else None
        except ValueError:
            raise CommandError(_("Give the date as YYYY-MM-DD.")) from None
        counts = outcome_reminders.scan(today)
        meetings = meeting_reminders.scan()
        self.stdout.write(
            _(
                "Deadline reminders queued: %(due)d; overdue escalations queued: %(overdue)d; "
                "meeting reminders queued: %(meetings)d."
            )
            % {**counts, "meetings": meetings}
        )
