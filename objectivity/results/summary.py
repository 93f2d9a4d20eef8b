"""What an import brought: pupils, presence, schools matched and unknown, rows excluded and why."""

import polars as pl

from objectivity.orgs.models import Region, School
from objectivity.results.models import Assessment
from objectivity.results.normalise import unknown_codes


def summarise(pupils: pl.DataFrame, problems: pl.DataFrame, *, region: Region, assessment: Assessment) -> dict:
    logins, known = _known_schools(pupils, region)
    per_school = _per_school(pupils)
    unknown = per_school.filter(~pl.col("school_login").is_in(list(known)))
    return {
        "rows": pupils.height,
        "present": int((~pupils["absent"]).sum()),
        "absent": int(pupils["absent"].sum()),
        "excluded": int((~pupils["valid"]).sum()),
        **_problem_counts(problems),
        "unknown_codes": unknown_codes(problems),
        "schools": len(logins),
        "schools_matched": len(known),
        "unknown_schools": unknown.select("school_login", "rows").sort("school_login").to_dicts(),
        "roll": _roll(known, assessment.study_grade),
        "present_in_known": int(per_school.filter(pl.col("school_login").is_in(list(known)))["present"].sum()),
    }


def _known_schools(rows: pl.DataFrame, region: Region) -> tuple[list[str], dict[str, dict]]:
    """The file's logins, and the registry's roll by grade of those the region knows."""
    logins = rows.get_column("school_login").unique().drop_nulls().to_list()
    known = dict(
        School.objects.filter(municipality__region=region, login__in=logins).values_list("login", "pupils_by_grade")
    )
    return logins, known


def _problem_counts(problems: pl.DataFrame) -> dict[str, dict[str, int]]:
    return {
        "excluded_by_reason": _count_codes(problems.filter(pl.col("excluding"))),
        "warnings_by_reason": _count_codes(problems.filter(~pl.col("excluding"))),
    }


def _per_school(pupils: pl.DataFrame) -> pl.DataFrame:
    return pupils.group_by("school_login").agg(
        pl.len().alias("rows"),
        (~pl.col("absent")).sum().alias("present"),
    )


def _count_codes(problems: pl.DataFrame) -> dict[str, int]:
    if problems.is_empty():
        return {}
    rows = problems.group_by("code").agg(pl.col("source_row").n_unique().alias("n")).sort("code")
    return {code: int(n) for code, n in rows.iter_rows()}


def _roll(known: dict[str, dict], grade: int) -> int:
    return sum(int((by_grade or {}).get(str(grade), 0) or 0) for by_grade in known.values())


def summarise_schools(rows: pl.DataFrame, problems: pl.DataFrame, *, region: Region, assessment: Assessment) -> dict:
    """The same keys as for pupil rows; «present» is the sum of participants of valid rows."""
    logins, known = _known_schools(rows, region)
    unknown = rows.filter(~pl.col("school_login").is_in(list(known))).group_by("school_login").len("rows")
    valid = rows.filter(pl.col("valid"))
    return {
        "rows": rows.height,
        "present": int(valid["participants"].sum() or 0),
        "absent": 0,
        "excluded": int((~rows["valid"]).sum()),
        **_problem_counts(problems),
        "schools": len(logins),
        "schools_matched": len(known),
        "unknown_schools": unknown.select("school_login", "rows").sort("school_login").to_dicts(),
        "roll": _roll(known, assessment.study_grade),
        "present_in_known": int(valid.filter(pl.col("school_login").is_in(list(known)))["participants"].sum() or 0),
    }
