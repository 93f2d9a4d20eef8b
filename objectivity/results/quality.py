"""The data-quality report of an import (XLSX): every problem row with its reason, the schools the
registry does not know, and participation against each school's roll."""

import polars as pl
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _l

from objectivity.core.xlsx import write_sheets
from objectivity.orgs.models import School
from objectivity.results.browse import MIN_CELL
from objectivity.results.import_files import absolute
from objectivity.results.models import ResultImport
from objectivity.results.normalise import unknown_code_lines


def problems_of(result_import: ResultImport) -> pl.DataFrame:
    return pl.read_parquet(absolute(result_import.problems_parquet))


def pupils_of(result_import: ResultImport) -> pl.DataFrame:
    return pl.read_parquet(absolute(result_import.parquet))


def participation(result_import: ResultImport) -> list[dict]:
    """Per school in the file: rows, present, absent, the roll of the grade and the share present; a school of fewer
    than MIN_CELL present pupils shows none of them."""
    pupils = pupils_of(result_import)
    if "participants" in pupils.columns:  # ОГЭ/ЕГЭ figures per school
        per_school = pupils.group_by("school_login").agg(
            pl.len().alias("rows"),
            pl.col("participants").sum().alias("present"),
            pl.lit(None, pl.Int64).alias("absent"),
        )
    else:
        per_school = pupils.group_by("school_login").agg(
            pl.len().alias("rows"), (~pl.col("absent")).sum().alias("present"), pl.col("absent").sum().alias("absent")
        )
    grade = str(result_import.assessment.study_grade)
    schools = {
        s.login: s
        for s in School.objects.filter(
            municipality__region=result_import.region, login__in=per_school["school_login"].to_list()
        ).select_related("municipality")
    }
    out = []
    for login, rows, present, absent in per_school.sort("school_login").iter_rows():
        school = schools.get(login)
        roll = int((school.pupils_by_grade or {}).get(grade, 0) or 0) if school else None
        share = round(100 * present / roll, 1) if roll else None
        counts = {"rows": rows, "present": present, "absent": absent, "share": share}
        out.append({"login": login, "school": school, "roll": roll, **_small_cell(counts)})
    return out


def _small_cell(counts: dict) -> dict:
    """A school of fewer than MIN_CELL present pupils: «< 5» for its counts and no share (ADR 0010). These pages
    are the region's, never the school's own, so the cell is hidden for everyone who sees them."""
    if counts["present"] is None or counts["present"] >= MIN_CELL:
        return counts
    small = f"< {MIN_CELL}"
    return {"rows": small, "present": small, "absent": small if counts["absent"] is not None else None, "share": None}


def quality_workbook(result_import: ResultImport) -> bytes:
    problems = problems_of(result_import)
    summary = result_import.summary
    return write_sheets(
        [
            (_("Summary"), [_("Indicator"), _("Value")], _summary_rows(result_import, summary)),
            (
                _("Problem rows"),
                [
                    _("Row"),
                    _("School login"),
                    _("Participant code"),
                    _("Column"),
                    _("Value"),
                    _("Problem"),
                    _("Consequence"),
                ],
                _problem_rows(problems),
            ),
            (
                _("Unknown schools"),
                [_("School login"), _("Rows")],
                [(u["school_login"], u["rows"]) for u in summary.get("unknown_schools", [])],
            ),
            (
                _("Participation"),
                [
                    _("School login"),
                    _("School"),
                    _("Municipality"),
                    _("On roll"),
                    _("Rows"),
                    _("Present"),
                    _("Absent"),
                    _("Present, share of roll (%)"),
                ],
                _participation_rows(result_import),
            ),
        ]
    )


def _summary_rows(result_import: ResultImport, summary: dict) -> list[tuple]:
    rows = [
        (_("File"), result_import.original_name),
        (_("Work"), str(result_import.assessment)),
        (_("Rows"), summary.get("rows", 0)),
        (_("Present"), summary.get("present", 0)),
        (_("Absent"), summary.get("absent", 0)),
        (_("Rows excluded from statistics"), summary.get("excluded", 0)),
        (_("Schools in the file"), summary.get("schools", 0)),
        (_("Schools found in the registry"), summary.get("schools_matched", 0)),
    ]
    rows += [
        (_("Excluded: %(reason)s") % {"reason": reason_label(code)}, n)
        for code, n in summary.get("excluded_by_reason", {}).items()
    ]
    rows += [
        (_("Warning: %(reason)s") % {"reason": reason_label(code)}, n)
        for code, n in summary.get("warnings_by_reason", {}).items()
    ]
    rows += [(_("Unknown code in task columns"), line) for line in unknown_code_lines(summary.get("unknown_codes", []))]
    return rows


def _problem_rows(problems: pl.DataFrame):
    excluded, warning = _("excluded from statistics"), _("kept; the value is left empty")
    footer = _("left out: not a pupil's row")
    for row in problems.iter_rows(named=True):
        consequence = footer if row["code"] == "footer" else excluded if row["excluding"] else warning
        yield (
            row["source_row"],
            row["school_login"],
            row["participant_code"],
            row["column"],
            row["value"],
            row["message"],
            consequence,
        )


def _participation_rows(result_import: ResultImport):
    for item in participation(result_import):
        school = item["school"]
        yield (
            item["login"],
            school.short_name if school else _("not in the registry"),
            school.municipality.name if school else "",
            item["roll"],
            item["rows"],
            item["present"],
            item["absent"],
            item["share"],
        )


REASONS = {
    "bad_login": _l("not a ФИС ОКО login"),
    "other_region": _l("a school of another region"),
    "no_code": _l("no participant code"),
    "bad_journal_mark": _l("unreadable journal mark"),
    "bad_total": _l("unreadable total"),
    "no_total": _l("present, but no total"),
    "absent_with_scores": _l("absent, yet scored"),
    "duplicate_code": _l("repeated participant code"),
    "bad_score": _l("unreadable task score"),
    "unknown_code": _l("unknown code in a task column, counted as not attempted"),
    "task_above_max": _l("task score above its maximum"),
    "total_above_max": _l("total above the maximum"),
    "total_mismatch": _l("total differs from the sum of tasks"),
    "bad_participants": _l("unreadable number of participants"),
    "bad_mean": _l("unreadable mean score"),
    "duplicate_school": _l("repeated school"),
    "mean_above_max": _l("mean score above the maximum"),
    "marks_mismatch": _l("marks do not add up to the participants"),
    "footer": _l("lines after the data (a footer), left out"),
    "bad_file_mark": _l("unreadable mark in the file"),
}


def reason_label(code: str) -> str:
    return str(REASONS.get(code, code))
