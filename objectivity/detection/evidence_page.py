"""A school's evidence block per work, from the run's stored figures (objectivity.detection.evidence): the journal
table of the school, its municipality and the region, and the charts of the school against the region.

Outside the school, a work of fewer than MIN_CELL participants shows only its risk: its distribution, journal
table, charts and layer texts would show the pupils themselves.
"""

from django.utils.translation import gettext as _

from objectivity.analysis import wording
from objectivity.analysis.combine import signals
from objectivity.analysis.evidence_layers import LAYER_NAMES, LAYER_TITLES
from objectivity.detection.evidence import REGION, figures_of, municipality_unit, school_unit
from objectivity.detection.models import DetectionRun, Finding
from objectivity.orgs.models import School
from objectivity.results import charts
from objectivity.results.browse import MIN_CELL


def evidence_blocks(run: DetectionRun, findings: list[Finding], school: School, own_school: bool) -> list[dict]:
    """One block per finding, in the order given."""
    labels = {
        school_unit(school.pk): school.short_name,
        municipality_unit(school.municipality_id): school.municipality.name,
        REGION: str(run.region.name),
    }
    figures = figures_of(run, [f.assessment for f in findings], list(labels))
    return [_block(f, figures.get(f.assessment_id, {}), labels, own_school) for f in findings]


def layers_with_signs(details: dict) -> int:
    """How many layers signal in a finding's details (kept as Finding.layers_seen: the list reads no details)."""
    return sum(1 for name in LAYER_NAMES if f"p_{name}" in details and signals(*_p_and_stat(details, name)))


def _p_and_stat(details: dict, name: str) -> tuple:
    return details.get(f"p_{name}"), details.get(f"stat_{name}")


def layer_evidence(finding: Finding) -> list[dict]:
    """Each layer's p-value and explanation (in words, from its stored item) stored with the finding, in the order
    of LAYER_NAMES."""
    details = finding.details or {}
    rows = []
    for name in LAYER_NAMES:
        if f"p_{name}" in details:
            p, stat = _p_and_stat(details, name)
            rows.append(
                {
                    "title": LAYER_TITLES[name],
                    "p": p,
                    "seen": signals(p, stat),
                    "text": wording.explanation(details.get(f"explain_{name}")),
                }
            )
    return rows


def _block(finding: Finding, figures: dict[str, dict], labels: dict[str, str], own_school: bool) -> dict:
    work = finding.assessment
    block = {"finding": finding, "work": work, "journal": [], "charts": [], "layers": [], "hidden": False}
    if finding.n < MIN_CELL and not own_school:
        return {**block, "hidden": True}
    school = school_unit(finding.school_id)
    shown = {
        unit: figures[unit]
        for unit in labels  # the school, its municipality, the region
        if unit in figures and (unit != school or own_school or figures[unit]["n"] >= MIN_CELL)
    }
    block["layers"] = layer_evidence(finding)
    block["journal"] = [journal_row(labels[unit], f["journal"]) for unit, f in shown.items() if "journal" in f]
    drawn = {labels[unit]: f for unit, f in shown.items() if unit in (school, REGION)}  # not the municipality
    block["charts"] = work_charts(work, drawn, figures.get(REGION, {}))
    return block


def journal_row(level: str, values: list) -> dict:
    return {"level": level, **dict(zip(("n", "lowered", "confirmed", "raised"), values, strict=True))}


def work_charts(work, drawn: dict[str, dict], region: dict) -> list[dict]:
    """The scores, tasks and history charts of a work for the levels in `drawn` (label → figures, the first drawn
    strongest), with the region's cut scores and task labels; also the school report's."""
    specs = []
    scores = [
        {"level": level, "score": score, "share": round(n * 100.0 / max(1, sum(f["scores"])), 2)}
        for level, f in drawn.items()
        if "scores" in f
        for score, n in enumerate(f["scores"])
    ]
    if scores:
        cuts = tuple(region["cuts"]) if region.get("cuts") else None
        specs.append(("scores", _("Distribution of primary scores"), charts.scores_chart(scores, cuts)))
    tasks = _task_values(region.get("task_labels", []), drawn)
    if tasks:
        specs.append(("tasks", _("Completion of tasks"), charts.tasks_chart(tasks)))
    history = [
        {"step": step, "level": level, "percent": percent}
        for level, f in drawn.items()
        for step, percent in f.get("history", [])
    ]
    if history:
        specs.append(("history", _("The parallel over the years"), charts.history_chart(history)))
    return [{"id": f"{name}-{work.pk}", "title": title, "spec": spec} for name, title, spec in specs]


def _task_values(task_labels: list[str], drawn: dict[str, dict]) -> list[dict]:
    return [
        {"level": level, "task": task_labels[task - 1], "completion": round(completion, 1)}
        for level, f in drawn.items()
        for task, completion in f.get("tasks", [])
        if task <= len(task_labels)
    ]
