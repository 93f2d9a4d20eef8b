"""Evidence files of execution reports: the type is read from the content, never from the name; the size is
limited; the file is kept under DATA_DIR/uploads/plans (never under static or media: only a checked view serves it)
until its retention period ends."""

import datetime
import hashlib
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from objectivity.core.uploads import store_upload

KINDS = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "png": "image/png",
    "jpeg": "image/jpeg",
}
ACCEPT = ".pdf,.docx,.xlsx,.png,.jpg,.jpeg"
_ZIP_MEMBERS = {"docx": "word/document.xml", "xlsx": "xl/workbook.xml"}


@dataclass(frozen=True)
class Checked:
    kind: str
    size: int
    sha256: str


def max_bytes() -> int:
    return settings.PLAN_EVIDENCE_MAX_MB * 1024 * 1024


def check_upload(upload) -> Checked:
    """The file's kind, size and digest, or a ValidationError that names the file and says what was expected."""
    size = upload.size or 0
    if size == 0:
        raise ValidationError(_("The file «%(name)s» is empty.") % {"name": upload.name})
    if size > max_bytes():
        raise ValidationError(
            _("The file «%(name)s» is %(size).1f MB; a file may be at most %(limit)d MB.")
            % {"name": upload.name, "size": size / 1024 / 1024, "limit": settings.PLAN_EVIDENCE_MAX_MB}
        )
    kind = sniff(upload)
    if kind is None:
        raise ValidationError(
            _(
                "The file «%(name)s» is not a PDF, DOCX, XLSX, PNG or JPEG file by its content (the name does not count)."
            )
            % {"name": upload.name}
        )
    return Checked(kind, size, _digest(upload))


def sniff(upload) -> str | None:
    """pdf, docx, xlsx, png or jpeg by the file's first bytes (and, for an Office file, its parts), else None. An
    Office file with macros is refused: evidence needs none."""
    upload.seek(0)
    head = upload.read(8)
    upload.seek(0)
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"PK\x03\x04"):
        return _office_kind(upload)
    return None


def _office_kind(upload) -> str | None:
    try:
        with zipfile.ZipFile(upload) as archive:
            names = set(archive.namelist())
            types = archive.read("[Content_Types].xml") if "[Content_Types].xml" in names else b""
    except (zipfile.BadZipFile, KeyError, OSError):
        return None
    finally:
        upload.seek(0)
    if b"macroEnabled" in types or any(name.endswith("vbaProject.bin") for name in names):
        return None
    return next((kind for kind, member in _ZIP_MEMBERS.items() if member in names), None)


def _digest(upload) -> str:
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    return digest.hexdigest()


def keep_until(today: datetime.date | None = None) -> datetime.date:
    return (today or timezone.localdate()) + datetime.timedelta(days=settings.PLAN_EVIDENCE_RETENTION_DAYS)


def store(upload) -> str:
    """Write the upload under uploads/plans; the path relative to UPLOAD_DIR."""
    path = store_upload(upload, "plans")
    return str(path.relative_to(settings.UPLOAD_DIR))


def absolute(relative: str) -> Path:
    root = Path(settings.UPLOAD_DIR).resolve()
    path = (root / relative).resolve()
    if root not in path.parents:  # a path in the database must never lead outside the uploads
        raise ValueError(f"evidence path outside the uploads: {relative}")
    return path
