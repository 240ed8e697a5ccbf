"""Forget residents' personal data kept past the retention period: topic submitters, survey phones, meeting guests."""

from django.core.management.base import BaseCommand, CommandError

from consult_portal.overview import retention

LINES = {
    "topics": "Topics closed earlier, submitter's name and phone removed: {n}",
    "survey_responses": "Satisfaction responses to results published earlier, phone removed: {n}",
    "participants": "Participants other than members of meetings held earlier, phone removed: {n}",
    "sms": "SMS already sent to those numbers, number masked: {n}",
}


class Command(BaseCommand):
    help = (
        "Remove residents' personal data kept more than --months months (default SUBMITTER_RETENTION_MONTHS, 24): "
        "the submitter's name and phone of topics closed before then, the phone of satisfaction responses to "
        "results published before then and of participants other than members of meetings held before then; the "
        "number in the SMS already sent to them is masked. Topics, ratings and meetings stay. Safe to run again."
    )

    def add_arguments(self, parser):
        parser.add_argument("--months", type=int, default=None, help="Months the data is kept.")

    def handle(self, *args, months=None, **options):
        months = retention.retention_months() if months is None else months
        if months < 1:
            raise CommandError("--months must be at least 1.")
        counts = retention.personal_data_purge(months=months)
        self.stdout.write(f"Personal data kept over {months} months:")
        for kind in retention.KINDS:
            self.stdout.write("  " + LINES[kind].format(n=counts[kind]))
