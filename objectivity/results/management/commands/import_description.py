from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from objectivity.analysis.export_format import SUBJECT_BY_CODE
from objectivity.core.actors import command_actor
from objectivity.results.actions import import_catalogue
from objectivity.results.descriptions import read_description
from objectivity.results.reference import ReferenceError, parse_entries


class Command(BaseCommand):
    help = (
        "Import ФИОКО's official description of a work (ALL.xlsx, and its PDF for the scale of marks) into "
        "the catalogue: maxima, levels and criterion columns of the scoring columns, the maximum and the scale."
    )

    def add_arguments(self, parser):
        parser.add_argument("workbook", type=Path, help="ALL.xlsx of the description")
        parser.add_argument("pdf", type=Path, nargs="?", help="the description's PDF (the scale of marks)")
        parser.add_argument("--year", type=int)
        parser.add_argument("--grade", type=int)
        parser.add_argument("--subject", choices=sorted(SUBJECT_BY_CODE))
        parser.add_argument("--scale", default="", help="lowest scores of «3», «4», «5», e.g. 8,15,21")
        parser.add_argument("--by", default="", help="login of the user the change is recorded for")

    def handle(self, *args, workbook: Path, pdf: Path | None, by: str, scale: str, **options):
        missing = [str(f) for f in (workbook, pdf) if f is not None and not f.is_file()]
        if missing:
            raise CommandError(_("File not found: %(names)s") % {"names": ", ".join(missing)})
        user = command_actor(by)
        try:
            found = read_description(
                workbook.read_bytes(),
                workbook.name,
                pdf.read_bytes() if pdf else None,
                pdf.name if pdf else "",
                year=options.get("year"),
                grade=options.get("grade"),
                subject=options.get("subject"),
                cuts=parse_scale(scale),
            )
            report = import_catalogue(
                by=user, entries=parse_entries([found.item], workbook.name), source_name=workbook.name
            )
        except ReferenceError as exc:
            raise CommandError(str(exc)) from exc
        for note in found.notes:
            self.stderr.write(note)
        self.stdout.write(
            _("Catalogue imported: new works %(created)d, new versions %(versions)d, unchanged %(unchanged)d")
            % report.__dict__
        )


def parse_scale(text: str) -> tuple[int, int, int] | None:
    if not text.strip():
        return None
    parts = [p.strip() for p in text.replace(";", ",").split(",")]
    if len(parts) != 3 or not all(p.isdigit() for p in parts):
        raise CommandError(_("--scale: expected three whole numbers, e.g. 8,15,21; got “%(value)s”") % {"value": text})
    low, mid, high = (int(p) for p in parts)
    return low, mid, high
