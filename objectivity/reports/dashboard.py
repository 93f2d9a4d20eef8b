"""What the regional dashboard and a municipality's view draw, from the years' runs in the viewer's scope: the level of
objectivity over years by both methods, signs by municipality over three years, a funnel plot of schools and the
distribution of primary scores around the cut scores (heaping shows as a step at a cut).

The level of objectivity is the published method's index (METHODS.md §1.4): 100 − the percentage of schools with enough
data (`status == "ok"` in some work) that have at least one ФИОКО marker; ours is read the same way, with a sign of the
combination of layers in place of a marker. A work of fewer than 5 participants is never a point of its own outside its school.
"""

import math
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, FloatField, QuerySet
from django.db.models.fields.json import KT
from django.db.models.functions import Cast

from objectivity.detection.models import DetectionRun, EvidenceFigures, Finding
from objectivity.orgs.models import Municipality
from objectivity.reports import listing
from objectivity.results.browse import MIN_CELL
from objectivity.results.models import Assessment

FUNNEL_Z = (
    1.96,
    3.09,
)  # 95 % and 99.8 % control limits, as funnel plots of institutions are drawn (Spiegelhalter 2005)


@dataclass(frozen=True)
class Scope:
    """Whose figures: the viewer (the row gate applies), and a municipality or the whole region they see."""

    user: Any
    municipality: Municipality | None = None

    def findings(self, runs: list[DetectionRun]) -> QuerySet[Finding]:
        everything = self.user is listing.CONSOLE  # the command line reads the whole region
        visible = Finding.objects.all() if everything else Finding.objects.visible_to(self.user, listing.VIEW_LIST)
        rows = visible.filter(run__in=runs, status="ok")
        return rows.filter(school__municipality=self.municipality) if self.municipality is not None else rows


def index_by_year(scope: Scope, years: list[int]) -> list[dict]:
    """Per year (oldest first): schools with enough data, with a sign of each method, and the level of objectivity."""
    out = []
    for year in sorted(years):
        counts = scope.findings(listing.year_runs(scope.user, year)).aggregate(
            total=Count("school", distinct=True),
            fioco=Count("school", filter=listing.FIOCO, distinct=True),
            ours=Count("school", filter=listing.OURS, distinct=True),
        )
        if counts["total"]:
            out.append({"year": year, **counts, **_levels(counts)})
    return out


def _levels(counts: dict) -> dict:
    total = counts["total"]
    return {"fioco_level": 100 - 100 * counts["fioco"] / total, "ours_level": 100 - 100 * counts["ours"] / total}


def by_municipality(scope: Scope, year: int) -> list[dict]:
    """Per municipality and year (the year and the two before): schools with enough data, with our sign, with a
    marker of the published method, and the shares; by municipality name (never by share)."""
    rows = []
    for each in (year - 2, year - 1, year):
        findings = scope.findings(listing.year_runs(scope.user, each))
        counted = findings.values("school__municipality_id", "school__municipality__name").annotate(
            schools=Count("school", distinct=True),
            ours=Count("school", filter=listing.OURS, distinct=True),
            fioco=Count("school", filter=listing.FIOCO, distinct=True),
        )
        rows += [_municipality_row(each, row) for row in counted]
    for row in rows:
        row["ours_share"] = 100 * row["ours"] / row["schools"]
        row["fioco_share"] = 100 * row["fioco"] / row["schools"]
    return sorted(rows, key=lambda r: (r["municipality"], r["year"]))


def _municipality_row(year: int, row: dict) -> dict:
    municipality = {
        "municipality": row.pop("school__municipality__name"),
        "municipality_id": row.pop("school__municipality_id"),
    }
    return {"year": year, **municipality, **row}


def year_works(scope: Scope, year: int) -> list[Assessment]:
    runs = listing.year_runs(scope.user, year)
    return list(Assessment.objects.filter(detection_runs__in=runs).distinct().order_by("grade", "subject"))


def funnel(scope: Scope, year: int, work: Assessment) -> dict | None:
    """Schools' mean primary score against their number of participants, with the region's mean and control limits
    narrowing as the number grows; None without the region's figures of the work."""
    runs = listing.year_runs(scope.user, year)
    region = EvidenceFigures.objects.filter(run__in=runs, assessment=work, unit="region").first()
    if region is None:
        return None
    mean, sd = _mean_sd(region.figures["scores"])
    findings = scope.findings(runs).filter(assessment=work, n__gte=MIN_CELL)
    # The school's mean only, read in the database: a finding's details are kilobytes of every layer's numbers.
    rows = findings.annotate(mean=Cast(KT("details__mean"), FloatField())).values(*FUNNEL_FIELDS)
    points = [_funnel_point(row) for row in rows if row["mean"] is not None]
    sizes = [p["n"] for p in points]
    return {"mean": mean, "points": points, "limits": _limits(mean, sd, sizes), "work": work}


FUNNEL_FIELDS = ("n", "mean", "flagged", "fioco_mean", "fioco_spearman", "fioco_cohort", "school__short_name")


def _funnel_point(row: dict) -> dict:
    fioco = row["fioco_mean"] == 1 or row["fioco_spearman"] == 1 or row["fioco_cohort"] in ("rise", "fall")
    sign = "ours" if row["flagged"] else "fioco" if fioco else "none"
    return {"n": row["n"], "mean": round(row["mean"], 2), "school": row["school__short_name"], "sign": sign}


def _mean_sd(counts: list[int]) -> tuple[float, float]:
    """Mean and standard deviation of primary scores from their counts (index = score)."""
    total = sum(counts)
    mean = sum(score * k for score, k in enumerate(counts)) / total
    variance = sum(k * (score - mean) ** 2 for score, k in enumerate(counts)) / total
    return mean, math.sqrt(variance)


def _limits(mean: float, sd: float, sizes: list[int]) -> list[dict]:
    if not sizes:
        return []
    steps = sorted({MIN_CELL, *range(MIN_CELL, max(sizes) + 1, max(1, max(sizes) // 60)), max(sizes)})
    return [
        {"n": n, "z": z, "low": mean - z * sd / math.sqrt(n), "high": mean + z * sd / math.sqrt(n)}
        for z in FUNNEL_Z
        for n in steps
    ]


def scores(scope: Scope, year: int, work: Assessment) -> dict | None:
    """Shares of participants by primary score and the cut scores: the municipality's first when the view is one's,
    then the region's (figures kept with the run)."""
    runs = listing.year_runs(scope.user, year)
    labels = {"region": runs[0].region.name if runs else ""}
    if scope.municipality is not None:
        labels = {f"m{scope.municipality.pk}": scope.municipality.name, **labels}
    kept = EvidenceFigures.objects.filter(run__in=runs, assessment=work, unit__in=list(labels))
    figures = {e.unit: e.figures for e in kept}
    if "region" not in figures:
        return None
    values = [
        {"level": label, "score": score, "share": round(100 * k / sum(figures[unit]["scores"]), 2)}
        for unit, label in labels.items()
        if unit in figures
        for score, k in enumerate(figures[unit]["scores"])
    ]
    cuts = figures["region"].get("cuts")
    return {"values": values, "cuts": tuple(cuts) if cuts and len(cuts) == 3 else None}
