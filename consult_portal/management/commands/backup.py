"""Write one dated archive of the database and the media (consult_portal/backups.py; README "Backups and restore")."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consult_portal import backups


class Command(BaseCommand):
    help = "Write consult-backup-YYYYMMDD-HHMMSS.tar.gz (database dump + media + checksums) into --output-dir."

    def add_arguments(self, parser):
        parser.add_argument("--output-dir", default="backups", help="Where the archive goes (default ./backups).")
        parser.add_argument(
            "--keep", type=int, default=0, help="Then delete all but the newest KEEP archives (0: keep all)."
        )

    def handle(self, *args, output_dir, keep, **options):
        try:
            summary = backups.create(Path(output_dir))
        except backups.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Wrote {summary.path} ({summary.files} media files).")
        for name in summary.missing:
            self.stderr.write(f"Warning: {name} is referenced by a row but was not in MEDIA_ROOT.")
        for path in backups.prune(Path(output_dir), keep):
            self.stdout.write(f"Deleted the old backup {path}.")
