"""The figures a school's evidence page draws, computed once per run from the rows the run read and kept with it.

Per work of the run and per unit (the region, each municipality, each school): participants, the journal
comparison, the distribution of primary scores, the completion of tasks and the parallel's mean share of the
maximum over the years; with the region, the cut scores and task labels the charts draw. The page then reads a few small rows instead of re-reading pupil files, and it draws
what the run read even after an import is withdrawn or its files are purged.

Runs made before figures were kept have none: their pages compute the same figures from the rows, unstored
(a GET never writes).
"""

import polars as pl
from django.db.models import Q

from objectivity.analysis import describe
from objectivity.detection.models import DetectionRun, EvidenceFigures
from objectivity.results.browse import task_label
from objectivity.results.current_rows import rows_of_imports, statistics_rows
from objectivity.results.models import Assessment

REGION = "region"
HISTORY_YEARS = 3  # the parallel's path: this year and up to three before


def municipality_unit(pk: int) -> str:
    return f"m{pk}"


def school_unit(pk: int) -> str:
    return f"s{pk}"


def run_figures(run: DetectionRun, works: list[Assessment], progress=None) -> list[EvidenceFigures]:
    """Unsaved figures of every unit for each work of the run (saved with its findings)."""
    out = []
    for index, work in enumerate(works):
        if progress:
            progress(index, len(works), str(work))
        for unit, figures in work_figures(run, work).items():
            out.append(EvidenceFigures(run=run, assessment=work, unit=unit, figures=figures))
    return out


def figures_of(run: DetectionRun, works: list[Assessment], units: list[str]) -> dict[int, dict[str, dict]]:
    """work id → unit → figures: stored ones (one query), or for a run made before figures were kept the same
    figures computed from the rows."""
    if not EvidenceFigures.objects.filter(run=run, unit=REGION).exists():  # (funnel points are kept for every run)
        computed = {work.pk: work_figures(run, work) for work in works}
        return {pk: {u: figures[u] for u in units if u in figures} for pk, figures in computed.items()}
    found: dict[int, dict[str, dict]] = {work.pk: {} for work in works}
    stored = EvidenceFigures.objects.filter(run=run, assessment__in=works, unit__in=units)
    for work_id, unit, figures in stored.values_list("assessment_id", "unit", "figures"):
        found[work_id][unit] = figures
    return found


def work_figures(run: DetectionRun, work: Assessment) -> dict[str, dict]:
    """unit → figures for one work, from the rows the run read (those that count in statistics)."""
    rows = rows_read(run, work)
    if rows.is_empty():
        return {}
    reference = work.reference()
    cuts = reference.cuts if reference else None
    top = reference.max_total if reference else None
    columns = reference.columns if reference and reference.columns else []
    maxima = [int(c["max"]) for c in columns]
    units: dict[str, dict] = {}
    for by, unit_of in (("school_id", school_unit), ("municipality_id", municipality_unit), (None, lambda _: REGION)):
        for key, figures in _unit_figures(rows, by, cuts=cuts, top=top, maxima=maxima).items():
            units[unit_of(key)] = figures
    for unit, points in _history(run, work).items():
        if unit in units:
            units[unit]["history"] = points
    # What the charts label and mark, as the reference data was when the run read the rows.
    units[REGION]["cuts"] = list(cuts) if cuts else None
    units[REGION]["task_labels"] = [task_label(c) for c in columns]
    return units


def rows_read(run: DetectionRun, work: Assessment) -> pl.DataFrame:
    """The rows the run read for a work; a work the run did not read (an older year of the parallel) as it is now."""
    read = run.imports_read(work.pk)
    return rows_of_imports(run.region, read) if read else statistics_rows(run.region, work)


def _unit_figures(rows: pl.DataFrame, by: str | None, *, cuts, top: int | None, maxima: list[int]) -> dict:
    """Figures per value of `by` (one unit, key None, for the whole frame)."""
    group = [by] if by else []
    counts = rows.group_by(group).agg(pl.len().alias("n")) if by else pl.DataFrame({"n": [rows.height]})
    units: dict = {(row[by] if by else None): {"n": row["n"]} for row in counts.iter_rows(named=True)}
    if cuts:
        journal = describe.journal_comparison(rows, cuts, by=group)
        for row in journal.iter_rows(named=True):
            if row["n"]:
                units[row[by] if by else None]["journal"] = [row[k] for k in ("n", "lowered", "confirmed", "raised")]
    if top:
        scores = describe.score_distribution(rows.filter(pl.col("total") <= top), top, by=group)
        for key, frame in _parts(scores, by):
            units[key]["scores"] = frame["n"].to_list()
    if maxima:
        done = describe.task_completion(rows, maxima, by=group)
        for key, frame in _parts(done, by):
            units[key]["tasks"] = [
                [task, round(value, 3)] for task, value in frame.select("task", "completion").iter_rows()
            ]
    return units


def _parts(frame: pl.DataFrame, by: str | None):
    if not by:
        yield None, frame
        return
    for (key,), part in frame.partition_by(by, as_dict=True, maintain_order=True).items():
        yield key, part


def _history(run: DetectionRun, work: Assessment) -> dict[str, list]:
    """unit → [[step label, mean percent of the maximum]] of the same parallel over the years (grade − year
    constant), for the region and each school."""
    cohort = Assessment.objects.filter(
        Q(year__lte=work.year, year__gte=work.year - HISTORY_YEARS),
        procedure=work.procedure,
        subject=work.subject,
        period=work.period,
    ).order_by("year")
    points: dict[str, list] = {}
    for other in cohort:
        if other.year - other.grade != work.year - work.grade:
            continue
        reference = other.reference()
        top = reference.max_total if reference and reference.max_total else None
        rows = rows_read(run, other)
        if rows.is_empty() or not top:
            continue
        step = history_step(other.year, other.grade)
        points.setdefault(REGION, []).append([step, _percent(rows["total"].mean(), top)])
        means = rows.group_by("school_id").agg(pl.col("total").mean())
        for school_id, mean in means.iter_rows():
            points.setdefault(school_unit(school_id), []).append([step, _percent(mean, top)])
    return points


def history_step(year: int, grade: int) -> str:
    """A step of the parallel's path as its charts label it: «2024, 4 кл.»."""
    return f"{year}, {grade} кл."


def _percent(mean, top: int) -> float:
    return round(float(mean) * 100 / top, 1)
