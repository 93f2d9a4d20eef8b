"""Where the files of a results import live under DATA_DIR, and writing them so a failure leaves nothing.

Per import: the original file, the pupil rows (Parquet, immutable) and the row problems (Parquet).
Paths in the database are relative to DATA_DIR, so a restored backup works in another directory.
"""

import hashlib
import os
import shutil
import time
import uuid
from pathlib import Path

import polars as pl
from django.conf import settings

from objectivity.core.uploads import safe_name


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def absolute(relative: str) -> Path:
    return settings.DATA_DIR / relative


def import_dir(region_code: str, assessment_id: int) -> Path:
    return settings.RESULTS_DIR / region_code / str(assessment_id)


class ImportFiles:
    """Collects the files an import writes; `discard()` removes them all if the import fails."""

    def __init__(self, folder: Path, stem: str):
        self.folder, self.stem = folder, stem
        self.written: list[Path] = []
        self.created_dirs: list[Path] = []

    def _target(self, suffix: str) -> Path:
        missing = [p for p in (self.folder, *self.folder.parents) if not p.exists()]
        self.folder.mkdir(parents=True, exist_ok=True)
        self.created_dirs.extend(missing)  # deepest first
        return self.folder / f"{self.stem}{suffix}"

    def write_parquet(self, frame: pl.DataFrame, suffix: str) -> str:
        target = self._target(suffix)
        partial = target.with_name(target.name + ".partial")
        self.written.append(partial)
        frame.write_parquet(partial, compression="zstd", statistics=True)
        os.replace(partial, target)  # readers never see a half-written file
        self.written.append(target)
        return self.relative(target)

    def keep_original(self, source: Path, name: str) -> str:
        target = self._target(f"-{safe_name(name)}")
        self.written.append(target)
        shutil.copyfile(source, target)
        return self.relative(target)

    def relative(self, path: Path) -> str:
        return str(path.relative_to(settings.DATA_DIR))

    def discard(self) -> None:
        for path in self.written:
            path.unlink(missing_ok=True)
        for folder in self.created_dirs:
            if folder.exists() and not any(folder.iterdir()):
                folder.rmdir()


def unrecorded_files(recorded_ids: set[str], *, older_than_seconds: float) -> list[Path]:
    """Files under RESULTS_DIR whose import was never recorded (a worker killed between writing them and the
    commit), older than the grace period: an import still running has written its files moments before."""
    root = Path(settings.RESULTS_DIR)
    if not root.is_dir():
        return []
    deadline = time.time() - older_than_seconds
    found = []
    for path in root.glob("*/*/*"):
        stem = path.name[:36]
        if path.is_file() and _is_uuid(stem) and stem not in recorded_ids and path.stat().st_mtime < deadline:
            found.append(path)
    return found


def remove_with_empty_folders(paths: list[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)
        for folder in (path.parent, path.parent.parent):
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()


def _is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text
    except ValueError:
        return False
