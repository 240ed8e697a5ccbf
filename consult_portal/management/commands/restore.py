"""Bring a backup archive into an empty installation (consult_portal/backups.py; README "Backups and restore")."""

from django.core.management.base import BaseCommand, CommandError

from consult_portal import backups


class Command(BaseCommand):
    help = "Restore a consult-backup-*.tar.gz into an empty database and an empty MEDIA_ROOT."

    def add_arguments(self, parser):
        parser.add_argument("archive")

    def handle(self, *args, archive, **options):
        try:
            result = backups.restore(archive)
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Restored the backup of {result['created_at']}: the database and {result['files']} media files. "
            "Run `manage.py migrate` next if this release has newer migrations."
        )
