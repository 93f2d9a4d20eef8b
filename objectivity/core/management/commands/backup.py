from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from objectivity.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Back up the database, Parquet files and uploads into one .tar.gz archive."

    def add_arguments(self, parser):
        parser.add_argument(
            "--out", type=Path, default=None, help="archive path (default: ./objectivity-backup-<time>.tar.gz)"
        )

    def handle(self, *args, out: Path | None, **options):
        out = out or Path(f"objectivity-backup-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz")
        try:
            path = backup(out)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{path} ({path.stat().st_size / 1048576:.1f} MB)")
