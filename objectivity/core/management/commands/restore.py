from datetime import datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from objectivity.core import typography
from objectivity.core.actors import system_user
from objectivity.core.auditing import Action, record
from objectivity.core.backup import BackupError, restore


class Command(BaseCommand):
    help = "Восстановить базу данных, файлы Parquet и загруженные файлы из архива, созданного командой `objectivity backup`."

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path, help="архив .tar.gz, созданный командой objectivity backup")
        parser.add_argument("--yes", action="store_true", help="не спрашивать подтверждения")

    def handle(self, *args, archive: Path, yes: bool, **options):
        if not archive.is_file():
            raise CommandError(_("File not found: %(names)s") % {"names": archive})
        if not yes and not self._confirmed():
            raise CommandError(_("Restore cancelled; nothing was changed"))
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
        self.stdout.write(_("Restored the backup of %(created)s") % {"created": _created(manifest)})

    def _confirmed(self) -> bool:
        """«да» or «yes»: someone with an English keyboard layout still gets through."""
        answer = input(_("The current data will be replaced. Type «да» to continue: "))
        return answer.strip().lower() in {"да", "yes"}


def _created(manifest: dict) -> str:
    """The archive's time as people read it; the raw value if an old archive holds something else."""
    try:
        return typography.ru_datetime(datetime.fromisoformat(manifest["created_at"]))
    except (KeyError, TypeError, ValueError):
        return str(manifest.get("created_at", "?"))
