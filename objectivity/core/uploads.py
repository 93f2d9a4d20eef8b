"""Keeping uploaded files under DATA_DIR/uploads with a safe, unique name."""

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone

MAX_NAME_BYTES = 150  # with the prefixes added here and in results.import_files, well within a file name's 255 bytes


def safe_name(name: str) -> str:
    """`name` without a path and odd characters, at most MAX_NAME_BYTES of UTF-8 (a Cyrillic letter takes two),
    its extension kept."""
    base = re.sub(r"[^\w.\- ()]", "_", Path(name).name) or "file"
    stem, dot, suffix = base.rpartition(".") if "." in base[1:] else (base, "", "")
    tail = (dot + suffix).encode()[:20]
    room = MAX_NAME_BYTES - len(tail)
    return stem.encode()[:room].decode("utf-8", "ignore") + tail.decode("utf-8", "ignore") or "file"


def store_upload(upload, folder: str) -> Path:
    now = timezone.now()
    target_dir = settings.UPLOAD_DIR / folder / f"{now:%Y}" / f"{now:%m}"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{uuid.uuid4().hex[:12]}-{safe_name(upload.name)}"
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target
