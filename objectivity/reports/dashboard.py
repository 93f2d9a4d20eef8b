"""What the regional dashboard and a municipality's view draw, from the years' runs in the viewer's scope: the level of
objectivity over years by both methods, signs by municipality over three years, a funnel plot of schools and the
distribution of primary scores around the cut scores (heaping shows as a step at a cut).

The level of objectivity is the published method's index (METHODS.md §1.4): 100 − the percentage of schools with enough
data (`status == "ok"` in some work) that have at least one ФИОКО marker; ours is read the same way, with a sign of the
combination of layers in place of a marker. A work of fewer than 5 participants is never a point of its own outside its school.
"""

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

from objectivity.detection import signs
from objectivity.detection.models import DetectionRun, EvidenceFigures
from objectivity.orgs.models import Municipality, School
from objectivity.reports import listing
from objectivity.results.browse import MIN_CELL
from objectivity.results.models import Assessment

FUNNEL_Z = (
    1.96,
    3.09,
)  # 95 % and 99.8 % control limits, as funnel plots of institutions are drawn (Spiegelhalter 2005)


@dataclass
class Scope:
    """Whose figures: the viewer (the row gate applies), and a municipality or the whole region they see (one
    region's, when given: a report of a region). The years' runs and the municipalities seen are read once per scope
    (a page asks for them many times)."""

    user: Any
    municipality: Municipality | None = None
    region: Any = None
    _runs: dict[int, list[DetectionRun]] = field(default_factory=dict, compare=False, repr=False)

    def runs(self, year: int) -> list[DetectionRun]:
        if year not in self._runs:
            self._runs[year] = listing.year_runs(self.user, year, self.region)
        return self._runs[year]

    @cached_property
    def municipalities(self) -> dict[int, str]:
        """Names of the municipalities whose schools count here: those the viewer sees, or the one of the view.
        Counts are kept per municipality with the run, so a viewer sees whole municipalities: region and
        municipality users (who hold the dashboard) see exactly the schools their rows show."""
        everything = self.user is listing.CONSOLE
        seen = (
            Municipality.objects.all() if everything else Municipality.objects.visible_to(self.user, listing.VIEW_LIST)
        )
        seen = seen.filter(pk=self.municipality.pk) if self.municipality is not None else seen
        seen = seen.filter(region=self.region) if self.region is not None else seen
        return dict(seen.values_list("pk", "name"))

    def counted(self, year: int) -> list[dict]:
        """The year's counts per municipality in this scope (objectivity.detection.signs), with their names."""
        names = self.municipalities
        kept = (row for run in self.runs(year) for row in run.summary.get("municipalities", []))
        return [{**row, "name": names[row["municipality"]]} for row in kept if row["municipality"] in names]


def index_by_year(scope: Scope, years: list[int]) -> list[dict]:
    """Per year (oldest first): schools with enough data, with a sign of each method, and the level of objectivity."""
    out = []
    for year in sorted(years):
        rows = scope.counted(year)
        counts = {key: sum(row[key] for row in rows) for key in ("fioco", "ours")}
        total = sum(row["schools"] for row in rows)  # a school is in one municipality: sums count it once
        if total:
            out.append({"year": year, "total": total, **counts, **_levels(total, counts)})
    return out


def _levels(total: int, counts: dict) -> dict:
    return {"fioco_level": 100 - 100 * counts["fioco"] / total, "ours_level": 100 - 100 * counts["ours"] / total}


def by_municipality(scope: Scope, year: int) -> list[dict]:
    """Per municipality and year (the year and the two before): schools with enough data, with our sign, with a
    marker of the published method, and the shares; by municipality name (never by share)."""
    rows = [
        {
            "year": each,
            "municipality": row["name"],
            "municipality_id": row["municipality"],
            "schools": row["schools"],
            "ours": row["ours"],
            "fioco": row["fioco"],
            "ours_share": 100 * row["ours"] / row["schools"],
            "fioco_share": 100 * row["fioco"] / row["schools"],
        }
        for each in (year - 2, year - 1, year)
        for row in scope.counted(each)
        if row["schools"]
    ]
    return sorted(rows, key=lambda r: (r["municipality"], r["year"]))


def year_works(scope: Scope, year: int) -> list[Assessment]:
    runs = scope.runs(year)
    return list(Assessment.objects.filter(detection_runs__in=runs).distinct().order_by("grade", "subject"))


def funnel(scope: Scope, year: int, work: Assessment) -> dict | None:
    """Schools' mean primary score against their number of participants, with the region's mean and control limits
    narrowing as the number grows; None without the region's figures of the work. The points are kept with the run
    (objectivity.detection.signs), those of the municipalities in scope are drawn."""
    kept = EvidenceFigures.objects.filter(run__in=scope.runs(year), assessment=work, unit__in=["region", signs.SCHOOLS])
    by_run: dict[Any, dict[str, dict]] = {}
    for run_id, unit, figures in kept.values_list("run_id", "unit", "figures"):
        by_run.setdefault(run_id, {})[unit] = figures
    run_figures = next((f for f in by_run.values() if "region" in f), None)
    if run_figures is None:
        return None
    mean, sd = _mean_sd(run_figures["region"]["scores"])
    seen = scope.municipalities
    points = [p for p in run_figures.get(signs.SCHOOLS, {}).get("points", []) if p["municipality"] in seen]
    # By municipality, not by a list of 1,000 ids: building such an IN costs the ORM ≈ 10 ms.
    names = dict(School.objects.filter(municipality__in=list(seen)).values_list("pk", "short_name"))
    points = [{**p, "school": names[p["school"]]} for p in points if p["school"] in names]
    sizes = [p["n"] for p in points]
    return {"mean": mean, "points": points, "limits": _limits(mean, sd, sizes), "work": work}


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
    runs = scope.runs(year)
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
