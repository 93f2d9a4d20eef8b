"""ОГЭ/ЕГЭ results per school (from РЦОИ): one row per school with participants, mean primary score and,
where given, the number of each mark. Same rules as pupil rows: bad rows are kept, excluded, reported."""

import polars as pl
from django.utils.translation import gettext as _

from objectivity.results.normalise import Check, Normalised, Rules, _collect, _int, _login_checks, _text
from objectivity.results.recognise import Layout

SCHOOL_RESULT_SCHEMA: dict[str, pl.DataType] = {
    "source_row": pl.Int32(),
    "school_login": pl.String(),
    "participant_code": pl.String(),  # empty: the problem list has the same columns as for pupils
    "participants": pl.Int32(),
    "mean_score": pl.Float64(),
    **{f"marks_{m}": pl.Int32() for m in (2, 3, 4, 5)},
    "valid": pl.Boolean(),
    "problem": pl.String(),
}
NUMBERS = ("participants", "mean_score", "marks_2", "marks_3", "marks_4", "marks_5")


def normalise_schools(body: pl.DataFrame, layout: Layout, rules: Rules) -> Normalised:
    raw = body.select(
        "source_row",
        *(
            _text(layout.columns[k]).alias(f"raw_{k}") if k in layout.columns else pl.lit("").alias(f"raw_{k}")
            for k in ("school_login", *NUMBERS)
        ),
    )
    frame = raw.with_columns(
        pl.col("raw_school_login").str.to_lowercase().alias("school_login"),
        pl.lit("").alias("participant_code"),
        _count("raw_participants").alias("participants"),
        _mean("raw_mean_score").alias("mean_score"),
        *(_count(f"raw_marks_{m}").alias(f"marks_{m}") for m in (2, 3, 4, 5)),
    )
    problems = _collect(frame, _checks(layout, rules))
    bad = problems.filter(pl.col("excluding")).group_by("source_row").agg(pl.col("code").unique().sort().str.join(";"))
    frame = frame.join(bad.rename({"code": "problem"}), on="source_row", how="left")
    frame = frame.with_columns(pl.col("problem").is_null().alias("valid"))
    return Normalised(
        pupils=frame.select([pl.col(c).cast(t) for c, t in SCHOOL_RESULT_SCHEMA.items()]), problems=problems
    )


MEAN = r"^[0-9]{1,4}(?:[.,][0-9]{1,6})?$"  # «14,5» or «14.5»: ASCII digits, no sign, no exponent


def _count(raw: str) -> pl.Expr:
    return _int(pl.col(raw)).cast(pl.Int32, strict=False)


def _mean(raw: str) -> pl.Expr:
    text = pl.col(raw)
    number = text.str.replace(",", ".").cast(pl.Float64, strict=False)
    return pl.when(text.str.contains(MEAN)).then(number).otherwise(None)


def _checks(layout: Layout, rules: Rules) -> list[Check]:
    label = layout.labels.get
    checks = [
        *_login_checks(label("school_login", "логин ОО"), rules),
        Check(
            "bad_participants",
            label("participants", "число участников"),
            "raw_participants",
            pl.col("participants").is_null() | (pl.col("participants") < 0),
            _("expected a whole number of participants"),
        ),
        Check(
            "bad_mean",
            label("mean_score", "средний балл"),
            "raw_mean_score",
            pl.col("mean_score").is_null() | (pl.col("mean_score") < 0),
            _("expected a number such as 14,5"),
        ),
        Check(
            "duplicate_school",
            label("school_login", "логин ОО"),
            "raw_school_login",
            ~pl.col("school_login").is_first_distinct(),
            _("this school already appears above"),
        ),
    ]
    if rules.max_total is not None:
        checks.append(
            Check(
                "mean_above_max",
                label("mean_score", "средний балл"),
                "raw_mean_score",
                pl.col("mean_score") > rules.max_total,
                _("more than the work's maximum of %(max)d") % {"max": rules.max_total},
            )
        )
    if all(f"marks_{m}" in layout.columns for m in (2, 3, 4, 5)):
        total = pl.sum_horizontal(*(pl.col(f"marks_{m}") for m in (2, 3, 4, 5)))
        checks.append(
            Check(
                "marks_mismatch",
                label("participants", "число участников"),
                "raw_participants",
                total != pl.col("participants"),
                _("the numbers of marks do not add up to the participants"),
                excluding=False,
            )
        )
    return checks
