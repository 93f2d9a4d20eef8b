from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from objectivity.core import jobs
from objectivity.core.models import Job, JobStatus
from objectivity.orgs.jobs import REGISTRY_IMPORT
from objectivity.orgs.models import Region


class Command(BaseCommand):
    help = "Import the school registry (CSV or XLSX) of a region; all or nothing, with a row-by-row report."

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--region", required=True, help="region code, e.g. 22")
        parser.add_argument("--by", default="", help="login of the user the change is recorded for")

    def handle(self, *args, file: Path, region: str, by: str, **options):
        region_obj = Region.objects.filter(code=region).first()
        if region_obj is None:
            raise CommandError(f"Регион с кодом {region} не найден")
        if not file.is_file():
            raise CommandError(f"Файл {file} не найден")
        user = get_user_model().objects.filter(username=by).first() if by else None
        job = Job.objects.create(
            kind=REGISTRY_IMPORT,
            title=f"Загрузка реестра: {file.name}",
            region=region_obj,
            created_by=user,
            params={
                "path": str(file.resolve()),
                "name": file.name,
                "region_id": region_obj.pk,
                "user_id": user.pk if user else None,
            },
        )
        job = jobs.execute(job, progress=jobs.terminal_progress(self.stderr))
        if job.status == JobStatus.FAILED:
            raise CommandError(job.error)
        self._print(job.result or {})

    def _print(self, result: dict) -> None:
        if result["file_error"]:
            raise CommandError(result["file_error"] + " Ничего не изменено.")
        if result["problems"]:
            for p in result["problems"]:
                self.stderr.write(f"Строка {p['row']}, столбец «{p['column']}»: {p['message']}")
            raise CommandError(f"Файл не загружен: проблем — {len(result['problems'])}. Ничего не изменено.")
        self.stdout.write(
            f"Добавлено ОО: {result['created']}, обновлено: {result['updated']}, без изменений: {result['unchanged']}"
        )
        if result["new_municipalities"]:
            self.stdout.write("Новые муниципалитеты: " + ", ".join(result["new_municipalities"]))
