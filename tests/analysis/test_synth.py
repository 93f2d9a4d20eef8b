"""The synthetic region looks like a real one (METHODS.md §2), is reproducible, injects what its truth says,
and is written in the exact ФИС ОКО layout (FORMATS.md §1)."""

import time
from pathlib import Path

import numpy as np
import polars as pl
import pytest
import yaml
from scipy.stats import spearmanr

from objectivity.analysis import export_format
from objectivity.analysis.schema import pupil_schema, task_columns
from objectivity.analysis.synth import KINDS, default_tests, generate_region, write_region, write_regional_xlsx

SEED = 11
TESTS = default_tests([2024], grades=(4, 5))
SHARES = {"push": 0.03, "inflate": 0.02, "hard": 0.02, "journal": 0.02, "copy": 0.02, "exclude": 0.03, "cohort": 0.01}


@pytest.fixture(scope="module")
def clean():
    return generate_region(seed=SEED, years=[2024], tests=TESTS)


@pytest.fixture(scope="module")
def dirty():
    return generate_region(seed=SEED, years=[2024], tests=TESTS, inject=SHARES)


def present(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(~pl.col("absent") & pl.col("valid"))


def column_sums(frame: pl.DataFrame) -> pl.Series:
    return frame.select(pl.sum_horizontal(task_columns(frame))).to_series()


# --- the canonical frame -----------------------------------------------------------------------


def test_frames_follow_the_pupil_schema(clean):
    for spec, frame in clean.results.items():
        assert frame.schema == pl.Schema(pupil_schema(len(spec.columns)))
        assert frame["source_row"].to_list() == list(range(2, frame.height + 2))
        assert (frame["school_login"] == frame["school_login"].str.to_lowercase()).all()
        assert frame["file_mark"].null_count() == frame.height
        assert frame["region_label"].unique().to_list() == ["СПО Демонстрационный край"]
        absent = frame.filter(pl.col("absent"))
        assert absent["total"].null_count() == absent.height and absent["variant"].null_count() == absent.height


def test_only_rows_with_a_wrong_total_are_invalid(clean):
    for spec, frame in clean.results.items():
        rows = frame.filter(~pl.col("absent")).with_columns(sums=column_sums(frame.filter(~pl.col("absent"))))
        above = rows.filter(pl.col("problem") == "total_above_max")
        off = rows.filter(pl.col("problem") == "total_mismatch")
        assert (above["total"] > spec.max_total).all() and (off["total"] != off["sums"]).all()
        valid = rows.filter(pl.col("valid"))
        assert (valid["total"] == valid["sums"]).all() and valid["problem"].null_count() == valid.height
        assert 0 < (~frame["valid"]).sum() < 0.01 * frame.height  # a few tenths of a percent


# --- realism (METHODS.md §2) -------------------------------------------------------------------


def within_school_spearman(frame: pl.DataFrame) -> list[float]:
    rows = present(frame).drop_nulls("journal_mark")
    values = []
    for _school, school in rows.group_by("school_login"):
        if school.height >= 5 and school["journal_mark"].n_unique() > 1 and school["total"].n_unique() > 1:
            values.append(spearmanr(school["journal_mark"], school["total"]).statistic)
    return values


def test_journal_marks_follow_scores_as_in_real_schools(clean):
    for spec, frame in clean.results.items():
        values = within_school_spearman(frame)
        assert 0.70 <= np.median(values) <= 0.80, spec
        assert sum(v < 0 for v in values) <= 0.03 * len(values)  # a negative correlation is rare


def test_region_is_heaped_at_the_3_cut(clean):
    for spec, frame in clean.results.items():
        totals = present(frame)["total"]
        ratio = (totals == spec.cuts[0]).sum() / (totals == spec.cuts[0] - 1).sum()
        assert 3.5 <= ratio <= 8.5, (spec, ratio)


def test_absence_and_marks_below_3(clean):
    for spec, frame in clean.results.items():
        assert 0.06 <= frame["absent"].mean() <= 0.08, spec
        assert 0.02 <= (present(frame)["total"] < spec.cuts[0]).mean() <= 0.08, spec


def test_school_sizes_have_many_small_schools_and_a_long_tail(clean):
    for spec, frame in clean.results.items():
        sizes = present(frame).group_by("school_login").len()["len"]
        assert (sizes < 10).mean() >= 0.25, spec
        assert 100 <= sizes.max() <= 160, spec


def test_a_cohort_keeps_its_pupils_from_grade_4_to_grade_5():
    """ФИОКО's K = S(4, Y) / S(5, Y + 1) centres near 1 and varies from school to school."""
    region = generate_region(seed=SEED, years=[2024, 2025], tests=default_tests([2024, 2025], (4, 5), ("ma",)))
    means = {
        (spec.year, spec.grade): present(frame).group_by("school_login").agg(s=pl.col("total").mean() / spec.max_total)
        for spec, frame in region.results.items()
    }
    k = means[(2024, 4)].join(means[(2025, 5)], on="school_login").select(pl.col("s") / pl.col("s_right"))
    assert 0.85 < k.to_series().median() < 1.15 and k.to_series().std() > 0.03


def test_given_schools_are_used_with_their_pupils():
    schools = pl.DataFrame(
        {
            "login": ["SCH220002", "sch220001"],
            "settlement": ["city", "village"],
            "school_type": ["lyceum", "nosh"],
            "is_small": [False, True],
            "pupils_4": [60, 5],
        }
    )
    region = generate_region(seed=1, years=[2024], schools=schools, tests=default_tests([2024], (4, 5), ("ma",)))
    assert region.schools["login"].to_list() == ["sch220001", "sch220002"]
    grade4, grade5 = region.results.values()
    assert 50 <= grade4.filter(pl.col("school_login") == "sch220002").height <= 70
    assert grade5.filter(pl.col("school_login") == "sch220001").height == 0  # a НОШ has no grade 5


# --- reproducibility ---------------------------------------------------------------------------


def test_the_same_seed_gives_the_same_region(clean):
    again = generate_region(seed=SEED, years=[2024], tests=TESTS)
    assert again.schools.equals(clean.schools)
    assert all(again.results[spec].equals(frame) for spec, frame in clean.results.items())
    other = generate_region(seed=SEED + 1, years=[2024], tests=TESTS)
    assert not any(other.results[spec].equals(frame) for spec, frame in clean.results.items())


# --- injected manipulation ---------------------------------------------------------------------


def test_truth_lists_each_kind_at_its_share(dirty):
    truth = dirty.truth
    assert truth.schema == pl.Schema(
        {
            "year": pl.Int64,
            "grade": pl.Int64,
            "subject": pl.String,
            "school_login": pl.String,
            "kind": pl.String,
            "pupils_touched": pl.Int64,
        }
    )
    counts = dict(truth.group_by("kind").len().iter_rows())
    for kind, share in SHARES.items():
        assert abs(counts.get(kind, 0) - round(share * dirty.schools.height)) <= 1, kind
    assert truth["school_login"].is_unique().all() and (truth["pupils_touched"] > 0).all()
    assert set(truth.filter(pl.col("kind") == "cohort")["grade"]) == {4}
    assert set(truth["kind"]) <= set(KINDS)


def rows_of(region, row: dict) -> tuple[pl.DataFrame, object]:
    spec = next(
        s for s in region.results if (s.year, s.grade, s.subject) == (row["year"], row["grade"], row["subject"])
    )
    return region.results[spec].filter(pl.col("school_login") == row["school_login"]), spec


def test_only_the_manipulated_schools_change(clean, dirty):
    touched = {(r["year"], r["grade"], r["subject"], r["school_login"]) for r in dirty.truth.iter_rows(named=True)}
    for spec, frame in clean.results.items():
        key = pl.Series([(spec.year, spec.grade, spec.subject, login) in touched for login in frame["school_login"]])
        assert frame.filter(~key).equals(dirty.results[spec].filter(~key))
        valid = present(dirty.results[spec])
        assert (valid["total"] == column_sums(valid)).all()
        maxima = pl.Series([c.max for c in spec.columns])
        assert all((valid[col] <= top).all() for col, top in zip(task_columns(valid), maxima, strict=True))


def test_push_piles_pupils_on_the_cuts(clean, dirty):
    for row in dirty.truth.filter(pl.col("kind") == "push").iter_rows(named=True):
        before, spec = rows_of(clean, row)
        after, _spec = rows_of(dirty, row)
        window = [spec.cuts[0], spec.cuts[0] + 1, spec.cuts[1], spec.cuts[1] + 1]
        assert present(after)["total"].is_in(window).sum() > present(before)["total"].is_in(window).sum()


def test_exclude_adds_absences_of_weak_pupils(clean, dirty):
    for row in dirty.truth.filter(pl.col("kind") == "exclude").iter_rows(named=True):
        before, _spec = rows_of(clean, row)
        after, _spec = rows_of(dirty, row)
        assert after["absent"].sum() - before["absent"].sum() == row["pupils_touched"]
        assert present(after)["total"].mean() >= present(before)["total"].mean()


def test_copy_makes_identical_score_vectors(dirty):
    for row in dirty.truth.filter(pl.col("kind") == "copy").iter_rows(named=True):
        rows, _spec = rows_of(dirty, row)
        vectors = rows.filter(~pl.col("absent")).group_by(task_columns(rows)).len()
        assert vectors["len"].max() >= 4


def test_inflate_and_cohort_raise_the_school_mean(clean, dirty):
    for row in dirty.truth.filter(pl.col("kind").is_in(["inflate", "cohort", "hard", "journal"])).iter_rows(named=True):
        before, _spec = rows_of(clean, row)
        after, _spec = rows_of(dirty, row)
        assert present(after)["total"].sum() > present(before)["total"].sum(), row


# --- files -------------------------------------------------------------------------------------


def test_a_test_is_written_in_the_regional_layout(clean, tmp_path):
    spec = next(s for s in clean.results if (s.grade, s.subject) == (4, "ma"))
    frame = clean.results[spec]
    path = tmp_path / export_format.regional_file_name(subject=spec.subject, grade=spec.grade, year=spec.year)
    write_regional_xlsx(frame, spec, path, clean.region_label, seed=SEED)
    sheet = pl.read_excel(path, engine="calamine", infer_schema_length=0)
    assert sheet.columns == export_format.regional_header(len(spec.columns))
    assert all(dtype == pl.String for dtype in sheet.dtypes) and sheet.height == frame.height
    scores = pl.concat([sheet[c] for c in sheet.columns if c.startswith("балл за")])
    for word in ("X", "Х", "не пройд."):
        assert (scores == word).sum() > 0, word
    assert (sheet["вариант"] == export_format.ABSENT_VARIANT).sum() == frame["absent"].sum()
    assert (sheet["отметка за предыдущую четверть/триместр"] == export_format.NO_JOURNAL_MARK).sum() > 0
    letters = set(sheet["класс"].drop_nulls())
    assert {"а", "А"} <= letters and letters & {"НЕТ", "нет"}
    assert {"м", "М", "ж", "Ж"} <= set(sheet["пол"].drop_nulls())
    assert sheet["логин школы"].equals(frame["school_login"], check_names=False)
    assert sheet["всего баллов"].equals(frame["total"].cast(pl.String), check_names=False)
    name = export_format.parse_test_name(path.name)
    assert (name.year, name.grade, name.subject) == (spec.year, spec.grade, spec.subject)


def test_the_region_is_written_with_its_truth_and_reference(dirty, tmp_path):
    paths = write_region(dirty, tmp_path)
    assert {p.name for p in paths[:3]} == {"schools.xlsx", "truth.csv", "reference.yaml"}
    assert all(p.exists() for p in paths) and len(paths) == 3 + len(dirty.results)
    assert pl.read_csv(tmp_path / "truth.csv").height == dirty.truth.height
    reference = yaml.safe_load((tmp_path / "reference.yaml").read_text(encoding="utf-8"))["tests"]
    for entry, spec in zip(reference, dirty.results, strict=True):
        assert entry["scale"] == {"3": spec.cuts[0], "4": spec.cuts[1], "5": spec.cuts[2]}
        assert sum(c["max"] for c in entry["columns"]) == entry["max_total"] == spec.max_total
    schools = pl.read_excel(tmp_path / "schools.xlsx", engine="calamine", infer_schema_length=0)
    assert schools.columns[:9] == [
        "логин",
        "полное наименование",
        "краткое наименование",
        "муниципалитет",
        "тип",
        "тип поселения",
        "малокомплектная",
        "филиал",
        "углублённое изучение",
    ]
    assert schools.columns[9:] == [f"{g} класс" for g in range(4, 12)]
    assert set(schools["тип поселения"]) <= {"город", "пгт", "село"}


@pytest.mark.slow
def test_generation_and_writing_are_fast(tmp_path: Path):
    started = time.perf_counter()
    generate_region(seed=1, years=[2023, 2024, 2025])
    assert time.perf_counter() - started < 10
    big = generate_region(seed=1, years=[2024], n_schools=11_000, tests=default_tests([2024], (4,), ("ru",)))
    spec, frame = next(iter(big.results.items()))
    assert frame.height > 250_000
    started = time.perf_counter()
    write_regional_xlsx(frame, spec, tmp_path / "big.xlsx", big.region_label)
    assert time.perf_counter() - started < 30  # ~7 s on the development machine


# --- realism "real-2021" (bench/generator_vs_real.py, docs/generator-vs-real.md) --------------------

SENIOR = default_tests([2021], grades=(6, 7, 8), subjects=("ma",))


@pytest.fixture(scope="module")
def real_like():
    return generate_region(seed=SEED, years=[2021], n_schools=250, tests=SENIOR, realism="real-2021")


def identical_pair_ratio(frame: pl.DataFrame) -> float:
    """Same-class pairs with one total and one vector, over what a region-wide same-total shuffle expects."""
    rows = present(frame).with_columns(
        klass=pl.concat_str("school_login", pl.col("class_letter").fill_null("")),
        vector=pl.concat_str(task_columns(frame), separator=","),
    )
    by_vector = rows.group_by("total", "vector").len()
    chance = (
        by_vector.group_by("total")
        .agg(same=(pl.col("len") * (pl.col("len") - 1)).sum(), n=pl.col("len").sum())
        .select("total", p=pl.col("same") / (pl.col("n") * (pl.col("n") - 1)).clip(1))
    )
    cells = rows.group_by("klass", "total").len().join(chance, on="total")
    expected = (cells["len"] * (cells["len"] - 1) / 2 * cells["p"]).sum()
    same = rows.group_by("klass", "total", "vector").len()
    return float((same["len"] * (same["len"] - 1) / 2).sum() / expected)


def test_an_unknown_realism_is_refused():
    with pytest.raises(ValueError, match="realism"):
        generate_region(seed=1, years=[2021], n_schools=5, tests=SENIOR, realism="real-2099")


def test_default_classes_share_nothing_beyond_ability():
    region = generate_region(seed=SEED, years=[2021], n_schools=250, tests=SENIOR)
    for spec, frame in region.results.items():
        assert 0.6 < identical_pair_ratio(frame) < 1.4, spec


def test_real_2021_classes_share_their_task_profile(real_like):
    """Pupils of one class with one total share a vector several times as often as the shuffle predicts
    (real grade 6-8 maths: 2.9-7.2 ×), whole classes have «не пройд.» on a task, and small schools give
    no class letter."""
    for spec, frame in real_like.results.items():
        assert identical_pair_ratio(frame) > 2.0, spec
        sizes = present(frame).group_by("school_login").agg(pl.len(), letters=pl.col("class_letter").is_null().all())
        small = sizes.filter(pl.col("len") < 20)
        assert 0.55 < small["letters"].mean() < 0.9, spec
        assert 0.09 < frame["absent"].mean() < 0.14, spec
        assert 0.08 < (present(frame)["total"] < spec.cuts[0]).mean() < 0.2, spec


def test_real_2021_writes_x_and_not_passed_by_class(real_like, tmp_path):
    spec = SENIOR[0]
    frame = real_like.results[spec]
    path = tmp_path / "real-like.xlsx"
    write_regional_xlsx(frame, spec, path, real_like.region_label, seed=SEED)
    sheet = pl.read_excel(path, engine="calamine", infer_schema_length=0).filter(
        pl.col("вариант") != export_format.ABSENT_VARIANT
    )
    klass = pl.concat_str(pl.col("логин школы"), pl.col("класс").fill_null(""))
    columns = [c for c in sheet.columns if c.startswith("балл за")]
    whole = []
    for column in columns:
        marked = sheet.select(klass.alias("k"), (pl.col(column) == export_format.NOT_DONE[2]).alias("np"))
        share = marked.group_by("k").agg(pl.col("np").mean().alias("share"))
        whole.append(marked.join(share, on="k").filter(pl.col("np"))["share"])
    shares = pl.concat(whole)
    assert shares.len() > 0 and (shares >= 0.9).mean() > 0.4  # «не пройд.» comes by whole classes
    x = sheet.select(pl.any_horizontal(pl.col(c).is_in(["X", "Х"]) for c in columns).alias("x"), klass.alias("k"))
    by_class = x.group_by("k").agg(pl.col("x").mean(), pl.len()).filter(pl.col("len") >= 5)["x"]
    assert by_class.std() > 0.2  # some classes write blanks as X, others as 0
