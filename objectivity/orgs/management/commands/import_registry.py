from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from objectivity.core import jobs, typography
from objectivity.core.actors import command_actor
from objectivity.core.models import Job, JobStatus
from objectivity.core.tabular import TableFileError, read_table
from objectivity.orgs.commands import region_option
from objectivity.orgs.jobs import REGISTRY_IMPORT
from objectivity.orgs.registry import is_known_layout
from objectivity.orgs.registry_columns import FIELDS, guess, parse_option, report_notes


class Command(BaseCommand):
    help = "Import the school registry (CSV or XLSX) of a region; all or nothing, with a row-by-row report."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--region", required=True, help="region code, e.g. 22")
        parser.add_argument("--by", default="", help="login of the user the change is recorded for")
        parser.add_argument(
            "--columns",
            default="",
            metavar="COLUMN=FIELD,...",
            help=(
                "which column of the file holds which field, e.g. "
                '"логин=логин,имя=полное наименование,регион=муниципалитет"; '
                f"fields: {', '.join(FIELDS.values())}. Without it an unknown header is guessed when unambiguous"
            ),
        )

    def handle(self, *args, file: Path, region: str, by: str, **options):
        region_obj = region_option(region)
        if not file.is_file():
            raise CommandError(_("File %(name)s is not found") % {"name": file})
        self.stdout.write(_("File “%(name)s”") % {"name": file.name} + ":")
        columns = self._columns(file, options["columns"])
        user = command_actor(by)
        job = Job.objects.create(
            kind=REGISTRY_IMPORT,
            title=_("Registry import: %(name)s") % {"name": file.name},
            region=region_obj,
            created_by=user,
            params={
                "path": str(file.resolve()),
                "name": file.name,
                "region_id": region_obj.pk,
                "user_id": user.pk,
                **({"columns": columns} if columns is not None else {}),
            },
        )
        job = jobs.execute(job, progress=jobs.terminal_progress(self.stderr))
        if job.status == JobStatus.FAILED:
            raise CommandError(job.error)
        self._print(job.result or {})

    def _columns(self, file: Path, option: str) -> dict[str, int] | None:
        """The mapping to use: the one given, None for the known layout, else a guess said aloud."""
        try:
            table = read_table(file, file.name)
        except TableFileError as exc:
            raise CommandError(str(exc)) from exc
        if not option and is_known_layout(table.header):
            return None
        plan = parse_option(option, table.header) if option else guess(table)
        if not plan.ok:
            raise CommandError(
                "; ".join(plan.problems)
                + ". "
                + _("Say which column holds which field with --columns, e.g. %(example)s")
                % {"example": '--columns "логин=логин,имя=полное наименование,регион=муниципалитет"'}
            )
        heading = _("Columns as given") if option else _("The header is not the known layout; columns are guessed")
        self.stdout.write(heading + ": " + "; ".join(plan.notes))
        return plan.fields

    def _print(self, result: dict) -> None:
        if result["file_error"]:
            raise CommandError(f"{result['file_error']} {_('Nothing was changed.')}")
        if result["problems"]:
            for p in result["problems"]:
                self.stderr.write(_("Row %(row)d, column “%(column)s”: %(message)s") % p)
            count = ngettext("%(n)s problem", "%(n)s problems", len(result["problems"])) % {
                "n": typography.number(len(result["problems"]))
            }
            named = _("File “%(name)s”") % {"name": result["file"]}
            raise CommandError(f"{named}: {_('The file was not imported')}: {count}. {_('Nothing was changed.')}")
        self.stdout.write(
            _("Schools added: %(created)s, updated: %(updated)s, unchanged: %(unchanged)s") % typography.grouped(result)
        )
        for line in report_notes(result):
            self.stdout.write(line)
        if result["new_municipalities"]:
            self.stdout.write(_("New municipalities") + ": " + ", ".join(result["new_municipalities"]))
