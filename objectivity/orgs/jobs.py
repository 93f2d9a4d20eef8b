"""Background job handlers of the organisations app."""

from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model

from objectivity.core.jobs import JobError, handler
from objectivity.core.tabular import TableFileError
from objectivity.orgs.models import Region
from objectivity.orgs.registry import import_registry

REGISTRY_IMPORT = "orgs.registry_import"


@handler(REGISTRY_IMPORT, result_template="orgs/registry_result.html")
def run_registry_import(job, progress) -> dict:
    params = job.params
    region = Region.objects.get(pk=params["region_id"])
    by = get_user_model().objects.filter(pk=params.get("user_id")).first()
    path = Path(params["path"])
    try:
        columns = params.get("columns")
        report = import_registry(
            path,
            params["name"],
            region,
            by=by,
            progress=progress,
            columns={key: int(index) for key, index in columns.items()} if columns is not None else None,
        )
    except TableFileError as exc:
        raise JobError(str(exc)) from exc
    finally:
        _remove_upload(path)
    return report.as_dict()


def _remove_upload(path: Path) -> None:
    """The uploaded copy is not kept, imported or refused (the registry is in the database, the audit has the
    changes); a file named on the command line is the user's own and stays."""
    if path.resolve().is_relative_to(settings.UPLOAD_DIR.resolve()):
        path.unlink(missing_ok=True)
