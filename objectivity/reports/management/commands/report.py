from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from objectivity.core import documents
from objectivity.orgs.commands import region_option
from objectivity.reports import analytic, listing
from objectivity.reports.list_document import list_document, list_workbook

FORMATS = ("xlsx", *documents.FORMATS)


class Command(BaseCommand):
    help = (
        "Документы отчётности: перечень ОО с признаками необъективных результатов (list) и аналитический отчёт "
        "о результатах ВПР и объективности оценивания (analytic)."
    )

    def add_arguments(self, parser):
        kinds = parser.add_subparsers(dest="kind", required=True, title="документ")
        listed = kinds.add_parser("list", help="перечень ОО с признаками необъективных результатов за год")
        listed.add_argument("--year", type=int, required=True, help="год ВПР, например 2026")
        listed.add_argument("--format", choices=FORMATS, required=True, help="формат файла: xlsx, docx или pdf")
        listed.add_argument("--out", required=True, help="путь файла, который будет записан")
        listed.add_argument("--region", default="", help="код региона (нужен, когда их несколько)")

        analytic_parser = kinds.add_parser(
            "analytic", help="аналитический отчёт о результатах ВПР и объективности оценивания"
        )
        analytic_parser.add_argument("--year", type=int, required=True, help="год ВПР, например 2026")
        analytic_parser.add_argument(
            "--format", choices=tuple(documents.FORMATS), required=True, help="формат: docx или pdf"
        )
        analytic_parser.add_argument("--out", required=True, help="путь файла, который будет записан")
        analytic_parser.add_argument("--region", default="", help="код региона (нужен, когда их несколько)")

    def handle(self, *args, kind: str, **options):
        if kind == "list":
            self._list(**options)
        else:
            self._analytic(**options)

    def _analytic(self, *, year: int, format: str, out: str, region: str, **options) -> None:
        region_obj = region_option(region)
        if not listing.year_runs(listing.CONSOLE, year, region_obj):
            raise CommandError(
                _("No completed detection run of %(year)d in the region: run objectivity detect --year %(year)d first")
                % {"year": year}
            )
        document = analytic.analytic_report(listing.CONSOLE, region_obj, year)
        Path(out).write_bytes(documents.render(document, format))
        self.stdout.write(_("The analytic report of %(year)d is written to %(path)s") % {"year": year, "path": out})

    def _list(self, *, year: int, format: str, out: str, region: str, **options) -> None:
        region_obj = region_option(region)
        runs = listing.year_runs(listing.CONSOLE, year, region_obj)
        if not runs:
            raise CommandError(
                _("No completed detection run of %(year)d in the region: run objectivity detect --year %(year)d first")
                % {"year": year}
            )
        context = listing.ListContext.build(listing.CONSOLE, year, region_obj)
        schools = listing.listed_schools(listing.CONSOLE, runs).order_by("municipality__name", "short_name", "login")
        rows = [listing.ListRow(school, context) for school in schools]
        content = (
            list_workbook(rows, year) if format == "xlsx" else documents.render(list_document(rows, runs, year), format)
        )
        Path(out).write_bytes(content)
        written = ngettext(
            "The list of %(year)d: %(count)d school, written to %(path)s",
            "The list of %(year)d: %(count)d schools, written to %(path)s",
            len(rows),
        )
        self.stdout.write(written % {"year": year, "count": len(rows), "path": out})
