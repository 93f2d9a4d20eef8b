"""Results straight from files, with no database: the input of `objectivity analyze`.

Each file is read by the same readers and row checks as an import; the work (year, grade, subject,
period) comes from the file name or title, or from the hint. Maximum scores come from the reference
data given (a YAML catalogue), else the catalogue shipped with the system, else the data (said so).
"""

from dataclasses import dataclass, field
from pathlib import Path

import polars as pl
from django.utils.translation import gettext as _

from objectivity.analysis.export_format import SUBJECT_BY_CODE, TestName, parse_test_name
from objectivity.analysis.layered_findings import Step
from objectivity.analysis.schema import task_columns, with_test_key
from objectivity.detection.pipeline import MaxTotals, analysed_columns, info_of
from objectivity.results.normalise import Rules, normalise, unknown_code_lines, unknown_codes
from objectivity.results.readers import FileRejected, RawSheet, read_raw_many
from objectivity.results.recognise import body, detect
from objectivity.results.reference import KEY, parse_catalogue, shipped_catalogue


@dataclass
class FileSet:
    frames: list[pl.DataFrame] = field(default_factory=list)
    max_totals: MaxTotals = field(default_factory=dict)
    infos: dict = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    works: list[str] = field(default_factory=list)


def catalogue_entries(entries: list[dict]) -> dict[tuple, dict]:
    """Reference values per (procedure, year, period, grade, subject) of catalogue entries."""
    return {tuple(e[k] for k in KEY): e["values"] for e in entries}


def read_files(paths: list[Path], *, hint: TestName, reference: Path | None, progress: Step | None = None) -> FileSet:
    catalogue = catalogue_entries(shipped_catalogue())
    if reference is not None:
        catalogue |= catalogue_entries(parse_catalogue(reference.read_text(encoding="utf-8-sig"), reference.name))
    found = FileSet()
    if progress is not None:
        progress(0, len(paths) + 1, "")
    sheets = read_raw_many(paths)  # workbooks read ahead, each in its own bounded child process
    for index, path in enumerate(paths, start=1):
        if progress is not None:
            progress(index, len(paths) + 1, path.name)
        # Taken inside the call, not by the loop (a name, zip or enumerate would keep it while the next file is
        # read): one file's raw text at a time, as before bounded reading, not all ten national files' 5 GB.
        _read_one(path, next(sheets), hint, catalogue, found)
    return found


def _read_one(path: Path, sheet: RawSheet | FileRejected, hint: TestName, catalogue: dict, found: FileSet) -> None:
    if isinstance(sheet, FileRejected):
        raise sheet
    layout = detect(sheet)
    key = _key(path, layout.title, hint)
    values = catalogue.get(key, {})
    max_total = values.get("max_total")
    checked = normalise(
        body(sheet, layout),
        layout,
        Rules(region_code=None, task_max=_task_maxima(layout, values), max_total=max_total),
    )
    found.notes += [f"{path.name}: {line}" for line in unknown_code_lines(unknown_codes(checked.problems))]
    if max_total is None:
        max_total = _inferred_max(checked.pupils)
        found.notes.append(
            _("%(file)s: the maximum score is not in the reference data; taken from the data as %(max)d")
            % {"file": path.name, "max": max_total}
        )
    procedure, year, period, grade, subject = key
    keyed = with_test_key(checked.pupils, year=year, period=period, grade=grade, subject=subject, procedure=procedure)
    found.frames.append(analysed_columns(keyed))
    found.max_totals[(year, period, grade, subject)] = max_total
    columns = values.get("columns") or _columns_from(layout, checked.pupils)
    cuts = (values["cut3"], values["cut4"], values["cut5"]) if values.get("cut3") is not None else None
    found.infos[(year, period, grade, subject)] = info_of(max_total, cuts, columns)
    season = _("autumn") if period == "autumn" else _("spring")
    found.works.append(f"{path.name}: {year}, {grade} класс, {SUBJECT_BY_CODE[subject].name.lower()}, {season}")


def _task_maxima(layout, values: dict) -> list[int | None]:
    """Each scoring column's maximum: the reference data's when it describes the file's columns, else the
    file's header (None where neither says: the importer's bound for unknown maxima applies)."""
    columns = values.get("columns") or []
    if columns and len(columns) == len(layout.tasks):
        return [column["max"] for column in columns]
    return [t.max for t in layout.tasks]


def _key(path: Path, title: str, hint: TestName) -> tuple[str, int, str, int, str]:
    from_name, from_title = parse_test_name(path.stem), parse_test_name(title)
    pick = {
        k: getattr(hint, k) or getattr(from_name, k) or getattr(from_title, k)
        for k in ("year", "grade", "subject", "procedure", "period")
    }
    if pick["year"] is None or pick["grade"] is None or pick["subject"] is None:
        raise FileRejected(
            _(
                "File “%(name)s”: could not tell the year, grade and subject from the file name or its title; give them with --year, --grade, --subject"
            )
            % {"name": path.name}
        )
    return (pick["procedure"] or "vpr", pick["year"], pick["period"] or "spring", pick["grade"], pick["subject"])


def _columns_from(layout, pupils: pl.DataFrame) -> list[dict]:
    """Columns as the importer would infer them: maxima from the headers, else the highest score seen."""
    from objectivity.results.reference import infer_columns

    found = infer_columns(
        pupils, [t.label for t in layout.tasks], [t.max for t in layout.tasks], [t.level for t in layout.tasks]
    )
    return found.columns


def _inferred_max(pupils: pl.DataFrame) -> int:
    valid = pupils.filter(pl.col("valid") & ~pl.col("absent"))
    tasks = task_columns(valid)
    if tasks:
        return int(valid.select(pl.sum_horizontal(pl.col(tasks).max())).item() or 1)
    return int(valid.select(pl.col("total").max()).item() or 1)
