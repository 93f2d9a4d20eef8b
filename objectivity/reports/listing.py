"""The list («Перечень ОО с признаками необъективных результатов») of a year: which run it is drawn from, which schools
it holds, and each school's row in words.

A school is in the list when a finding of the year's run shows a sign of either method: ours (the combination of
layers, `Finding.flagged`) or a marker of the published method (ФИОКО). The two are shown side by side, never merged.
The year's run is the latest completed run of the year in each region the viewer sees.

The viewer is a user, whose rows pass the row gate, or CONSOLE: the command line of the server, which reads the whole
database anyway and makes the region's documents (small cells suppressed, as for anyone outside the school).
"""

from dataclasses import dataclass, field

from django.db.models import Prefetch, QuerySet
from django.utils.translation import gettext as _

from objectivity.analysis import wording
from objectivity.analysis.export_format import SUBJECT_BY_CODE
from objectivity.core.params import YEARS, parse_int
from objectivity.detection import signs
from objectivity.detection.models import DetectionRun, Finding, RunStatus
from objectivity.orgs.models import Region, School
from objectivity.reports.apps import VIEW_LIST
from objectivity.results import browse

OURS, FIOCO = signs.OURS, signs.FIOCO
RISK_ORDER = {wording.HIGH: 3, wording.MEDIUM: 2, wording.LOW: 1}
CONSOLE = object()


def _visible(model, user) -> QuerySet:
    return model.objects.all() if user is CONSOLE else model.objects.visible_to(user, VIEW_LIST)


def _runs(user) -> QuerySet[DetectionRun]:
    """Completed runs of the regions the user sees. By region, not through the runs' own gate, which opens runs to
    region and municipality users only: a school's list is drawn from its region's run too (its rows stay gated)."""
    regions = Region.objects.all() if user is CONSOLE else Region.objects.visible_to(user, VIEW_LIST)
    return DetectionRun.objects.filter(region__in=regions, status=RunStatus.DONE)


def year_runs(user, year: int, region=None) -> list[DetectionRun]:
    """The latest completed run of `year` in each region the user sees (in `region` only, when given)."""
    runs = _runs(user).filter(year=year)
    runs = runs.filter(region=region) if region is not None else runs
    latest: dict[int, DetectionRun] = {}
    # Not the data versions and parameters: kilobytes of JSON per run that the list and the dashboard never read.
    for run in runs.select_related("region").defer("data_versions", "parameters").order_by("region_id", "-created_at"):
        latest.setdefault(run.region_id, run)
    return list(latest.values())


def list_years(user) -> list[int]:
    """Years with a completed run, newest first."""
    return sorted(set(_runs(user).values_list("year", flat=True)), reverse=True)


def chosen_year(request, years: list[int]) -> int | None:
    """The year asked for in ?year= when it has a list, else the newest year that has one (None: no year has)."""
    asked = parse_int(request.GET.get("year"), low=YEARS[0], high=YEARS[1])
    return asked if asked in years else (years[0] if years else None)


def listed_findings(user, runs: list[DetectionRun]) -> QuerySet[Finding]:
    return _visible(Finding, user).filter(run__in=runs).filter(OURS | FIOCO)


def listed_schools(user, runs: list[DetectionRun], findings: QuerySet[Finding] | None = None) -> QuerySet[School]:
    """Schools of the list with their listed findings (`listed_findings`, by grade and subject) prefetched."""
    findings = listed_findings(user, runs) if findings is None else findings
    ordered = (
        findings.select_related("assessment").defer("details").order_by("assessment__grade", "assessment__subject")
    )
    return (
        School.objects.filter(pk__in=findings.values("school_id"))
        .select_related("municipality")
        .prefetch_related(Prefetch("findings", queryset=ordered, to_attr="listed_findings"))
    )


@dataclass
class ListContext:
    """What every row of one list shares: the viewer, the year, and the schools listed in the years before
    (None for a year without a completed run)."""

    user: object
    year: int
    earlier: dict[int, set[int] | None] = field(default_factory=dict)

    @classmethod
    def build(cls, user, year: int, region=None) -> "ListContext":
        earlier = {}
        for back in (1, 2):
            runs = year_runs(user, year - back, region)
            earlier[back] = set(listed_findings(user, runs).values_list("school_id", flat=True)) if runs else None
        return cls(user, year, earlier)


def work_label(subject: str, grade: int) -> str:
    """«Математика, 5 класс»."""
    name = SUBJECT_BY_CODE[subject].name if subject in SUBJECT_BY_CODE else subject
    return f"{name}, {grade} {_('grade')}"


def test_label(finding: Finding) -> str:
    """«Математика, 5 класс» (the period when not spring)."""
    work = finding.assessment
    label = work_label(work.subject, work.grade)
    return label if work.period == "spring" else f"{label} ({work.get_period_display()})"


def fioco_fired(finding: Finding) -> list[str]:
    cohort = {"rise": _("sharp rise of the parallel"), "fall": _("sharp fall of the parallel")}
    return [
        *([_("inflated mean score")] if finding.fioco_mean == 1 else []),
        *([_("results do not match school marks")] if finding.fioco_spearman == 1 else []),
        *([cohort[finding.fioco_cohort]] if finding.fioco_cohort in cohort else []),
    ]


def _subjects_grades(subjects: dict[str, list[int]]) -> str:
    grade = _("gr.")
    return "; ".join(
        f"{name} {', '.join(str(g) for g in sorted(set(grades)))} {grade}" for name, grades in subjects.items()
    )


@dataclass
class ListRow:
    school: School
    context: ListContext

    @property
    def findings(self) -> list[Finding]:
        return getattr(self.school, "listed_findings", [])

    @property
    def ours(self) -> list[Finding]:
        return [f for f in self.findings if f.flagged]

    @property
    def ours_text(self) -> str:
        return "\n".join(f"{test_label(f)} — {f.risk_text}" for f in self.ours)

    @property
    def fioco_text(self) -> str:
        """Per marker, the works it fired on, a subject's grades together: «завышенные значения среднего балла:
        математика 4, 6 кл.; русский язык 5 кл.» — one line per marker instead of one per work."""
        works: dict[str, dict[str, list[int]]] = {}
        for finding in self.findings:
            for marker in fioco_fired(finding):
                grades = works.setdefault(marker, {}).setdefault(finding.assessment.subject_name.lower(), [])
                grades.append(finding.assessment.grade)
        return "\n".join(f"{marker}: {_subjects_grades(subjects)}" for marker, subjects in works.items())

    @property
    def risk_text(self) -> str:
        """The highest risk of our signs in words; empty when only the published method's markers fired."""
        highest = max((f.risk for f in self.ours), key=lambda code: RISK_ORDER.get(code, 0), default="")
        return wording.risk_word(highest) if highest else ""

    @property
    def reasons_text(self) -> str:
        """Per test, what was seen; outside the school a work of fewer than 5 participants says only that."""
        return "\n".join(f"{test_label(f)}: {self._reasons(f)}" for f in self.ours)

    def _reasons(self, finding: Finding) -> str:
        user = self.context.user
        hidden = (
            finding.n < browse.MIN_CELL if user is CONSOLE else browse.hidden_from(user, finding.school_id, finding.n)
        )
        if hidden:
            return _("fewer than 5 participants: shown only to the school itself")
        return finding.reasons_text

    def listed_before(self, years_back: int) -> str:
        listed = self.context.earlier.get(years_back)
        if listed is None:
            return _("no data")
        return _("yes") if self.school.pk in listed else _("no")
