"""Running jobs: one task dispatches to a registered handler; handlers report progress.

A handler is `handler(job, progress) -> dict` where `progress(percent, message)` records how far
it got. The same handler runs from the web (through the task worker) and from the CLI (in
process, with a terminal progress bar).
"""

import logging
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tasks import task

from objectivity.core.models import Job, JobStatus

log = logging.getLogger(__name__)
Progress = Callable[[int, str], None]
HANDLERS: dict[str, Callable[[Job, Progress], dict]] = {}
RESULT_TEMPLATES: dict[str, str] = {}  # job kind → the template that shows its result on the job's page
# Clean-ups a starting worker runs after failing orphaned jobs: each removes what a killed job left and says
# how many things it removed (registered by the apps in AppConfig.ready()).
STARTUP_SWEEPS: dict[Any, Callable[[], int]] = {}  # label (a lazy translation) → clean-up


class JobError(Exception):
    """A failure whose message is meant for the user (already in Russian)."""


def handler(kind: str, *, result_template: str = ""):
    """Register the function that runs jobs of `kind`, and the template (if any) that shows their result."""

    def register(func):
        HANDLERS[kind] = func
        if result_template:
            RESULT_TEMPLATES[kind] = result_template
        return func

    return register


def on_worker_start(label: Any):
    """Register a clean-up for a starting worker; `label` names what it removes, for the worker's log."""

    def register(func):
        STARTUP_SWEEPS[label] = func
        return func

    return register


def _db_progress(job: Job) -> Progress:
    def report(percent: int, message: str) -> None:
        job.progress, job.message = max(0, min(100, int(percent))), message[:500]
        # Inside a transaction nobody else could see the update; keep it in memory only.
        if not connection.in_atomic_block:
            Job.objects.filter(pk=job.pk).update(progress=job.progress, message=job.message)

    return report


def terminal_progress(stream=None) -> Progress:
    stream = stream or sys.stderr

    def report(percent: int, message: str) -> None:
        filled = int(percent) * 30 // 100
        stream.write(f"\r[{'#' * filled}{'.' * (30 - filled)}] {percent:3d}% {message[:60]:<60}")
        if percent >= 100:
            stream.write("\n")
        stream.flush()

    return report


def execute(job: Job, progress: Progress | None = None) -> Job:
    """Run a job's handler now, recording status, result or error."""
    job.status, job.started_at = JobStatus.RUNNING, timezone.now()
    job.save(update_fields=["status", "started_at"])
    db_report = _db_progress(job)

    def report(percent: int, message: str) -> None:
        db_report(percent, message)
        if progress:
            progress(percent, message)

    try:
        job.result = HANDLERS[job.kind](job, report)
        job.status, job.progress = JobStatus.DONE, 100
    except JobError as exc:
        job.status, job.error = JobStatus.FAILED, str(exc)
    except Exception:  # the worker must survive; the trace goes to the administrator's log, not to the page
        log.exception("job %s failed", job.pk)
        job.status, job.error = JobStatus.FAILED, internal_error(job)
    job.finished_at = timezone.now()
    job.save()
    return job


def internal_error(job: Job) -> str:
    return _(
        "The work stopped on an internal error; nothing of it was saved. The administrator will find the details "
        "in the worker's log under the job number %(id)s."
    ) % {"id": job.pk}


def fail_orphans() -> int:
    """Jobs left «running» by a worker that was killed: failed with a reason (run when a worker starts; one
    worker serves the queue, so no running job is anyone else's). Their staged uploads are removed."""
    orphans = Job.objects.filter(status=JobStatus.RUNNING)
    for params in orphans.values_list("params", flat=True):
        _remove_staged(params or {})
    return orphans.update(
        status=JobStatus.FAILED,
        error=_(
            "The work was interrupted: the task worker stopped while it ran. Nothing of it was saved; start it again."
        ),
        finished_at=timezone.now(),
    )


def _remove_staged(params: dict) -> None:
    """Uploaded copies a job was given (under UPLOAD_DIR only: a path named on the command line is the user's)."""
    uploads = Path(settings.UPLOAD_DIR).resolve()
    items = params.get("files") or [params]
    for item in items:
        path = Path(str(item.get("path", ""))) if isinstance(item, dict) else None
        if path and path.resolve().is_relative_to(uploads):
            path.unlink(missing_ok=True)


@task()
def run_job(job_id: str) -> None:
    execute(Job.objects.get(pk=job_id))


def start(*, kind: str, title: str, by, params: dict, region=None) -> Job:
    """Create a job and hand it to the task worker once the surrounding transaction commits."""
    job = Job.objects.create(kind=kind, title=title, params=params, created_by=by, region=region)
    transaction.on_commit(lambda: run_job.enqueue(str(job.pk)))
    return job
