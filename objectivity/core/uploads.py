"""Keeping uploaded files under DATA_DIR/uploads with a safe, unique name."""

import re
import uuid
from pathlib import Path

from django.conf import settings
from django.utils import timezone


def safe_name(name: str) -> str:
    base = Path(name).name
    return re.sub(r"[^\w.\- ()]", "_", base)[:150] or "file"


def store_upload(upload, folder: str) -> Path:
    now = timezone.now()
    target_dir = settings.UPLOAD_DIR / folder / f"{now:%Y}" / f"{now:%m}"
    target_dir.mkdir(parents=True, exist_ok=True)
    target = target_dir / f"{uuid.uuid4().hex[:12]}-{safe_name(upload.name)}"
    with target.open("wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return target
