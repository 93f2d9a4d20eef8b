"""Detection runs over stored results: read the data in use, analyse, keep findings with the exact
settings and data versions, and write findings.csv exactly as `objectivity analyze` does."""

import math
from pathlib import Path

import polars as pl
from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from objectivity.analysis import wording
from objectivity.analysis.markers.fioco import objectivity_index
from objectivity.analysis.parameters import METHOD_VERSION, params_of, recorded
from objectivity.analysis.schema import with_test_key
from objectivity.analysis.weights import combination_method
from objectivity.core.auditing import Action, record
from objectivity.core.bulk import bulk_insert
from objectivity.detection.actions import stored_settings
from objectivity.detection.evidence import run_figures
from objectivity.detection.evidence_page import layers_with_signs
from objectivity.detection.models import DetectionRun, Finding, RunStatus
from objectivity.detection.pipeline import (
    MaxTotals,
    analyse,
    analysed_columns,
    info_of,
    progress_step,
    write_findings_csv,
)
from objectivity.detection.signs import keep_signs
from objectivity.orgs.models import School
from objectivity.results.current_rows import current_pupils, imports_in_use, registry_frame
from objectivity.results.models import Assessment, ControlSample, Procedure

DETAIL_COLUMNS = (
    "mean",
    "ci_low",
    "ci_high",
    "region_mean",
    "region_ci_high",
    "spearman",
    "n_journal",
    "k",
    "k_low",
    "k_high",
)


def works_of_year(region, year: int):
    """ВПР works of the year with results in use in the region, and ОГЭ Russian and maths (pupil rows),
    whose mean marker the published method also counts."""
    in_use = Assessment.objects.filter(year=year, imports__region=region, imports__status="active")
    oge = Q(procedure=Procedure.OGE, subject__in=["ru", "ma"]) & ~Q(imports__kind="exam_schools")
    return in_use.filter(Q(procedure=Procedure.VPR) | oge).distinct()


def create_run(*, region, year: int, assessments, by) -> DetectionRun:
    run = DetectionRun.objects.create(
        region=region, year=year, thresholds=stored_settings(by=by, region=region, year=year), created_by=by
    )
    run.assessments.set(assessments)
    return run


def context_works(run: DetectionRun) -> list[Assessment]:
    """The run's works and, as context, the previous year's ВПР works in the same subjects and periods
    (grade 4 for the cohort marker; every grade for the persistence of a layer's signal)."""
    works = list(run.assessments.all())
    earlier = Assessment.objects.filter(
        procedure=Procedure.VPR,
        year=run.year - 1,
        subject__in=[w.subject for w in works],
        period__in=[w.period for w in works],
        imports__region=run.region,
        imports__status="active",
    ).distinct()
    return works + [w for w in earlier if w not in works]


def stored_frames(region, works: list[Assessment], progress) -> tuple[list[pl.DataFrame], MaxTotals, list[dict], dict]:
    frames, maxima, versions, infos = [], {}, [], {}
    registry = registry_frame(region)
    for index, work in enumerate(works):
        progress(5 + int(60 * index / max(1, len(works))), str(work))
        # Every stored row of registry schools, absent and excluded ones too: the analysis counts them
        # itself, exactly as it does for rows read straight from files.
        imports = imports_in_use(region, work)
        rows = current_pupils(region, work, imports=imports, registry=registry)
        rows = rows.filter(pl.col("school_id").is_not_null()) if not rows.is_empty() else rows
        versions.append({"assessment": work.pk, "imports": [{"id": str(i.pk), "sha256": i.sha256} for i in imports]})
        if rows.is_empty():
            continue
        keyed = with_test_key(
            rows, year=work.year, period=work.period, grade=work.grade, subject=work.subject, procedure=work.procedure
        )
        frames.append(analysed_columns(keyed))  # as files are read: only what the analysis reads is held
        key = (work.year, work.period, work.grade, work.subject)
        reference = work.reference()
        maxima[key] = max_total_of(reference, rows)
        if reference is not None and reference.columns:
            infos[key] = info_of(maxima[key], reference.cuts, reference.columns)
    return frames, maxima, versions, infos


def max_total_of(reference, rows: pl.DataFrame) -> int:
    """The work's maximum score from its reference data, else the highest total seen."""
    if reference is not None and reference.max_total:
        return int(reference.max_total)
    return int(rows["total"].max() or 1)  # type: ignore[arg-type]


def execute(run: DetectionRun, progress) -> dict:
    works = context_works(run)
    frames, maxima, versions, infos = stored_frames(run.region, works, progress)
    progress(70, _("Computing the markers"))
    keys = {(w.year, w.period, w.grade, w.subject): w for w in run.assessments.all()}
    wanted = pl.DataFrame(
        [dict(zip(("year", "period", "grade", "subject"), key, strict=True)) for key in keys],
        schema={"year": pl.Int32, "period": pl.String, "grade": pl.Int32, "subject": pl.String},
    )
    step = progress_step(progress, 70, 85, _("Evidence layers"))
    params, references = params_of(run.thresholds.values), control_samples(run.region, works)
    findings = analyse(frames, maxima, params, infos, reported=wanted, step=step, references=references)
    run.method = combination_method()  # which layer weights the combination had (objectivity.analysis.weights)
    run.method_version, run.parameters = METHOD_VERSION, recorded(params)  # what flags, with every parameter
    run.data_versions = versions  # what the figures of the evidence pages are computed from
    figures = run_figures(run, list(keys.values()), progress_step(progress, 85, 95, _("Figures of the school pages")))
    progress(95, _("Saving the findings"))
    path = settings.DATA_DIR / "detection" / str(run.pk) / "findings.csv"
    _save(run, findings, keys, versions, path, figures)
    return run.summary


def control_samples(region, works: list[Assessment]) -> dict[tuple[int, str, int, str], frozenset[str]]:
    """Per work: logins of the region's schools in its «ВПР с контролем объективности» sample, the clean
    reference of the layers that fit the region's background (objectivity.analysis.evidence_layers.REFERENCE)."""
    rows = ControlSample.objects.filter(assessment__in=works, school__municipality__region=region).values_list(
        "assessment__year", "assessment__period", "assessment__grade", "assessment__subject", "school__login"
    )
    found: dict[tuple[int, str, int, str], set[str]] = {}
    for year, period, grade, subject, login in rows:
        found.setdefault((year, period, grade, subject), set()).add(login)
    return {key: frozenset(logins) for key, logins in found.items()}


@transaction.atomic
def _save(
    run: DetectionRun, findings: pl.DataFrame, keys: dict, versions: list[dict], path: Path, figures: list
) -> None:
    schools = dict(School.objects.filter(municipality__region=run.region).values_list("login", "pk"))
    rows = [] if findings.is_empty() else findings.iter_rows(named=True)
    details = _detail_columns(findings.columns)
    bulk_insert([_finding(run, row, keys, schools, details) for row in rows if row["school_login"] in schools])
    bulk_insert(figures)
    if not findings.is_empty():
        write_findings_csv(findings, path)
        run.findings_csv = str(path.relative_to(settings.DATA_DIR))
    run.data_versions, run.status = versions, RunStatus.DONE
    run.summary = summarise_run(findings, keys)
    run.save()
    keep_signs(run)
    record(
        by=run.created_by,
        action=Action.CREATE,
        obj=run,
        after={"year": run.year, "settings": run.thresholds.version, "works": len(keys)},
        note=_("detection run"),
    )


def _detail_columns(columns: list[str]) -> list[str]:
    """What a finding keeps in `details`: DETAIL_COLUMNS and each layer's p, statistic and explanation (its item
    of codes and numbers, "" when the layer said nothing)."""
    evidence = [
        c for c in columns if c.startswith(("p_", "stat_", "explain_")) or c in ("probability_low", "probability_high")
    ]
    return [*DETAIL_COLUMNS, *evidence]


def _finding(run: DetectionRun, row: dict, keys: dict, schools: dict[str, int], details: list[str]) -> Finding:
    kept = {c: wording.decoded(row.get(c)) if c.startswith("explain_") else _plain(row.get(c)) for c in details}
    return Finding(
        run=run,
        assessment=keys[(row["year"], row["period"], row["grade"], row["subject"])],
        school_id=schools[row["school_login"]],
        n=row["n"],
        status=row["status"],
        fioco_mean=row["fioco_mean"],
        fioco_spearman=row["fioco_spearman"],
        fioco_cohort=row["fioco_cohort"] or "",
        probability=row["probability"],
        risk=row["risk"],
        flagged=bool(row["flagged"]),
        reasons=[wording.decoded(item) for item in row["reasons"] or []],
        layers_seen=layers_with_signs(kept),
        details=kept,
    )


def _plain(value):
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def fioco_marker() -> pl.Expr:
    """At least one ФИОКО marker: the index «Уровень объективности» counts these, not the layers' flags."""
    return (
        (pl.col("fioco_mean") == 1) | (pl.col("fioco_spearman") == 1) | pl.col("fioco_cohort").is_in(["rise", "fall"])
    ).fill_null(False)


def summarise_run(findings: pl.DataFrame, keys: dict) -> dict:
    """Per work of the run (summarise_keys, in the run's order) and the region's objectivity index."""
    per_key = {(r["year"], r["period"], r["grade"], r["subject"]): r for r in summarise_keys(findings)}
    empty = {"schools": 0, "ok": 0, "flagged": 0, "index": None, "signs": 0}
    works = [
        {"assessment": work.pk, "work": str(work), **{k: per_key.get(key, empty)[k] for k in empty}}
        for key, work in keys.items()
    ]
    ok_rows = findings.filter(pl.col("status") == "ok") if not findings.is_empty() else findings
    marked = ok_rows.with_columns(fioco_marker().cast(pl.Int8).alias("marker")) if not ok_rows.is_empty() else ok_rows
    overall = objectivity_index(marked, marker_columns=["marker"]) if not marked.is_empty() else None
    with_oge = any(work.procedure == Procedure.OGE for work in keys.values())
    return {"works": works, "index": None if overall is None else round(overall, 1), "with_oge": with_oge}


def summarise_keys(findings: pl.DataFrame) -> list[dict]:
    """Per region and work in a findings frame: schools, with enough data, with a ФИОКО marker, the
    objectivity index (ФИОКО), and school × works flagged by the combination of layers («signs»)."""
    if findings.is_empty():
        return []
    ok = pl.col("status") == "ok"
    per = findings.group_by(["region", "year", "period", "grade", "subject"]).agg(
        pl.len().alias("schools"),
        ok.sum().alias("ok"),
        (ok & fioco_marker()).sum().alias("flagged"),
        (pl.col("flagged") == 1).sum().alias("signs"),
    )
    per = per.with_columns(
        pl.when(pl.col("ok") > 0)
        .then(100 - 100 * pl.col("flagged") / pl.col("ok"))
        .otherwise(None)
        .round(1)
        .alias("index")
    )
    return per.sort(["region", "year", "period", "grade", "subject"]).to_dicts()
