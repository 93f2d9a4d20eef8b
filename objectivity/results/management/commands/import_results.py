from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from objectivity.analysis.export_format import SUBJECT_BY_CODE
from objectivity.core import jobs
from objectivity.core.actors import command_actor
from objectivity.core.models import Job, JobStatus
from objectivity.orgs.commands import region_option, registry_warning
from objectivity.orgs.models import Region
from objectivity.results.jobs import RESULTS_IMPORT
from objectivity.results.models import Period, Procedure
from objectivity.results.outcome_text import outcome_lines


class Command(BaseCommand):
    help = "Загрузить файлы результатов (выгрузки ФИС ОКО, их CSV-формы, ОГЭ/ЕГЭ); каждый файл целиком или никак."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path, help="файлы результатов (xlsx, xls, csv)")
        parser.add_argument("--region", default="", help="код региона, например 22 (нужен, когда их несколько)")
        parser.add_argument("--year", type=int, help="год проведения, когда его нет в файле")
        parser.add_argument("--grade", type=int, help="класс работы («класс по программе»), когда его нет в файле")
        parser.add_argument("--subject", choices=sorted(SUBJECT_BY_CODE), help="код предмета, когда его нет в файле")
        parser.add_argument("--procedure", choices=Procedure.values, help="оценочная процедура, когда её нет в файле")
        parser.add_argument("--period", choices=Period.values, help="период проведения, когда его нет в файле")
        parser.add_argument(
            "--by", default="", help="логин пользователя, от имени которого загрузка записывается в журнал действий"
        )

    def handle(self, *args, files: list[Path], region: str, by: str, **options):
        region_obj = self._region(region)
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise CommandError(_("File not found: %(names)s") % {"names": ", ".join(missing)})
        user = command_actor(by)
        hint = {k: options[k] for k in ("year", "grade", "subject", "procedure", "period") if options.get(k)}
        job = Job.objects.create(
            kind=RESULTS_IMPORT,
            title=_("Results import: %(names)s") % {"names": ", ".join(f.name for f in files)[:250]},
            region=region_obj,
            created_by=user,
            params={
                "region_id": region_obj.pk,
                "user_id": user.pk,
                "hint": hint,
                "files": [{"path": str(f.resolve()), "name": f.name} for f in files],
            },
        )
        job = jobs.execute(job, progress=jobs.terminal_progress(self.stderr))
        if job.status == JobStatus.FAILED:
            raise CommandError(job.error)
        self._report((job.result or {}).get("outcomes", []))

    def _region(self, code: str) -> Region:
        region = region_option(code)
        if warning := registry_warning(region):
            self.stderr.write(warning)
        return region

    def _report(self, outcomes: list[dict]) -> None:
        for outcome in outcomes:
            stream = self.stderr if outcome["status"] == "rejected" else self.stdout
            for line in outcome_lines(outcome):
                stream.write(line)
        rejected = sum(1 for o in outcomes if o["status"] == "rejected")
        if rejected:
            raise CommandError(
                _("%(n)d of %(total)d files were not imported; nothing was changed by them")
                % {"n": rejected, "total": len(outcomes)}
            )
