"""The real database queue and the real `db_worker` process run a registry import end to end."""

import os
import subprocess
import sys

from django.db import connection

from objectivity.core.jobs import run_job
from objectivity.core.models import Job
from objectivity.orgs.jobs import REGISTRY_IMPORT
from objectivity.orgs.models import School
from tests.conftest import build_world


def _database_url() -> str:
    db = connection.settings_dict
    if db["ENGINE"].endswith("sqlite3"):
        return f"sqlite:///{db['NAME']}"
    return f"postgres://{db['USER']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"


def test_worker_process_runs_a_queued_job(transactional_db, tmp_path):
    world = build_world()
    path = tmp_path / "reestr.csv"
    path.write_text(
        "логин;полное наименование;муниципалитет\nsch220777;МБОУ «СОШ № 777»;Озёрный округ\n", encoding="utf-8"
    )
    job = Job.objects.create(
        kind=REGISTRY_IMPORT,
        title="t",
        region=world.region,
        created_by=world.users["region_admin"],
        params={
            "path": str(path),
            "name": path.name,
            "region_id": world.region.pk,
            "user_id": world.users["region_admin"].pk,
        },
    )
    run_job.using(backend="db").enqueue(str(job.pk))
    job.refresh_from_db()
    assert job.status == "queued"  # nothing runs until a worker takes it

    env = dict(os.environ, DJANGO_SETTINGS_MODULE="tests.settings", DATABASE_URL=_database_url())
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "objectivity.cli",
            "db_worker",
            "--backend",
            "db",
            "--batch",
            "--no-startup-delay",
            "--no-reload",
        ],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    job.refresh_from_db()
    assert job.status == "done" and job.progress == 100, (job.status, job.error)
    assert job.result["created"] == 1 and School.objects.filter(login="sch220777").exists()
