from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone
from django.utils.translation import gettext as _

from objectivity.core import typography
from objectivity.core.backup import BackupError, backup


class Command(BaseCommand):
    help = "Резервная копия базы данных, файлов Parquet и загруженных файлов в одном архиве .tar.gz."

    def add_arguments(self, parser):
        parser.add_argument(
            "--out",
            type=Path,
            default=None,
            help="путь архива (по умолчанию ./objectivity-backup-<дата>-<время>.tar.gz)",
        )

    def handle(self, *args, out: Path | None, **options):
        out = out or Path(f"objectivity-backup-{timezone.localtime():%Y%m%d-%H%M%S}.tar.gz")
        try:
            path = backup(out)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        size = typography.number(path.stat().st_size / 1048576, 1)
        self.stdout.write(_("Backup written: %(path)s (%(size)s MB)") % {"path": path, "size": size})
