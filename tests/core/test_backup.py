"""Backup and restore bring back the database and the data files, on SQLite and on PostgreSQL."""

import io
import tarfile

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError

from objectivity.core.backup import BackupError, backup, restore
from objectivity.orgs.models import School
from tests.conftest import build_world


def test_roundtrip(transactional_db, tmp_path):
    build_world()
    upload = settings.UPLOAD_DIR / "registry" / "2026" / "reestr.csv"
    upload.parent.mkdir(parents=True, exist_ok=True)
    upload.write_text("логин;полное наименование\n", encoding="utf-8")
    archive = backup(tmp_path / "backup.tar.gz")
    with tarfile.open(archive) as tar:
        names = tar.getnames()
    assert "manifest.json" in names and any(n.startswith("database.") for n in names)
    assert "data/uploads/registry/2026/reestr.csv" in names

    School.objects.filter(login="sch220002").delete()
    upload.unlink()
    (settings.DATA_DIR / "stray.txt").write_text("left by someone")

    manifest = restore(archive)
    assert manifest["engine"] in ("sqlite", "postgresql")
    assert School.objects.filter(login="sch220002").exists()
    assert upload.read_text(encoding="utf-8").startswith("логин")
    assert not (settings.DATA_DIR / "stray.txt").exists()


def test_restore_refuses_another_engine(transactional_db, tmp_path):
    archive = backup(tmp_path / "b.tar.gz")
    other = tmp_path / "other.tar.gz"
    with tarfile.open(archive) as src, tarfile.open(other, "w:gz") as dst:
        for member in src.getmembers():
            data = src.extractfile(member).read() if member.isfile() else None
            if member.name == "manifest.json":
                data = data.replace(b'"sqlite"', b'"mysql"').replace(b'"postgresql"', b'"mysql"')
                member.size = len(data)
            dst.addfile(member, io.BytesIO(data) if data is not None else None)
    with pytest.raises(BackupError, match="mysql"):
        restore(other)


def test_commands(transactional_db, tmp_path):
    out = io.StringIO()
    call_command("backup", "--out", str(tmp_path / "x.tar.gz"), stdout=out)
    assert "x.tar.gz" in out.getvalue()
    call_command("restore", str(tmp_path / "x.tar.gz"), "--yes", stdout=out)
    assert "Восстановлена резервная копия" in out.getvalue()


def test_restore_asks_in_russian_and_cancels(transactional_db, tmp_path, monkeypatch):
    call_command("backup", "--out", str(tmp_path / "x.tar.gz"), stdout=io.StringIO())
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "нет")
    with pytest.raises(CommandError, match="отменено"):
        call_command("restore", str(tmp_path / "x.tar.gz"))
    assert "«да»" in asked[0]
