"""A finding's signs as conditions on its row, and what a run keeps of them for the dashboard and the analytic report:
schools with signs per municipality (in the run's summary) and, per work, each school's mean and signs (the funnel
plot's points, kept as the work's figures of unit SCHOOLS).

Ours is a sign of the combination of layers (`Finding.flagged`); the published method's is a ФИОКО marker (the mean
or the Spearman marker fired, or the cohort's marks rose or fell). The two are counted apart, never merged. A run's
findings never change once saved, so these are counted once, not per request: a page adds ten rows instead of
counting 10,000 findings a year.
"""

from django.db.models import BooleanField, Count, ExpressionWrapper, F, FloatField, Q
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from objectivity.detection.models import EvidenceFigures, Finding
from objectivity.results.browse import MIN_CELL

OURS = Q(flagged=True)
FIOCO = Q(fioco_mean=1) | Q(fioco_spearman=1) | Q(fioco_cohort__in=["rise", "fall"])
SCHOOLS = "schools"  # the unit of a work's funnel points among its EvidenceFigures


def keep_signs(run, findings=Finding.objects, figures=EvidenceFigures.objects) -> None:
    """Count a saved run's findings into its summary and its works' funnel points. A migration passes its
    historical managers."""
    run.summary = {**run.summary, "municipalities": signs_by_municipality(run, findings)}
    run.save(update_fields=["summary"])
    figures.filter(run=run, unit=SCHOOLS).delete()
    points = funnel_points(run, findings)
    figures.bulk_create(
        [figures.model(run=run, assessment_id=work, unit=SCHOOLS, figures={"points": p}) for work, p in points.items()]
    )


def signs_by_municipality(run, findings) -> list[dict]:
    """Per municipality of the run: schools with enough data in some work («ok»), with our sign in some work, with a
    marker in some work."""
    rows = (
        findings.filter(run=run, status="ok")
        .values("school__municipality_id")
        .annotate(
            schools=Count("school", distinct=True),
            ours=Count("school", filter=OURS, distinct=True),
            fioco=Count("school", filter=FIOCO, distinct=True),
        )
        .order_by("school__municipality_id")
    )
    return [
        {"municipality": r["school__municipality_id"], "schools": r["schools"], "ours": r["ours"], "fioco": r["fioco"]}
        for r in rows
    ]


def _flag(condition: Q) -> ExpressionWrapper:
    return ExpressionWrapper(condition, output_field=BooleanField())


def funnel_points(run, findings) -> dict[int, list[dict]]:
    """work id → its schools with enough data and at least MIN_CELL participants (a smaller work is never a point of
    its own outside its school): mean primary score, participants, and which sign (ours first, then a marker)."""
    rows = (
        findings.filter(run=run, status="ok", n__gte=MIN_CELL)
        .annotate(mean=Cast(KT("details__mean"), FloatField()), municipality=F("school__municipality_id"))
        .annotate(ours=_flag(OURS), fioco=_flag(FIOCO))
        .values("assessment_id", "school_id", "municipality", "n", "mean", "ours", "fioco")
        .order_by("assessment_id", "school_id")
    )
    points: dict[int, list[dict]] = {}
    for row in rows:
        if row["mean"] is None:
            continue
        sign = "ours" if row["ours"] else "fioco" if row["fioco"] else "none"
        point = {"school": row["school_id"], "municipality": row["municipality"], "n": row["n"]}
        points.setdefault(row["assessment_id"], []).append({**point, "mean": round(row["mean"], 2), "sign": sign})
    return points
