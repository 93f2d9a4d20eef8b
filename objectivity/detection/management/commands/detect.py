from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from objectivity.core import jobs
from objectivity.core.actors import command_actor
from objectivity.core.models import Job, JobStatus
from objectivity.detection.jobs import DETECTION_RUN
from objectivity.detection.runs import create_run, works_of_year
from objectivity.orgs.commands import region_option


class Command(BaseCommand):
    help = "Расчёт признаков необъективных результатов по загруженным результатам ВПР региона за год (все работы или указанные)."

    def add_arguments(self, parser):
        parser.add_argument("--region", default="", help="код региона, например 22 (нужен, когда их несколько)")
        parser.add_argument("--year", type=int, required=True, help="год ВПР, например 2026")
        parser.add_argument(
            "--work", type=int, action="append", default=[], help="идентификатор работы (можно указать несколько раз)"
        )
        parser.add_argument(
            "--by",
            default="",
            help="логин пользователя, от имени которого расчёт признаков записывается в журнал действий",
        )

    def handle(self, *args, region: str, year: int, work: list[int], by: str, **options):
        region_obj = region_option(region)
        works = works_of_year(region_obj, year)
        works = works.filter(pk__in=work) if work else works
        if not works.exists():
            raise CommandError(_("No ВПР results of %(year)d are in use in the region") % {"year": year})
        user = command_actor(by)
        run = create_run(region=region_obj, year=year, assessments=list(works), by=user)
        job = Job.objects.create(
            kind=DETECTION_RUN,
            title=_("Detection run, %(year)d") % {"year": year},
            region=region_obj,
            created_by=user,
            params={"run_id": str(run.pk)},
        )
        run.job = job
        run.save(update_fields=["job"])
        job = jobs.execute(job, progress=jobs.terminal_progress(self.stderr))
        if job.status == JobStatus.FAILED:
            raise CommandError(job.error)
        run.refresh_from_db()
        for item in run.summary["works"]:
            self.stdout.write(
                _(
                    "%(work)s: schools %(schools)d, with enough data %(ok)d, with a marker %(flagged)d, level of objectivity %(index)s"
                )
                % item
            )
        self.stdout.write(_("Findings: %(path)s") % {"path": run.findings_csv or "—"})
