from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

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
        self.stdout.write(f"restored the backup of {manifest['created_at']}")
