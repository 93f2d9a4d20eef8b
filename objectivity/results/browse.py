"""The four ФИС ОКО tables of one work for a chosen unit, side by side with the wider levels.

Levels: class → school → municipality → region (the chosen unit and every level above it).
Outside the school itself, a cell with fewer than MIN_CELL pupils is suppressed: a rural class of
three is re-identifiable.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass, field

import polars as pl
from django.utils.translation import gettext as _

from objectivity.analysis import describe
from objectivity.orgs.models import Municipality, School

MIN_CELL = 5


@dataclass
class Level:
    label: str
    rows: pl.DataFrame
    suppressed: bool = False  # fewer than MIN_CELL pupils and the viewer is not of this school
    # Which rows of the work these are, the same for every viewer: ("region",) or ("municipality", pk); None for a
    # school or a class. describe_work keeps the figures of such a level with the work's rows (`derived`).
    key: tuple | None = None

    @property
    def n(self) -> int:  # templates cannot ask a DataFrame for its height
        return self.rows.height


@dataclass
class WorkView:
    levels: list[Level]
    cuts: tuple[int, int, int] | None
    max_total: int | None
    columns: list[dict]
    marks: list[dict] = field(default_factory=list)
    scores: list[dict] = field(default_factory=list)
    tasks: list[dict] = field(default_factory=list)
    journal: list[dict] = field(default_factory=list)


def build_levels(
    rows: pl.DataFrame,
    *,
    region_name: str,
    municipality: Municipality | None,
    school: School | None,
    class_letter: str,
    own_school: bool,
    rows_of: Callable[[str, int], pl.DataFrame] | None = None,
) -> list[Level]:
    """The chosen unit first, then each wider level up to the region. `rows_of(column, value)` takes the rows of a
    school or municipality (CountedRows.of: a slice of sorted rows); by default a filter of `rows`."""
    rows_of = rows_of or (lambda column, value: rows.filter(pl.col(column) == value))
    levels = []
    if school is not None:
        school_rows = rows_of("school_id", school.pk)
        if class_letter:
            class_rows = school_rows.filter(pl.col("class_letter") == class_letter)
            levels.append(_level(_("Class %(letter)s") % {"letter": class_letter}, class_rows, own_school))
        levels.append(_level(school.short_name, school_rows, own_school))
    if municipality is not None:
        municipality_rows = rows_of("municipality_id", municipality.pk)
        levels.append(_level(municipality.name, municipality_rows, False, key=("municipality", municipality.pk)))
    levels.append(_level(region_name, rows, False, key=("region",)))
    return levels


def is_own_school(user, school_id: int) -> bool:
    """The viewer works at this school (an active school membership): small cells are shown to them."""
    return any(m.level == "school" and m.scope_id == school_id for m in user.active_memberships())


def hidden_from(user, school_id: int, pupils: int) -> bool:
    """Whether a school's cell of `pupils` is suppressed for this viewer (MIN_CELL, outside the school)."""
    return pupils < MIN_CELL and not is_own_school(user, school_id)


def _level(label: str, rows: pl.DataFrame, own_school: bool, key: tuple | None = None) -> Level:
    return Level(label=label, rows=rows, suppressed=rows.height < MIN_CELL and not own_school, key=key)


def describe_with_reference(
    levels: list[Level], reference, *, max_total: int | None, derived: dict | None = None
) -> WorkView:
    """describe_work with the cuts and columns of a work's reference data (none when it has none)."""
    return describe_work(
        levels,
        cuts=reference.cuts if reference else None,
        max_total=max_total,
        columns=reference.columns if reference else [],
        derived=derived,
    )


def describe_work(
    levels: list[Level], *, cuts, max_total: int | None, columns: list[dict], derived: dict | None = None
) -> WorkView:
    """The four tables of each shown level. `derived` (CountedRows.derived of the rows the levels were cut from)
    keeps the figures of the region and municipality levels: every page of the work shows the same ones, and they
    were ≈ 17 ms of the 50 of a work page with ?school= (a dozen Polars queries over the region's rows)."""
    view = WorkView(levels=levels, cuts=cuts, max_total=max_total, columns=columns)
    shown = [lv for lv in levels if not lv.suppressed and lv.rows.height]
    for lv in shown:
        figures = _figures_of(lv, derived, cuts=cuts, max_total=max_total, columns=columns)
        view.marks += [{"level": lv.label, **row} for row in figures["marks"]]
        view.journal += [{"level": lv.label, **row} for row in figures["journal"]]
        view.scores += [{"level": lv.label, **row} for row in figures["scores"]]
        view.tasks += [{"level": lv.label, **row} for row in figures["tasks"]]
    return view


def _figures_of(lv: Level, derived: dict | None, *, cuts, max_total: int | None, columns: list[dict]) -> dict:
    """The level's figures, from `derived` when its rows are a kept level of the work (region, municipality)."""
    if derived is None or lv.key is None:
        return level_figures(lv.rows, cuts=cuts, max_total=max_total, columns=columns)
    # What the figures depend on besides the rows: a new version of the reference data is a new key.
    key = ("work figures", lv.key, tuple(cuts or ()), max_total, json.dumps(columns, sort_keys=True, default=str))
    figures = derived.get(key)
    if figures is None:
        figures = derived[key] = level_figures(lv.rows, cuts=cuts, max_total=max_total, columns=columns)
    return figures


def level_figures(rows: pl.DataFrame, *, cuts, max_total: int | None, columns: list[dict]) -> dict[str, list[dict]]:
    """The figures of one level's rows, without its label: marks and journal (one row each, or none), scores and
    tasks (a row per score and per task)."""
    figures: dict[str, list[dict]] = {"marks": [], "journal": [], "scores": [], "tasks": []}
    if cuts:
        figures["marks"].append(describe.marks_distribution(rows, cuts).row(0, named=True))
        journal = describe.journal_comparison(rows, cuts)
        if journal["n"][0]:
            figures["journal"].append(journal.row(0, named=True))
    if max_total:
        scores = describe.score_distribution(rows.filter(pl.col("total") <= max_total), max_total)
        figures["scores"] = list(scores.iter_rows(named=True))
    if columns:
        done = describe.task_completion(rows, [int(c["max"]) for c in columns])
        figures["tasks"] = [
            {"task": task_label(columns[r["task"] - 1]), "completion": r["completion"]}
            for r in done.iter_rows(named=True)
        ]
    return figures


def task_label(column: dict) -> str:
    level = f" ({column['level']})" if column.get("level") else ""
    return f"{column['label']}{level}"


def task_table(view: WorkView) -> list[dict]:
    """Rows of «Выполнение заданий»: task, level, maximum, then completion per shown level."""
    by_task: dict[str, dict] = {}
    for item in view.tasks:
        by_task.setdefault(item["task"], {})[item["level"]] = item["completion"]
    rows = []
    for column in view.columns:
        label = task_label(column)
        rows.append(
            {
                "label": column["label"],
                "level": column.get("level") or "",
                "max": column["max"],
                "values": by_task.get(label, {}),
            }
        )
    return rows
