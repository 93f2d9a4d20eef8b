"""The federal list beside our findings of the same year: per work, how many schools both mark, the federal list
only, ours only, or neither, with the agreement share and Cohen's kappa; and the schools on one list only.

Ours is each of our two methods separately, never merged: the published method's markers as computed by us
(`fioco_*` of a finding) and the combination of layers (`Finding.flagged`). The schools compared for a work are those
our year's run judged on it (a finding with enough data) — the federal list names only marked schools, so a school
of the run that the list does not mark on the work counts as not marked. A federal mark on a school outside that
(not in the registry, not in the run, too few data) is listed apart, not counted. Works the federal list has no
column for are left out (named on the page): the list says nothing about them.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from objectivity.authz.roles import VIEW_FINDINGS
from objectivity.core import typography
from objectivity.detection.models import DetectionRun, Finding
from objectivity.reports import federal_layout as layout
from objectivity.reports import listing
from objectivity.reports.models import FederalEntry, FederalList

METHODS = {
    "fioco": _l("markers of the published method (computed by us)"),
    "layers": _l("signs of the combination of layers"),
}
TOTAL = "total"  # the row of every work together (pairs of school and work)


def fioco_fired(finding: Finding) -> bool:
    return finding.fioco_mean == 1 or finding.fioco_spearman == 1 or finding.fioco_cohort in ("rise", "fall")


def fired(finding: Finding, method: str) -> bool:
    return fioco_fired(finding) if method == "fioco" else bool(finding.flagged)


def cohen_kappa(both: int, federal_only: int, ours_only: int, neither: int) -> float | None:
    """Cohen's kappa of two yes/no ratings of the same schools; None when chance agreement is total (one rating
    says the same of every school) or there are no schools."""
    n = both + federal_only + ours_only + neither
    if not n:
        return None
    observed = (both + neither) / n
    chance = ((both + federal_only) * (both + ours_only) + (ours_only + neither) * (federal_only + neither)) / n**2
    return None if chance == 1 else (observed - chance) / (1 - chance)


@dataclass
class Agreement:
    work: str  # a work key («4-ru») or TOTAL
    method: str
    both: int
    federal_only: int
    ours_only: int
    neither: int

    @property
    def schools(self) -> int:
        return self.both + self.federal_only + self.ours_only + self.neither

    @property
    def share(self) -> float | None:
        return (self.both + self.neither) / self.schools if self.schools else None

    @property
    def kappa(self) -> float | None:
        return cohen_kappa(self.both, self.federal_only, self.ours_only, self.neither)

    @property
    def share_text(self) -> str:
        return "—" if self.share is None else typography.percent(self.share * 100)

    @property
    def kappa_text(self) -> str:
        return "—" if self.kappa is None else typography.number(self.kappa, 2)

    @property
    def work_label(self) -> str:
        return _("all works together") if self.work == TOTAL else layout.work_label(self.work)


@dataclass
class OneList:
    """A school marked on a work by one list only (or by the federal list outside the comparison)."""

    work: str
    method: str  # «» for a federal mark outside the comparison
    on: str  # "federal" or "ours"
    login: str
    municipality: str
    school: str
    run_id: object = None  # the run of the school's evidence page, when the school is in it
    school_id: int | None = None
    why: str = ""  # why a federal mark is outside the comparison

    @property
    def work_label(self) -> str:
        return layout.work_label(self.work)


@dataclass
class Comparison:
    year: int
    runs: list[DetectionRun]
    federal_years: list[int]
    not_covered: list[str] = field(default_factory=list)  # works of our run that the federal list has no column for
    agreement: list[Agreement] = field(default_factory=list)
    one_list: list[OneList] = field(default_factory=list)
    outside: list[OneList] = field(default_factory=list)

    @property
    def not_covered_labels(self) -> list[str]:
        return [layout.work_label(work) for work in self.not_covered]


def federal_years(user) -> list[int]:
    entries = FederalEntry.objects.visible_to(user, VIEW_FINDINGS)
    return sorted(entries.order_by().values_list("year", flat=True).distinct(), reverse=True)


def compare(user, year: int) -> Comparison:
    runs = listing.year_runs(user, year)
    comparison = Comparison(year, runs, federal_years(user))
    if not runs:  # nothing of ours to compare with
        return comparison
    entries = _entries(user, year, runs)
    covered = covered_works(entries)
    judged = _judged(user, runs)
    comparison.not_covered = sorted({w for w, _s in judged} - covered, key=layout.work_order)
    judged = {pair: finding for pair, finding in judged.items() if pair[0] in covered}
    marked, comparison.outside = _federal_marks(entries, judged)
    works = sorted({w for w, _s in judged} | {w for w, _s in marked}, key=layout.work_order)
    evidence = _evidence_runs(user, runs)
    for item in comparison.outside:
        item.run_id = evidence.get(item.school_id) if item.school_id else None
    for method in METHODS:
        ours = {pair for pair, finding in judged.items() if fired(finding, method)}
        comparison.agreement += [_agreement(w, method, set(judged), marked, ours) for w in [*works, TOTAL]]
        comparison.one_list += _one_list(method, judged, marked, ours, evidence)
    return comparison


def _findings(user, runs: list[DetectionRun]):
    return (
        Finding.objects.visible_to(user, VIEW_FINDINGS)
        .filter(run__in=runs, assessment__procedure="vpr", assessment__period="spring")
        .select_related("assessment", "school__municipality")
        .defer("details", "reasons")
    )


def _judged(user, runs: list[DetectionRun]) -> dict[tuple[str, int], Finding]:
    """(work, school) → our finding, for the schools our run judged on the work (enough data)."""
    return {
        (layout.work_key(f.assessment.grade, f.assessment.subject), f.school_id): f
        for f in _findings(user, runs).filter(status="ok")
    }


def _evidence_runs(user, runs: list[DetectionRun]) -> dict[int, object]:
    """School → the run whose evidence page it has (any finding of the school in the year's run)."""
    return dict(_findings(user, runs).values_list("school_id", "run_id"))


def _entries(user, year: int, runs: list[DetectionRun]):
    regions = [run.region_id for run in runs]
    return FederalEntry.objects.visible_to(user, VIEW_FINDINGS).filter(year=year, region__in=regions)


def covered_works(entries) -> set[str]:
    """The works the year's federal list has a column for (from the mappings of the files its entries came from):
    on another work the list says nothing, so a school it does not mark there is no «not marked»."""
    lists = FederalList.objects.filter(pk__in=entries.values("federal_list_id"))
    return {work for mapping in lists.values_list("mapping", flat=True) for work in mapping.get("works", {})}


def _federal_marks(entries, judged: dict) -> tuple[set, list[OneList]]:
    """(work, school) pairs the federal list marks among the judged ones, and the marks outside them."""
    marked, outside = set(), []
    for entry in entries.select_related("school__municipality").order_by("municipality_name", "school_name"):
        for work in entry.marks:
            if (work, entry.school_id) in judged:
                marked.add((work, entry.school_id))
            else:
                outside.append(_outside(entry, work))
    outside.sort(key=lambda item: (layout.work_order(item.work), item.municipality, item.school))
    return marked, outside


def _outside(entry: FederalEntry, work: str) -> OneList:
    school = entry.school
    why = _("not in the registry") if school is None else _("not judged on this work in our run (no data or too few)")
    return OneList(
        work, "", "federal", entry.login,
        school.municipality.name if school else entry.municipality_name,
        school.short_name if school else entry.school_name,
        school_id=school.pk if school else None, why=why,
    )  # fmt: skip


def _agreement(work: str, method: str, judged: set, marked: set, ours: set) -> Agreement:
    within = judged if work == TOTAL else {pair for pair in judged if pair[0] == work}
    federal, own = marked & within, ours & within
    both = len(federal & own)
    return Agreement(work, method, both, len(federal - own), len(own - federal), len(within - federal - own))


def _one_list(method: str, judged: dict, marked: set, ours: set, evidence: dict) -> list[OneList]:
    rows = []
    for on, pairs in (("federal", marked - ours), ("ours", ours - marked)):
        for work, school_id in pairs:
            school = judged[(work, school_id)].school
            rows.append(
                OneList(work, method, on, school.login, school.municipality.name, school.short_name,
                        run_id=evidence.get(school_id), school_id=school_id)
            )  # fmt: skip
    rows.sort(key=lambda r: (layout.work_order(r.work), r.on, r.municipality, r.school, r.login))
    return rows
