"""Jobs record progress and errors; the CLI runs the same handler with a terminal progress bar."""

import io
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from objectivity.core import jobs
from objectivity.core.models import Job
from objectivity.orgs.models import School


@jobs.handler("tests.counting")
def _counting(job, progress):
    seen = []
    for step in range(0, 101, 25):
        progress(step, f"шаг {step}")
        seen.append(Job.objects.get(pk=job.pk).progress)  # what another process would see
    if job.params.get("fail") == "user":
        raise jobs.JobError("Понятная ошибка")
    if job.params.get("fail") == "bug":
        raise ZeroDivisionError
    return {"seen": seen}


@pytest.mark.parametrize("fail,status", [(None, "done"), ("user", "failed"), ("bug", "failed")])
def test_job_progress_and_outcome(transactional_db, fail, status):
    job = Job.objects.create(kind="tests.counting", title="t", params={"fail": fail})
    lines = io.StringIO()
    job = jobs.execute(job, progress=jobs.terminal_progress(lines))
    assert job.status == status and job.finished_at
    if status == "done":
        assert job.result == {"seen": [0, 25, 50, 75, 100]} and job.progress == 100
    if fail == "user":
        assert job.error == "Понятная ошибка"
    if fail == "bug":  # the trace is in the log; the page says what happened in Russian, with no path
        assert "внутренней ошибки" in job.error and str(job.pk) in job.error and "/" not in job.error
    assert "[##############################] 100%" in lines.getvalue()


def test_start_enqueues_after_commit(world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = jobs.start(kind="tests.counting", title="t", by=world.users["region_admin"], params={})
    assert len(callbacks) == 1
    job.refresh_from_db()
    assert job.status == "done"


def test_cli_registry_import(world, tmp_path):
    path = tmp_path / "reestr.csv"
    path.write_text(
        "логин,полное наименование,муниципалитет\nsch220500,МБОУ «СОШ № 500»,Новый округ\n", encoding="utf-8"
    )
    out, err = io.StringIO(), io.StringIO()
    call_command("import_registry", str(path), "--region", "22", "--by", "admin", stdout=out, stderr=err)
    assert "Добавлено ОО: 1" in out.getvalue() and "100%" in err.getvalue()
    assert School.objects.filter(login="sch220500").exists()


def test_cli_registry_import_reports_rows(world, tmp_path):
    path = tmp_path / "reestr.csv"
    path.write_text("логин,полное наименование,муниципалитет\nbad,,\n", encoding="utf-8")
    err = io.StringIO()
    with pytest.raises(CommandError, match="Ничего не изменено"):
        call_command("import_registry", str(path), "--region", "22", stderr=err)
    assert "Строка 2, столбец «логин»" in err.getvalue()


def test_cli_unknown_region(world, tmp_path):
    with pytest.raises(CommandError, match="Регион с кодом 99 не найден"):
        call_command("import_registry", str(tmp_path / "x.csv"), "--region", "99")


def test_load_demo_is_idempotent(db):
    out = io.StringIO()
    call_command("load_demo", stdout=out)
    call_command("load_demo", stdout=out)
    assert School.objects.count() == 300
    assert "уже загружен" in out.getvalue() and "sch220001" in out.getvalue()
    types = set(School.objects.values_list("school_type", flat=True))
    assert {"sosh", "oosh", "nosh", "lyceum", "gymnasium"} <= types
    assert School.objects.filter(is_small=True).exists() and School.objects.filter(is_branch=True).exists()
    assert School.objects.filter(login__regex=r"^sch22\d{4}$").count() == 300


def test_a_worker_that_starts_fails_the_jobs_a_killed_worker_left_running(transactional_db, settings, tmp_path):
    staged = Path(settings.UPLOAD_DIR) / "results" / "x.csv"
    staged.parent.mkdir(parents=True, exist_ok=True)
    staged.write_text("x")
    own = tmp_path / "mine.csv"  # a file named on the command line is the user's: never removed
    own.write_text("x")
    params = {"files": [{"path": str(staged), "staged": True}, {"path": str(own)}]}
    running = Job.objects.create(kind="tests.counting", title="t", params=params, status="running")
    queued = Job.objects.create(kind="tests.counting", title="t", params={})
    assert jobs.fail_orphans() == 1
    running.refresh_from_db()
    queued.refresh_from_db()
    assert running.status == "failed" and "прервана" in running.error and running.finished_at
    assert queued.status == "queued"
    assert not staged.exists() and own.exists()


def test_a_starting_worker_removes_the_files_of_imports_never_recorded(world, settings, tmp_path):
    """A worker killed between writing an import's files and its commit leaves files no import owns: the next
    worker removes them once they are older than the grace period, and never the files of a recorded import or
    of an import still running (written moments ago)."""
    import os
    import time
    import uuid

    from objectivity.results.jobs import remove_unrecorded_files
    from objectivity.results.models import Assessment, ReferenceVersion, ResultImport

    settings.RESULTS_DIR = tmp_path / "results"  # no other test's files
    work = Assessment.objects.create(year=2025, grade=4, subject="ma")
    reference = ReferenceVersion.objects.create(assessment=work, version=1)
    recorded = ResultImport.objects.create(
        region=world.region, assessment=work, reference=reference, original_name="a.csv", sha256="0"
    )
    folder = Path(settings.RESULTS_DIR) / world.region.code / str(work.pk)
    folder.mkdir(parents=True)
    lost, running = uuid.uuid4(), uuid.uuid4()
    kept = [folder / f"{recorded.pk}.parquet", folder / f"{running}.parquet", folder / "notes.txt"]
    removed = [folder / f"{lost}.parquet", folder / f"{lost}.problems.parquet", folder / f"{lost}-Файл.xlsx"]
    hour_ago = time.time() - 2 * 3600
    for path in kept + removed:
        path.write_bytes(b"x")
        if path.name != f"{running}.parquet":
            os.utime(path, (hour_ago, hour_ago))
    assert remove_unrecorded_files in jobs.STARTUP_SWEEPS.values()  # the worker runs it when it starts
    assert remove_unrecorded_files() == 3
    assert all(p.exists() for p in kept) and not any(p.exists() for p in removed)
    kept[0].unlink(), kept[2].unlink()
    assert remove_unrecorded_files(older_than_seconds=-1) == 1 and not folder.exists()  # empty folders go too
