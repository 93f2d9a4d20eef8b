from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from objectivity.core.actors import command_actor
from objectivity.core.tabular import TableFileError, read_table
from objectivity.orgs.commands import region_option
from objectivity.reports import federal_columns, federal_import
from objectivity.reports.federal_import import FederalReport


class Command(BaseCommand):
    help = (
        "Загрузка федерального перечня ОО с маркерами (XLSX или CSV): столбцы угадываются по заголовкам "
        "(«Год», «Логин», «Муниципалитет», «ОО», «4 РУ»…, «Количество маркеров»); всё или ничего."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="файл перечня")
        parser.add_argument("--region", default="", help="код региона (нужен, когда их несколько)")
        parser.add_argument("--by", default="", help="логин пользователя, от имени которого записывается загрузка")
        parser.add_argument(
            "--year",
            type=int,
            default=None,
            help="год всего файла, когда в нём нет столбца «Год» (перечень одного года)",
        )

    def handle(self, *args, file: Path, region: str, by: str, year: int | None, **options):
        region_obj = region_option(region)
        if not file.is_file():
            raise CommandError(_("File %(name)s is not found") % {"name": file})
        mapping = self._mapping(file, year)
        try:
            report = federal_import.import_file(file, file.name, region_obj, by=command_actor(by), mapping=mapping)
        except TableFileError as exc:
            raise CommandError(str(exc)) from exc
        self._print(report)

    def _mapping(self, file: Path, year: int | None) -> federal_columns.Mapping:
        """The columns guessed from the headers (and the year of the whole file, when it has no year column); a
        header that is neither a field nor a work stops the import."""
        try:
            header = read_table(file, file.name).header
        except TableFileError as exc:
            raise CommandError(str(exc)) from exc
        if federal_import.layout.is_own_export(header):
            raise CommandError(federal_import.own_export_error(file.name))
        guessed = federal_columns.guess(header)
        guessed.mapping.year = None if "year" in guessed.mapping.fields else year
        found = federal_columns.problems(guessed.mapping)
        if guessed.unrecognised or found:
            unknown = ", ".join(f"«{h}»" for h in guessed.unrecognised)
            lines = [_("Columns not recognised: %(columns)s") % {"columns": unknown}] if unknown else []
            raise CommandError(
                "; ".join([*lines, *found])
                + ". "
                + _(
                    "Expected «Год» (or --year for a file of one year), «Логин», «Муниципалитет», «ОО», «Количество "
                    "маркеров» and works as grade and subject («4 РУ», «5 МА»); rename the columns or import the file "
                    "on the page «The federal list», where each column is chosen"
                )
            )
        self.stdout.write(_("Columns") + ": " + federal_columns.describe(guessed.mapping, header))
        return guessed.mapping

    def _print(self, report: FederalReport) -> None:
        if report.file_error:
            raise CommandError(f"{report.file_error}. {_('Nothing was changed.')}")
        if report.problems:
            for problem in report.problems:
                self.stderr.write(problem.as_text())
            count = ngettext("%(n)d problem", "%(n)d problems", len(report.problems)) % {"n": len(report.problems)}
            named = _("File “%(name)s”") % {"name": report.file}
            raise CommandError(f"{named}: {_('The file was not imported')}: {count}. {_('Nothing was changed.')}")
        if report.unchanged:
            self.stdout.write(_("The file holds the entries already imported: nothing was changed."))
        years = ", ".join(str(y) for y in report.years)
        self.stdout.write(
            _("Rows: %(rows)d; entries: %(entries)d; years: %(years)s; rows of another region left out: %(skipped)d")
            % {"rows": report.rows, "entries": report.entries, "years": years, "skipped": report.skipped}
        )
        self._print_unregistered(report)

    def _print_unregistered(self, report: FederalReport) -> None:
        if not report.not_in_registry:
            return
        self.stdout.write(
            _("Schools not in the registry (kept with the name and municipality the list gives): %(n)d")
            % {"n": len(report.not_in_registry)}
        )
        for school in report.not_in_registry:
            self.stdout.write(f"  {school['year']} · {school['login']} · {school['municipality']} · {school['school']}")
