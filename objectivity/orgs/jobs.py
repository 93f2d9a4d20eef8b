"""Background job handlers of the organisations app."""

from pathlib import Path

from django.contrib.auth import get_user_model

from objectivity.core.jobs import JobError, handler
from objectivity.core.tabular import TableFileError
from objectivity.orgs.models import Region
from objectivity.orgs.registry import import_registry

REGISTRY_IMPORT = "orgs.registry_import"


@handler(REGISTRY_IMPORT)
def run_registry_import(job, progress) -> dict:
    params = job.params
    region = Region.objects.get(pk=params["region_id"])
    by = get_user_model().objects.filter(pk=params.get("user_id")).first()
    try:
        columns = params.get("columns")
        report = import_registry(
            Path(params["path"]),
            params["name"],
            region,
            by=by,
            progress=progress,
            columns={key: int(index) for key, index in columns.items()} if columns is not None else None,
        )
    except TableFileError as exc:
        Path(params["path"]).unlink(missing_ok=True)  # a refused upload is not kept
        raise JobError(str(exc)) from exc
    except Exception:
        Path(params["path"]).unlink(missing_ok=True)
        raise
    return report.as_dict()
