"""Fault: the real task worker killed (SIGKILL) in the middle of a results import.

The first `objectivity worker` takes a queued import of a generated ~80,000-row regional export and is killed
while it checks the rows. Nothing may be half-written: no ResultImport or School rows, no file under DATA_DIR
(the upload staged by the web form stays, as uploads do until their job finishes). The next
`objectivity worker --batch` marks the killed job failed with a Russian reason and runs the job queued behind
it to the end.
"""

import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings as django_settings
from django.core.files import File

from objectivity.analysis.export_format import regional_file_name
from objectivity.analysis.synth import default_tests, generate_region
from objectivity.analysis.synth_write import regional_cells
from objectivity.core import jobs
from objectivity.core.models import Job
from objectivity.core.uploads import store_upload
from objectivity.orgs.models import School
from objectivity.results.jobs import RESULTS_IMPORT
from objectivity.results.models import ResultImport
from tests.conftest import build_world
from tests.core.test_worker import _database_url

BIG_SCHOOLS = 3000  # ≈ 80,000 rows: about a second of row checks, the window the worker is killed in
CHECKING, SAVING = 35, 70  # the importer's progress while it checks the rows / once it starts writing files


def _export(folder: Path, *, grade: int, subject: str, schools: int) -> Path:
    """A ФИС ОКО regional export of ВПР 2025 as CSV («;»), generated for `schools` schools."""
    spec = default_tests([2025], grades=(grade,), subjects=(subject,))[0]
    region = generate_region(seed=grade, years=[2025], n_schools=schools, tests=[spec])
    path = folder / regional_file_name(subject=subject, grade=grade, year=2025).replace(".xlsx", ".csv")
    regional_cells(region.results[spec], spec, region.region_label, seed=grade).write_csv(path, separator=";")
    return path


def _queue_import(world, path: Path) -> tuple[Job, Path]:
    """What the import page does: stage the upload, start the job (queued for the worker on commit)."""
    with path.open("rb") as stream:
        staged = store_upload(File(stream, name=path.name), "results-staging")
    analyst = world.users["region_analyst"]
    job = jobs.start(
        kind=RESULTS_IMPORT,
        title=f"Results import: {path.name}",
        by=analyst,
        region=world.region,
        params={
            "region_id": world.region.pk,
            "user_id": analyst.pk,
            "hint": {},
            "files": [{"path": str(staged), "name": path.name, "staged": True}],
        },
    )
    return job, staged


def _data_dir(*, leaving_out: tuple[Path, ...]) -> set[str]:
    """Every file and folder under DATA_DIR but the test database and the staged uploads named."""
    root = django_settings.DATA_DIR
    skip = {str(p.relative_to(root)) for p in leaving_out}
    return {
        str(p.relative_to(root))
        for p in root.rglob("*")
        if not p.name.startswith("test.sqlite3") and str(p.relative_to(root)) not in skip
    }


def _worker(*args: str, log: Path) -> subprocess.Popen:
    env = dict(
        os.environ,
        DJANGO_SETTINGS_MODULE="tests.settings",
        DATABASE_URL=_database_url(),
        TASKS_BACKEND="django_tasks_db.DatabaseBackend",  # the production queue, not the tests' immediate one
    )
    with log.open("w") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "objectivity.cli", "worker", *args],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def _wait_until_checking(job: Job, worker: subprocess.Popen, log: Path, timeout: float = 60) -> int:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status, progress = Job.objects.filter(pk=job.pk).values_list("status", "progress").get()
        if status == "running" and progress > 5:
            return progress
        assert worker.poll() is None, f"the worker exited ({worker.returncode}):\n{log.read_text()}"
        assert status in ("queued", "running"), (status, log.read_text())
        time.sleep(0.01)
    pytest.fail(f"the import did not get past reading in {timeout} s:\n{log.read_text()}")


def test_a_worker_killed_mid_import_leaves_nothing_and_the_next_one_goes_on(transactional_db, settings, tmp_path):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}  # as in production
    world = build_world()
    killed, big = _queue_import(world, _export(tmp_path, grade=5, subject="ma", schools=BIG_SCHOOLS))
    queued, small = _queue_import(world, _export(tmp_path, grade=4, subject="ma", schools=20))
    assert Job.objects.filter(status="queued").count() == 2
    before = _data_dir(leaving_out=(big, small))
    schools_before = School.objects.count()

    first = _worker(log=tmp_path / "worker-1.log")
    try:
        progress = _wait_until_checking(killed, first, tmp_path / "worker-1.log")
        os.kill(first.pid, signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            os.killpg(first.pid, signal.SIGKILL)
            first.wait(timeout=10)
    assert CHECKING <= progress < SAVING, f"killed at {progress} %, not while checking rows"

    killed.refresh_from_db()
    assert (killed.status, killed.progress) == ("running", progress)  # nobody was left to say otherwise
    assert not ResultImport.objects.exists()
    assert School.objects.count() == schools_before
    assert _data_dir(leaving_out=(big, small)) == before, "files written by the killed import were left behind"
    assert big.exists()  # the upload stays staged: only a finished job removes it
    assert Job.objects.get(pk=queued.pk).status == "queued"

    log = tmp_path / "worker-2.log"
    second = _worker("--batch", log=log)
    try:
        assert second.wait(timeout=60) == 0, log.read_text()
    finally:
        if second.poll() is None:
            os.killpg(second.pid, signal.SIGKILL)
            second.wait(timeout=10)

    killed.refresh_from_db()
    assert killed.status == "failed" and killed.finished_at is not None
    assert "прервана" in killed.error and not re.search("[A-Za-z]", killed.error), killed.error
    assert re.search(r"прерванных остановкой обработчика.*: 1$", log.read_text(), re.S | re.M), log.read_text()
    queued.refresh_from_db()
    assert queued.status == "done" and queued.progress == 100, (queued.status, queued.error)
    assert [o["status"] for o in queued.result["outcomes"]] == ["imported"]
    imported = ResultImport.objects.get()  # the queued job's, and only it
    assert str(imported.pk) == queued.result["outcomes"][0]["import_id"]
    assert not small.exists()  # its staged upload removed once imported
    written = {imported.original, imported.parquet, imported.problems_parquet}
    new = _data_dir(leaving_out=(big, small)) - before
    assert written <= new and all(Path(django_settings.DATA_DIR, p).is_dir() for p in new - written), new - written
    assert not [p for p in new if p.endswith(".partial")]
    assert School.objects.count() == schools_before
