"""The school report: everything about one school and one work on one printable page, and the same content as DOCX
or PDF (school_report_document) — what a municipal coordinator brings to a conversation with the school's director.

It is drawn from the latest completed run of the work's year in the school's region: the run's finding of the school
(the signs of both methods, side by side, never merged) and the figures the run kept (objectivity.detection.evidence)
for the school, its municipality and the region.

Outside the school, a work of fewer than MIN_CELL participants shows no figure of the school (ADR 0010): no count,
share, chart bar, nor the numbers behind its signs; the municipality's and the region's figures stay. A level of
fewer than MIN_CELL is hidden for everyone but the school itself. Probabilities and p-values are the analyst's view
only (GLOSSARY.md): the page shows them to analysts, documents never.
"""

from dataclasses import dataclass, field

from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _

from objectivity.analysis import wording
from objectivity.authz.policy import can
from objectivity.authz.roles import RUN_DETECTION, VIEW_FINDINGS
from objectivity.core import typography
from objectivity.detection.evidence import REGION, figures_of, history_step, municipality_unit, school_unit
from objectivity.detection.evidence_page import journal_row, layer_evidence, work_charts
from objectivity.detection.models import DetectionRun, Finding, RunStatus
from objectivity.orgs.models import School
from objectivity.reports import listing
from objectivity.reports.apps import VIEW_LIST
from objectivity.results import charts as result_charts
from objectivity.results.browse import MIN_CELL, is_own_school
from objectivity.results.models import Assessment

SCHOOL, MUNICIPALITY = "school", "municipality"
TASK_LEVELS = ("Б", "П", "В")


@dataclass
class Level:
    """A unit drawn in the report: the school, its municipality or the region, with the run's figures of it."""

    kind: str  # SCHOOL, MUNICIPALITY or REGION
    label: str
    figures: dict


@dataclass
class SchoolReport:
    finding: Finding
    run: DetectionRun
    own_school: bool
    analyst: bool  # may see probabilities and p-values (on the page only)
    levels: list[Level]  # the levels shown, the school first (left out when hidden)
    cuts: tuple[int, int, int] | None
    task_labels: list[str]
    listed: list[tuple[int, str]] = field(default_factory=list)  # (year, «да» / «нет» / «нет данных»)

    @property
    def school(self) -> School:
        return self.finding.school

    @property
    def work(self) -> Assessment:
        return self.finding.assessment

    @property
    def hidden(self) -> bool:
        """The school's figures are withheld from this viewer (fewer than MIN_CELL participants)."""
        return self.finding.n < MIN_CELL and not self.own_school

    @property
    def title(self) -> str:
        return listing.test_label(self.finding)

    @property
    def filename(self) -> str:
        work = self.work
        return f"otchet-{self.school.login}-{work.subject}-{work.grade}-{work.year}"


def build_report(user, school_id: int, work_id: int) -> SchoolReport:
    """The report of a school and work as this user may see it; Http404 outside the user's scope."""
    finding = _finding(user, school_id, work_id)
    own_school = is_own_school(user, finding.school_id)
    levels, region = _levels(finding, own_school)
    cuts = tuple(region["cuts"]) if region.get("cuts") else None
    report = SchoolReport(
        finding=finding,
        run=finding.run,
        own_school=own_school,
        analyst=can(user, RUN_DETECTION) and not own_school,
        levels=levels,
        cuts=cuts,  # type: ignore[arg-type]
        task_labels=region.get("task_labels", []),
    )
    report.listed = _listed(user, report)
    return report


def _gate(user, school_id: int) -> QuerySet[Finding]:
    """Region and municipal roles see findings with VIEW_FINDINGS in scope; a school its own with VIEW_LIST."""
    permission = VIEW_LIST if is_own_school(user, school_id) else VIEW_FINDINGS
    return Finding.objects.visible_to(user, permission)


def _finding(user, school_id: int, work_id: int) -> Finding:
    work = get_object_or_404(Assessment, pk=work_id)
    school = get_object_or_404(School.objects.select_related("municipality__region"), pk=school_id)
    runs = listing.year_runs(user, work.year, region=school.municipality.region)
    found = _gate(user, school.pk).filter(run__in=runs, school=school, assessment=work)
    finding = found.select_related("run__region", "assessment", "school__municipality").first()
    if finding is None:
        raise Http404(_("No finding of this school and work is visible to you"))
    return finding


def _levels(finding: Finding, own_school: bool) -> tuple[list[Level], dict]:
    """The levels this viewer may see, and the region's figures (cut scores and task labels, always needed)."""
    school = finding.school
    units = {
        school_unit(school.pk): (SCHOOL, school.short_name),
        municipality_unit(school.municipality_id): (MUNICIPALITY, school.municipality.name),
        REGION: (REGION, str(finding.run.region.name)),
    }
    figures = figures_of(finding.run, [finding.assessment], list(units))[finding.assessment_id]
    levels = [Level(kind, label, figures[unit]) for unit, (kind, label) in units.items() if unit in figures]
    shown = [lv for lv in levels if _shown(lv, finding, own_school)]
    return shown, figures.get(REGION, {})


def _shown(level: Level, finding: Finding, own_school: bool) -> bool:
    if level.kind == SCHOOL:
        return own_school or (finding.n >= MIN_CELL and level.figures.get("n", 0) >= MIN_CELL)
    return level.figures.get("n", 0) >= MIN_CELL


def _listed(user, report: SchoolReport) -> list[tuple[int, str]]:
    """Whether the school is in the list of the work's year and of each of the two years before."""
    year, region = report.work.year, report.run.region
    context = listing.ListContext.build(user, year, region)
    row = listing.ListRow(report.school, context)
    this_year = listing.listed_findings(user, [report.run]).filter(school=report.school).exists()
    return [(year, _("yes") if this_year else _("no")), *((year - back, row.listed_before(back)) for back in (1, 2))]


# ---- the figures of the sections ---------------------------------------------------------------------------------


def mark_of(score: int, cuts: tuple[int, int, int]) -> int:
    """The ВПР mark of a primary score: «2» below the first cut score, one more for each cut score reached."""
    return 2 + sum(score >= cut for cut in cuts)


def marks_rows(report: SchoolReport) -> list[dict]:
    """«Статистика по отметкам»: per level, participants and the shares of «2»…«5» (percent)."""
    if not report.cuts:
        return []
    return [_marks_of(lv.label, lv.figures["scores"], report.cuts) for lv in report.levels if lv.figures.get("scores")]


def _marks_of(label: str, scores: list[int], cuts: tuple[int, int, int]) -> dict:
    counts = dict.fromkeys((2, 3, 4, 5), 0)
    for score, pupils in enumerate(scores):
        counts[mark_of(score, cuts)] += pupils
    total = sum(scores)
    return {"level": label, "n": total, **{f"share_{m}": c * 100.0 / max(1, total) for m, c in counts.items()}}


def task_level_rows(report: SchoolReport) -> list[dict]:
    """Mean completion of the tasks of each level (Б/П/В), per shown level: [{"code", "tasks", "values"}]."""
    rows = []
    for code in TASK_LEVELS:
        tasks = [number for number, label in enumerate(report.task_labels, start=1) if label.endswith(f"({code})")]
        if tasks:
            values = [_mean_done(lv, tasks) for lv in report.levels]
            rows.append({"label": _task_level_word(code), "tasks": len(tasks), "values": values})
    return rows


def _task_level_word(code: str) -> str:
    return {"Б": _("basic (Б)"), "П": _("advanced (П)"), "В": _("high (В)")}[code]


def _mean_done(level: Level, tasks: list[int]) -> float | None:
    done = {task: completion for task, completion in level.figures.get("tasks", [])}
    values = [done[task] for task in tasks if task in done]
    return sum(values) / len(values) if values else None


def journal_rows(report: SchoolReport) -> list[dict]:
    """«Сравнение отметок с отметками по журналу»: per level, pupils with a journal mark and the shares lowered,
    confirmed and raised (percent)."""
    return [journal_row(lv.label, lv.figures["journal"]) for lv in report.levels if "journal" in lv.figures]


def report_charts(report: SchoolReport) -> dict[str, dict]:
    """name → {"title", "spec"}: marks, scores (around the cut scores), tasks, journal, history."""
    out = {}
    marks = marks_rows(report)
    if marks:
        out["marks"] = {"title": _("Statistics of marks"), "spec": result_charts.marks_chart(marks)}
    drawn = {lv.label: _without_small_steps(report, lv) for lv in report.levels}
    region = {"cuts": list(report.cuts) if report.cuts else None, "task_labels": report.task_labels}
    for chart in work_charts(report.work, drawn, region):  # ids «scores-<work>», «tasks-<work>», «history-<work>»
        out[chart["id"].split("-")[0]] = {"title": chart["title"], "spec": chart["spec"]}
    journal = journal_rows(report)
    if journal:
        out["journal"] = {"title": _("ВПР marks against journal marks"), "spec": result_charts.journal_chart(journal)}
    order = ("marks", "scores", "tasks", "journal", "history")
    return {name: {**out[name], "id": f"chart-{name}"} for name in order if name in out}


def _without_small_steps(report: SchoolReport, level: Level) -> dict:
    """The school's path over the years without the years it had fewer than MIN_CELL participants (or no known
    count), for viewers outside the school."""
    if level.kind != SCHOOL or report.own_school:
        return level.figures
    counts = _earlier_counts(report.finding)
    counts[history_step(report.work.year, report.work.grade)] = report.finding.n
    history = [step for step in level.figures.get("history", []) if counts.get(step[0], 0) >= MIN_CELL]
    return {**level.figures, "history": history}


def _earlier_counts(finding: Finding) -> dict[str, int]:
    """History step → the school's participants in the latest completed run of that year (earlier years)."""
    work = finding.assessment
    rows = Finding.objects.filter(
        school_id=finding.school_id,
        run__region_id=finding.run.region_id,
        run__status=RunStatus.DONE,
        assessment__procedure=work.procedure,
        assessment__subject=work.subject,
        assessment__period=work.period,
        assessment__year__lt=work.year,
    ).order_by("run__created_at")
    return {history_step(y, g): n for y, g, n in rows.values_list("assessment__year", "assessment__grade", "n")}


# ---- the signs: the published method and ours, side by side ------------------------------------------------------


def fioco_rows(report: SchoolReport) -> list[dict]:
    """The three markers of the published method: {"marker", "state", "numbers"} (no numbers when hidden)."""
    finding = report.finding
    details = finding.details or {}
    cohort_fired = finding.fioco_cohort in ("rise", "fall")
    cohort = listing.fioco_fired(finding)[-1] if cohort_fired else _("sharp rise or fall of the parallel")
    markers = [
        ("fioco_mean", _("inflated mean score"), finding.fioco_mean, _mean_numbers(details)),
        ("fioco_spearman", _("results do not match school marks"), finding.fioco_spearman, _spearman_numbers(details)),
        ("fioco_cohort", cohort, _cohort_state(finding), _cohort_numbers(details)),
    ]
    return [
        _fioco_row(finding, code, marker, state, numbers, report.hidden) for code, marker, state, numbers in markers
    ]


def _cohort_state(finding: Finding) -> int | None:
    if finding.fioco_cohort in ("rise", "fall"):
        return 1
    return 0 if (finding.details or {}).get("k") is not None else None


def _fioco_row(finding: Finding, code: str, marker: str, state: int | None, numbers: str, hidden: bool) -> dict:
    words = {1: _("yes"), 0: _("no"), None: _("not assessed")}
    fired = [wording.explanation(item) for item in _items(finding) if _code(item) == code]
    shown = fired[0] if fired else numbers  # the reason's words when the marker fired, else the bare numbers
    return {"marker": marker, "state": words.get(state, _("not assessed")), "numbers": "" if hidden else shown}


def _mean_numbers(details: dict) -> str:
    if details.get("mean") is None or details.get("region_mean") is None:
        return ""
    values = {"mean": wording.rounded_plain(details["mean"]), "region": wording.rounded_plain(details["region_mean"])}
    return _("mean score %(mean)s, the region's %(region)s") % values


def _spearman_numbers(details: dict) -> str:
    if details.get("spearman") is None:
        return ""
    values = {"r": wording.rounded_plain(details["spearman"], 2), "n": details.get("n_journal") or 0}
    return _("correlation of journal marks and ВПР scores (Spearman) %(r)s, pupils with a mark: %(n)s") % values


def _cohort_numbers(details: dict) -> str:
    if details.get("k") is None:
        return ""
    return _("K = %(k)s") % {"k": wording.rounded_plain(details["k"], 2)}


def _items(finding: Finding) -> list:
    """The reason items of codes and numbers; none for a run that stored its reasons as words."""
    reasons = finding.reasons if isinstance(finding.reasons, list) else []
    return [wording.decoded(item) for item in reasons if item]


def _code(item) -> str:
    return item.get("code", "") if isinstance(item, dict) else ""


def our_reasons(report: SchoolReport) -> list[str]:
    """What the combination of layers saw, in plain words; outside the school, a small work says only that."""
    finding = report.finding
    if report.hidden:
        return [_("fewer than 5 participants: shown only to the school itself")]
    if finding.legacy_reasons or isinstance(finding.reasons, str):  # words of an old run, both methods in one
        return [finding.legacy_reasons or finding.reasons]
    return [wording.explanation(item) for item in _items(finding) if not _code(item).startswith("fioco_")]


def our_risk(report: SchoolReport) -> str:
    finding = report.finding
    return finding.risk_text if finding.status == "ok" else _("too few data")


def our_layers(report: SchoolReport) -> list[dict]:
    """Each layer's result in words (and p for the analyst's page); none when hidden."""
    return [] if report.hidden else layer_evidence(report.finding)


def how_to_read(report: SchoolReport) -> str:
    return _(
        "Signs of non-objective results call for a check and for targeted methodological help; they are not a "
        "conclusion about the school or its teachers, and ВПР results are not used to evaluate them. The published "
        "ФИОКО method and the combination of layers are two different methods: they are shown side by side and never "
        "merged. The risk of non-objectivity (low, medium, high) says how strongly the school's results differ from "
        "what is usual in the region; the reasons say in plain words what was seen. Outside the school, a work of "
        "fewer than 5 participants shows no figures of the school. The figures are those of the detection run of "
        "%(date)s"
    ) % {"date": typography.ru_date(report.run.created_at)}


def sections(report: SchoolReport) -> dict:
    """What the page and the documents show, computed once."""
    return {
        "levels": [lv.label for lv in report.levels],
        "marks": marks_rows(report),
        "tasks": task_level_rows(report),
        "journal": journal_rows(report),
        "charts": report_charts(report),
        "fioco": fioco_rows(report),
        "risk": our_risk(report),
        "reasons": our_reasons(report),
        "layers": our_layers(report),
        "how_to_read": how_to_read(report),
    }
