"""Backup and restore of everything a deployment holds: the database, Parquet files and uploads.

An archive is a .tar.gz with `manifest.json`, the database (`database.sqlite3` copied with SQLite's
online backup API, or `database.pgdump` from pg_dump's custom format) and `data/` (DATA_DIR without
the database itself and without collected static files).
"""

import json
import os
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from pathlib import Path

from django.conf import settings
from django.db import connections
from django.utils import timezone
from django.utils.translation import gettext as _

SKIP_IN_DATA = {"static"}


class BackupError(Exception):
    pass


def _db():
    return settings.DATABASES["default"]


def _is_sqlite() -> bool:
    return _db()["ENGINE"].endswith("sqlite3")


def _pg_env() -> dict:
    db = _db()
    env = dict(os.environ)
    env.update(
        {
            "PGHOST": str(db.get("HOST") or "localhost"),
            "PGPORT": str(db.get("PORT") or 5432),
            "PGUSER": str(db.get("USER") or ""),
            "PGDATABASE": str(db["NAME"]),
        }
    )
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = str(db["PASSWORD"])
    return env


def _database_files() -> set[Path]:
    if not _is_sqlite():
        return set()
    name = Path(str(_db()["NAME"])).resolve()
    return {name, Path(f"{name}-wal"), Path(f"{name}-shm"), Path(f"{name}-journal")}


def _dump_database(target_dir: Path) -> str:
    if _is_sqlite():
        target = target_dir / "database.sqlite3"
        source = sqlite3.connect(str(_db()["NAME"]))
        with sqlite3.connect(str(target)) as copy:
            source.backup(copy)
        source.close()
        return target.name
    target = target_dir / "database.pgdump"
    result = subprocess.run(
        ["pg_dump", "-Fc", "--no-owner", "-f", str(target)], env=_pg_env(), capture_output=True, text=True
    )
    if result.returncode:
        raise BackupError(_("pg_dump failed: %(error)s") % {"error": result.stderr.strip()})
    return target.name


def backup(out: Path) -> Path:
    """Write a complete backup archive to `out` and return its path."""
    skip = _database_files()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        database = _dump_database(work)
        manifest = {
            "created_at": timezone.now().isoformat(),
            "engine": "sqlite" if _is_sqlite() else "postgresql",
            "database": database,
            "format": 1,
        }
        (work / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1))
        out.parent.mkdir(parents=True, exist_ok=True)
        with tarfile.open(out, "w:gz") as tar:
            tar.add(work / "manifest.json", arcname="manifest.json")
            tar.add(work / database, arcname=database)
            for path in sorted(settings.DATA_DIR.iterdir()):
                if path.name in SKIP_IN_DATA or path.resolve() in skip or path.resolve() == out.resolve():
                    continue
                tar.add(path, arcname=f"data/{path.name}")
    return out


def restore(archive: Path) -> dict:
    """Replace the database and the data files with those of `archive`."""
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, filter="data")
        manifest = json.loads((work / "manifest.json").read_text())
        engine = "sqlite" if _is_sqlite() else "postgresql"
        if manifest["engine"] != engine:
            raise BackupError(
                _("The archive holds a %(archive)s database; this installation uses %(engine)s")
                % {"archive": manifest["engine"], "engine": engine}
            )
        connections.close_all()
        _restore_database(work / manifest["database"])
        _restore_data(work / "data")
    return manifest


def _restore_database(dump: Path) -> None:
    if _is_sqlite():
        target = Path(str(_db()["NAME"]))
        source = sqlite3.connect(str(dump))
        with sqlite3.connect(str(target)) as live:
            source.backup(live)
        source.close()
        return
    result = subprocess.run(
        [
            "pg_restore",
            "--clean",
            "--if-exists",
            "--no-owner",
            "--single-transaction",
            "-d",
            _pg_env()["PGDATABASE"],
            str(dump),
        ],
        env=_pg_env(),
        capture_output=True,
        text=True,
    )
    if result.returncode:
        raise BackupError(_("pg_restore failed: %(error)s") % {"error": result.stderr.strip()})


def _restore_data(source: Path) -> None:
    skip = _database_files()
    for path in settings.DATA_DIR.iterdir():
        if path.name in SKIP_IN_DATA or path.resolve() in skip:
            continue
        shutil.rmtree(path) if path.is_dir() else path.unlink()
    if source.is_dir():
        for path in source.iterdir():
            target = settings.DATA_DIR / path.name
            shutil.copytree(path, target) if path.is_dir() else shutil.copy2(path, target)
