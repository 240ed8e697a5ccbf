"""Remove the name and phone of submitters of topics closed more than --months months ago."""

from django.core.management.base import BaseCommand, CommandError

from topics import services_privacy


class Command(BaseCommand):
    help = (
        "Remove the submitter's name and phone from topics closed more than --months months ago "
        "(default SUBMITTER_RETENTION_MONTHS, 24); the topics stay. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=None, help="Months after a topic closes.")

    def handle(self, *args, months=None, **options):
        months = services_privacy.retention_months() if months is None else months
        if months < 1:
            raise CommandError("--months must be at least 1.")
        cleaned = services_privacy.submitters_purge(months=months)
        self.stdout.write(f"Submitters removed from {cleaned} topics closed over {months} months ago.")
