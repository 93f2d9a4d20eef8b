"""Importing one results file: all or nothing.

Read → recognise the layout → identify the work → check every row → write the original, the pupil
rows and the row problems → record the import (replacing what it supersedes) in one transaction.
A structural problem rejects the file and changes nothing; if anything fails after files were
written, they are removed, so the database and DATA_DIR are as they were.

Keys: a pupil row is (work, school login, participant code). A regional export (and the short CSV,
and ОГЭ/ЕГЭ files) replaces the whole work for the region; a school export replaces that school's
rows. The same file imported again changes nothing.
"""

import uuid
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from objectivity.analysis.export_format import TestName, parse_test_name
from objectivity.core.auditing import Action, record
from objectivity.orgs.models import Region, School
from objectivity.results import reference as refdata
from objectivity.results.actions import keep_until
from objectivity.results.import_files import ImportFiles, import_dir, sha256_of
from objectivity.results.models import Assessment, ImportKind, ImportStatus, ReferenceVersion, ResultImport
from objectivity.results.normalise import Normalised, Rules, normalise
from objectivity.results.normalise_schools import normalise_schools
from objectivity.results.readers import FileRejected, RawSheet, read_raw
from objectivity.results.recognise import Layout, body, detect
from objectivity.results.summary import summarise, summarise_schools

Progress = Callable[[int, str], None]
WHOLE_REGION_KINDS = (ImportKind.REGIONAL, ImportKind.NARROW, ImportKind.EXAM_PUPILS)
EXAM_KINDS = (ImportKind.EXAM_PUPILS, ImportKind.EXAM_SCHOOLS)


@dataclass
class Outcome:
    file: str
    status: str  # imported | unchanged | rejected
    message: str = ""
    import_id: str = ""
    assessment: str = ""
    summary: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return asdict(self)


def import_results(
    path: Path,
    name: str,
    *,
    region: Region,
    by,
    hint: TestName | None = None,
    progress: Progress | None = None,
) -> Outcome:
    """Import one file; `hint` (from the form or the command line) wins over what the file name says."""
    report = progress or (lambda percent, message: None)
    try:
        return _import(path, name, region=region, by=by, hint=hint or TestName(), report=report)
    except (FileRejected, refdata.ReferenceError) as exc:
        return Outcome(file=name, status="rejected", message=str(exc))


def _import(path: Path, name: str, *, region: Region, by, hint: TestName, report: Progress) -> Outcome:
    report(5, _("Reading %(name)s") % {"name": name})
    sheet = read_raw(path, name)
    layout = detect(sheet)
    school = _school_of(layout, region, sheet)  # before the work is looked up: that may create it
    assessment = _assessment(name, layout, hint, sheet)
    digest = sha256_of(path)
    duplicate = _same_file(region, assessment, digest, school)
    if duplicate is not None:
        return _unchanged(name, assessment, duplicate)
    report(35, _("Checking %(n)d rows") % {"n": sheet.frame.height - layout.header_row - 1})
    current = assessment.reference()
    _check_columns(current, layout, sheet)
    if layout.kind == ImportKind.EXAM_SCHOOLS:
        checked = normalise_schools(body(sheet, layout), layout, _rules(region, layout, current))
        summary = summarise_schools(checked.pupils, checked.problems, region=region, assessment=assessment)
    else:
        checked = normalise(body(sheet, layout), layout, _rules(region, layout, current))
        summary = summarise(checked.pupils, checked.problems, region=region, assessment=assessment)
    report(70, _("Saving"))
    new = ResultImport(
        id=uuid.uuid4(),
        region=region,
        assessment=assessment,
        kind=layout.kind,
        school=school,
        original_name=name[:300],
        sha256=digest,
        summary=summary,
        rows=checked.pupils.height,
        created_by=by,
    )
    earlier = _save(new, path, checked, layout, current, by)
    if earlier is not None:  # the same file, imported at the same time by another job, got there first
        return _unchanged(name, assessment, earlier)
    report(100, _("Imported %(name)s") % {"name": name})
    return Outcome(file=name, status="imported", assessment=str(assessment), import_id=str(new.pk), summary=summary)


def _unchanged(name: str, assessment: Assessment, duplicate: ResultImport) -> Outcome:
    return Outcome(
        file=name,
        status="unchanged",
        assessment=str(assessment),
        import_id=str(duplicate.pk),
        message=_("This file was already imported on %(date)s; nothing changed")
        % {"date": f"{timezone.localtime(duplicate.created_at):%d.%m.%Y %H:%M}"},
        summary=duplicate.summary,
    )


def _assessment(name: str, layout: Layout, hint: TestName, sheet: RawSheet) -> Assessment:
    from_name, from_title = parse_test_name(Path(name).stem), parse_test_name(layout.title)
    pick = {
        key: getattr(hint, key) or getattr(from_name, key) or getattr(from_title, key)
        for key in ("year", "grade", "subject", "procedure", "period")
    }
    missing = [str(label) for key, label in IDENTITY_LABELS.items() if pick[key] is None]
    if missing:
        raise FileRejected(
            _(
                "File “%(name)s”: could not tell the %(missing)s from the file name or its title; "
                "set them by hand on the import page or with --year, --grade, --subject"
            )
            % {"name": sheet.name, "missing": ", ".join(missing)}
        )
    if layout.kind in EXAM_KINDS and pick["procedure"] not in ("oge", "ege"):
        raise FileRejected(
            _("File “%(name)s” looks like ОГЭ/ЕГЭ results: say which procedure it is (ОГЭ or ЕГЭ)")
            % {"name": sheet.name}
        )
    return refdata.assessment_for(
        procedure=pick["procedure"] or "vpr",
        year=pick["year"],
        period=pick["period"] or "spring",
        grade=pick["grade"],
        subject=pick["subject"],
    )


IDENTITY_LABELS = {"year": _l("year"), "grade": _l("grade"), "subject": _l("subject")}


def _school_of(layout: Layout, region: Region, sheet: RawSheet) -> School | None:
    """The school a school export belongs to; it must be in the region's registry."""
    if layout.kind != ImportKind.SCHOOL:
        return None
    login = layout.school_login or _single_login(sheet, layout)
    school = School.objects.filter(login=login, municipality__region=region).first() if login else None
    if school is None:
        raise FileRejected(
            _(
                "File “%(name)s”: the school “%(login)s” is not in the registry of %(region)s; add it to the registry first"
            )
            % {"name": sheet.name, "login": login or "—", "region": region.name}
        )
    return school


def _single_login(sheet: RawSheet, layout: Layout) -> str | None:
    cells = body(sheet, layout).get_column(layout.columns["school_login"])
    logins = cells.filter(cells != "").str.to_lowercase().unique()
    return logins[0] if logins.len() == 1 else None


def _same_file(region: Region, assessment: Assessment, digest: str, school: School | None) -> ResultImport | None:
    return (
        ResultImport.objects.filter(region=region, assessment=assessment, sha256=digest, school=school)
        .filter(status=ImportStatus.ACTIVE)
        .first()
    )


def _check_columns(current: ReferenceVersion | None, layout: Layout, sheet: RawSheet) -> None:
    """Official reference data fixes the number of scoring columns; inferred data may be re-inferred."""
    if current is None or current.inferred or not current.columns or not layout.tasks:
        return
    if len(current.columns) != len(layout.tasks):
        raise FileRejected(
            _(
                "File “%(name)s”: %(found)d scoring columns, but the reference data of “%(work)s” "
                "(version %(version)d) has %(expected)d; check the work, or update its reference data"
            )
            % {
                "name": sheet.name,
                "found": len(layout.tasks),
                "work": current.assessment,
                "version": current.version,
                "expected": len(current.columns),
            }
        )


def _rules(region: Region, layout: Layout, current: ReferenceVersion | None) -> Rules:
    official = current is not None and bool(current.columns) and not current.inferred
    task_max = current.column_max() if current is not None and official else [t.max for t in layout.tasks]
    max_total = current.max_total if current is not None and current.max_total else None
    return Rules(region_code=region.code, task_max=list(task_max), max_total=max_total)


def _needs_inference(current: ReferenceVersion | None, layout: Layout) -> bool:
    if not layout.tasks:
        return current is None
    return current is None or not current.columns or (current.inferred and len(current.columns) != len(layout.tasks))


def _infer_reference(new: ResultImport, current, checked: Normalised, layout: Layout, by) -> ReferenceVersion:
    labels = [t.label for t in layout.tasks]
    found = refdata.infer_columns(
        checked.pupils, labels, [t.max for t in layout.tasks], [t.level for t in layout.tasks]
    )
    keep = {"cut3": current.cut3, "cut4": current.cut4, "cut5": current.cut5} if current else {}
    max_total = (current.max_total if current and current.max_total else None) or found.max_total or None
    source = _("inferred from “%(file)s”: %(note)s") % {"file": new.original_name, "note": found.note}
    return refdata.add_version(
        new.assessment, by=by, columns=found.columns, max_total=max_total, source=source[:300], inferred=True, **keep
    )


def _save(new: ResultImport, path: Path, checked: Normalised, layout: Layout, current, by) -> ResultImport | None:
    """Keep the files and record the import; the import in use with the same file when one got there first
    (then nothing is kept)."""
    files = ImportFiles(import_dir(new.region.code, new.assessment_id), str(new.pk))
    try:
        new.original = files.keep_original(path, new.original_name)
        new.parquet = files.write_parquet(checked.pupils, ".parquet")
        files.write_parquet(checked.problems, ".problems.parquet")
        with transaction.atomic():
            _serialise_imports(new.region)
            earlier = _same_file(new.region, new.assessment, new.sha256, new.school)
            if earlier is None:
                _record(new, checked, layout, current, by)
    except BaseException:
        files.discard()
        raise
    if earlier is not None:
        files.discard()
    return earlier


def _serialise_imports(region: Region) -> None:
    """Imports of one region commit one at a time: an UPDATE takes the region's row lock in PostgreSQL and the
    write lock in SQLite until the transaction ends, so a second import of the same file waits here and then
    finds the first (the check before the long read cannot see an import still running)."""
    Region.objects.filter(pk=region.pk).update(code=F("code"))


def _record(new: ResultImport, checked: Normalised, layout: Layout, current, by) -> None:
    assessment = new.assessment
    new.reference = (
        _infer_reference(new, current, checked, layout, by) if _needs_inference(current, layout) else current
    )
    new.save()
    superseded = _superseded(new)
    replaced = list(superseded.values_list("pk", flat=True))
    superseded.update(status=ImportStatus.REPLACED, replaced_by=new, keep_files_until=keep_until())
    record(
        by=by,
        action=Action.IMPORT,
        obj=new,
        after={
            "file": new.original_name,
            "work": str(assessment),
            "rows": new.rows,
            "replaced": [str(r) for r in replaced],
        },
        note=_("results imported: %(work)s") % {"work": assessment},
    )


def _superseded(new: ResultImport):
    active = ResultImport.objects.filter(region=new.region, assessment=new.assessment, status=ImportStatus.ACTIVE)
    active = active.exclude(pk=new.pk)
    if new.kind == ImportKind.EXAM_SCHOOLS:  # school-level figures live beside pupil rows, never instead
        return active.filter(kind=ImportKind.EXAM_SCHOOLS)
    active = active.exclude(kind=ImportKind.EXAM_SCHOOLS)
    if new.kind in WHOLE_REGION_KINDS:
        return active
    return active.filter(school=new.school)
