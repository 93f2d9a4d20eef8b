"""The four ФИС ОКО tables of one work for a chosen unit, side by side with the wider levels.

Levels: class → school → municipality → region (the chosen unit and every level above it).
Outside the school itself, a cell with fewer than MIN_CELL pupils is suppressed: a rural class of
three is re-identifiable.
"""

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
) -> list[Level]:
    """The chosen unit first, then each wider level up to the region."""
    levels = []
    if school is not None:
        school_rows = rows.filter(pl.col("school_id") == school.pk)
        if class_letter:
            class_rows = school_rows.filter(pl.col("class_letter") == class_letter)
            levels.append(_level(_("Class %(letter)s") % {"letter": class_letter}, class_rows, own_school))
        levels.append(_level(school.short_name, school_rows, own_school))
    if municipality is not None:
        levels.append(_level(municipality.name, rows.filter(pl.col("municipality_id") == municipality.pk), False))
    levels.append(_level(region_name, rows, False))
    return levels


def is_own_school(user, school_id: int) -> bool:
    """The viewer works at this school (an active school membership): small cells are shown to them."""
    return any(m.level == "school" and m.scope_id == school_id for m in user.active_memberships())


def hidden_from(user, school_id: int, pupils: int) -> bool:
    """Whether a school's cell of `pupils` is suppressed for this viewer (MIN_CELL, outside the school)."""
    return pupils < MIN_CELL and not is_own_school(user, school_id)


def _level(label: str, rows: pl.DataFrame, own_school: bool) -> Level:
    return Level(label=label, rows=rows, suppressed=rows.height < MIN_CELL and not own_school)


def describe_with_reference(levels: list[Level], reference, *, max_total: int | None) -> WorkView:
    """describe_work with the cuts and columns of a work's reference data (none when it has none)."""
    return describe_work(
        levels,
        cuts=reference.cuts if reference else None,
        max_total=max_total,
        columns=reference.columns if reference else [],
    )


def describe_work(levels: list[Level], *, cuts, max_total: int | None, columns: list[dict]) -> WorkView:
    view = WorkView(levels=levels, cuts=cuts, max_total=max_total, columns=columns)
    shown = [lv for lv in levels if not lv.suppressed and lv.rows.height]
    for lv in shown:
        if cuts:
            view.marks.append({"level": lv.label, **describe.marks_distribution(lv.rows, cuts).row(0, named=True)})
            journal = describe.journal_comparison(lv.rows, cuts)
            if journal["n"][0]:
                view.journal.append({"level": lv.label, **journal.row(0, named=True)})
        if max_total:
            scores = describe.score_distribution(lv.rows.filter(pl.col("total") <= max_total), max_total)
            view.scores += [{"level": lv.label, **r} for r in scores.iter_rows(named=True)]
        if columns:
            done = describe.task_completion(lv.rows, [int(c["max"]) for c in columns])
            view.tasks += [
                {"level": lv.label, "task": task_label(columns[r["task"] - 1]), "completion": r["completion"]}
                for r in done.iter_rows(named=True)
            ]
    return view


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
