from django.core.management.base import BaseCommand
from django.utils import timezone
from django.utils.translation import gettext as _

from objectivity.core import typography
from objectivity.core.actors import command_actor
from objectivity.core.auditing import Action, record
from objectivity.results.import_files import absolute
from objectivity.results.models import ImportStatus, ResultImport


class Command(BaseCommand):
    help = "Delete the files of replaced or withdrawn results imports whose retention date has passed."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="only list what would be deleted")
        parser.add_argument("--by", default="", help="login of the user the deletion is recorded for")

    def handle(self, *args, dry_run: bool, by: str, **options):
        actor = None if dry_run else command_actor(by)
        expired = ResultImport.objects.filter(
            status__in=[ImportStatus.REPLACED, ImportStatus.WITHDRAWN], keep_files_until__lt=timezone.localdate()
        ).exclude(parquet="")
        count = 0
        for item in expired:
            paths = [absolute(item.parquet), absolute(item.problems_parquet)]
            paths.append(absolute(item.original))
            self.stdout.write(f"{item.original_name}: " + ", ".join(p.name for p in paths if p.exists()))
            if not dry_run:
                self._purge(item, paths, actor)
            count += 1
        self.stdout.write(
            _("Imports whose files are past their retention date: %(n)s") % {"n": typography.number(count)}
        )

    def _purge(self, item: ResultImport, paths, actor) -> None:
        for path in paths:
            path.unlink(missing_ok=True)
        record(
            by=actor,
            action=Action.DELETE,
            obj=item,
            before={"parquet": item.parquet, "original": item.original},
            note=_("files deleted after the retention date"),
        )
        item.parquet = item.original = ""
        item.save(update_fields=["parquet", "original"])
