from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from objectivity.core.actors import system_user
from objectivity.core.auditing import Action, record
from objectivity.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore the database, Parquet files and uploads from an archive made by `objectivity backup`."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--yes", action="store_true", help="do not ask for confirmation")

    def handle(self, *args, archive: Path, yes: bool, **options):
        if not archive.is_file():
            raise CommandError(f"{archive}: no such file")
        if not yes and input("The current data will be replaced. Type 'yes' to continue: ").strip() != "yes":
            raise CommandError("cancelled")
        try:
            manifest = restore(archive)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        record(
            by=system_user(),  # a login given before the restore might not exist in the restored database
            action=Action.IMPORT,
            object_type="core.Backup",
            object_repr=archive.name,
            after={"archive": archive.name, "created_at": manifest.get("created_at")},
            note=_("database and data files restored from a backup"),
        )
        self.stdout.write(f"restored the backup of {manifest['created_at']}")
