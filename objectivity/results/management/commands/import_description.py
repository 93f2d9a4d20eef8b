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
        "Загрузить в каталог работ официальное описание работы ФГБУ «ФИОКО» (ALL.xlsx и его PDF со шкалой "
        "перевода первичного балла в отметку): максимальные баллы и уровни заданий, столбцы критериев оценивания, "
        "максимальный первичный балл и шкалу."
    )

    def add_arguments(self, parser):
        parser.add_argument("workbook", type=Path, help="ALL.xlsx описания работы")
        parser.add_argument(
            "pdf", type=Path, nargs="?", help="PDF описания (шкала перевода первичного балла в отметку)"
        )
        parser.add_argument("--year", type=int, help="год ВПР, когда его нет в описании")
        parser.add_argument("--grade", type=int, help="класс работы, когда его нет в описании")
        parser.add_argument("--subject", choices=sorted(SUBJECT_BY_CODE), help="код предмета, когда его нет в описании")
        parser.add_argument(
            "--scale", default="", help="наименьшие первичные баллы для отметок «3», «4», «5», например 8,15,21"
        )
        parser.add_argument(
            "--by", default="", help="логин пользователя, от имени которого изменение записывается в журнал действий"
        )

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
