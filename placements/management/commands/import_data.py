"""`manage.py import_data TYPE FILE [--dry-run] [--actor EMAIL]`

TYPE is one of the import types (docs/imports.md; `import_kinds()`).

Exit code 0 only when the whole file is valid (and imported, unless --dry-run); otherwise
every error is printed to standard error as `row N, column X: reason` and the exit code is 1.
Without --actor the import is recorded as done by the system (no user).
"""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from placements.imports import import_kinds, import_run


class Command(BaseCommand):
    help = "Import a CSV or XLSX file of one of the import types (docs/imports.md)."

    def add_arguments(self, parser):
        parser.add_argument("kind", choices=import_kinds())
        parser.add_argument("file", type=Path)
        parser.add_argument("--dry-run", action="store_true", help="Validate only; write nothing.")
        parser.add_argument(
            "--actor",
            metavar="EMAIL",
            help="The user the audit trail names (default: the system).",
        )

    def handle(self, *args, kind, file, dry_run, actor, **options):
        if not file.is_file():
            raise CommandError(f"{file}: no such file.")
        user = None
        if actor:
            user = get_user_model().objects.filter(email__iexact=actor).first()
            if user is None:
                raise CommandError(f"--actor {actor}: no user with this e-mail address.")
        result = import_run(kind=kind, path=file, file_name=file.name, actor=user, dry_run=dry_run)
        if not result.ok:
            for issue in result.issues:
                self.stderr.write(str(issue))
            self.stderr.write(f"{file.name}: {len(result.issues)} errors; nothing imported.")
            raise SystemExit(1)
        suffix = " (dry run: nothing written)" if dry_run else ""
        self.stdout.write(f"{file.name}: {result.summary()}{suffix}")
