"""Background job of the results app: import several files, each all or nothing, with one progress bar."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from objectivity.analysis.export_format import TestName
from objectivity.core.jobs import handler, on_worker_start
from objectivity.orgs.models import Region
from objectivity.results.import_files import remove_with_empty_folders, unrecorded_files
from objectivity.results.importer import import_results
from objectivity.results.models import ResultImport

RESULTS_IMPORT = "results.import"
UNRECORDED_GRACE_SECONDS = 3600  # an import still running wrote its files seconds before its commit


@on_worker_start(_l("Files of imports interrupted by a stopped worker, removed"))
def remove_unrecorded_files(older_than_seconds: float = UNRECORDED_GRACE_SECONDS) -> int:
    recorded = {str(pk) for pk in ResultImport.objects.values_list("pk", flat=True)}
    files = unrecorded_files(recorded, older_than_seconds=older_than_seconds)
    remove_with_empty_folders(files)
    return len(files)


@handler(RESULTS_IMPORT, result_template="results/import_result.html")
def run_results_import(job, progress) -> dict:
    """params: region_id, user_id, hint {year, grade, subject, procedure, period}, files [{path, name, staged}]."""
    params = job.params
    region = Region.objects.get(pk=params["region_id"])
    by = get_user_model().objects.filter(pk=params.get("user_id")).first()
    hint = TestName(**(params.get("hint") or {}))
    files = params["files"]
    outcomes = []
    for index, item in enumerate(files):
        outcomes.append(_one(item, region, by, hint, _share(progress, index, len(files))).as_dict())
    progress(100, _("Done: %(n)d of %(total)d files imported") % {"n": _count_imported(outcomes), "total": len(files)})
    return {"outcomes": outcomes}


def _count_imported(outcomes: list[dict]) -> int:
    return sum(1 for o in outcomes if o["status"] != "rejected")


def _one(item: dict, region, by, hint: TestName, progress):
    path = Path(item["path"])
    try:
        return import_results(path, item["name"], region=region, by=by, hint=hint, progress=progress)
    finally:
        if item.get("staged"):  # an uploaded copy: the import keeps its own copy of the original
            path.unlink(missing_ok=True)


def _share(progress, index: int, total: int):
    """Map one file's 0-100 % onto its slice of the whole job's bar."""

    def report(percent: int, message: str) -> None:
        progress(int((index * 100 + percent) / total), message)

    return report
