"""Remove audit entries older than the retention period (AUDIT_RETENTION_DAYS, at least 180 days)."""

from django.core.management.base import BaseCommand, CommandError

from consult_portal import audit


class Command(BaseCommand):
    help = "Remove audit entries older than --days days (default AUDIT_RETENTION_DAYS); never fewer than 180."

    def add_arguments(self, parser):
        parser.add_argument("--days", type=int, default=None, help="Keep entries younger than this many days.")

    def handle(self, *args, days=None, **options):
        days = audit.retention_days() if days is None else days
        if days < audit.MIN_RETENTION_DAYS:
            raise CommandError(
                f"Audit entries are kept at least {audit.MIN_RETENTION_DAYS} days; --days {days} refused."
            )
        removed = audit.prune(days=days)
        self.stdout.write(f"Removed {removed} audit entries older than {days} days.")
