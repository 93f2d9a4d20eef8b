from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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
            raise CommandError(_("Region with code %(code)s is not found") % {"code": region})
        if not file.is_file():
            raise CommandError(_("File %(name)s is not found") % {"name": file})
        user = get_user_model().objects.filter(username=by).first() if by else None
        job = Job.objects.create(
            kind=REGISTRY_IMPORT,
            title=_("Registry import: %(name)s") % {"name": file.name},
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
            raise CommandError(f"{result['file_error']} {_('Nothing was changed.')}")
        if result["problems"]:
            for p in result["problems"]:
                self.stderr.write(_("Row %(row)d, column “%(column)s”: %(message)s") % p)
            count = ngettext("%(n)d problem", "%(n)d problems", len(result["problems"])) % {
                "n": len(result["problems"])
            }
            raise CommandError(f"{_('The file was not imported')}: {count}. {_('Nothing was changed.')}")
        self.stdout.write(_("Schools added: %(created)d, updated: %(updated)d, unchanged: %(unchanged)d") % result)
        if result["new_municipalities"]:
            self.stdout.write(_("New municipalities") + ": " + ", ".join(result["new_municipalities"]))
