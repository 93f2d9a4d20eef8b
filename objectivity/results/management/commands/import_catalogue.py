from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from objectivity.core import typography
from objectivity.core.actors import command_actor
from objectivity.results.actions import import_catalogue
from objectivity.results.reference import ReferenceError, read_catalogue


class Command(BaseCommand):
    help = "Import reference data of works (YAML or XLSX): maxima, levels and scales; changed works get a new version."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--by", default="", help="login of the user the change is recorded for")

    def handle(self, *args, file: Path, by: str, **options):
        if not file.is_file():
            raise CommandError(_("File not found: %(names)s") % {"names": file})
        user = command_actor(by)
        try:
            entries = read_catalogue(file.read_bytes(), file.name)
            report = import_catalogue(by=user, entries=entries, source_name=file.name)
        except ReferenceError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            _("Catalogue imported: new works %(created)s, new versions %(versions)s, unchanged %(unchanged)s")
            % typography.grouped(report.__dict__)
        )
