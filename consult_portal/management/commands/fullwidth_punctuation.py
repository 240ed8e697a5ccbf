"""Make the ASCII marks beside Chinese text in the translations full-width (，：；？！（）), in place:

    manage.py fullwidth_punctuation locale/zh_Hans/LC_MESSAGES/django.po /tmp/translations/*.po

Only the msgstr change; then `compilemessages`. See consult_portal/typography.py for what is left alone."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from consult_portal.typography import fix_po


class Command(BaseCommand):
    help = "Use full-width punctuation beside Chinese text in the msgstr of the given PO files (in place)."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+", help="PO files to rewrite.")
        parser.add_argument("--check", action="store_true", help="Change nothing; fail if a file would change.")

    def handle(self, *args, paths=(), check=False, **options):
        changed = []
        for name in paths:
            path = Path(name)
            if not path.is_file():
                raise CommandError(f"No such file: {name}")
            text = path.read_text(encoding="utf-8")
            fixed = fix_po(text)
            if fixed == text:
                continue
            changed.append(name)
            if not check:
                path.write_text(fixed, encoding="utf-8")
        verb = "would change" if check else "changed"
        self.stdout.write(f"{len(changed)} of {len(paths)} files {verb}: {', '.join(changed) or '-'}")
        if check and changed:
            raise CommandError("Some translations use ASCII punctuation beside Chinese text.")
