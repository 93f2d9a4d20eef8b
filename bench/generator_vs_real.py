"""The synthetic region against real exports, on what the detection layers use (issue 10).

Run from the project root (needs `../shared/real/`, which only developers and CI have):

    .venv/bin/python bench/generator_vs_real.py
    .venv/bin/python bench/generator_vs_real.py --realism real-2021 --markdown /tmp/figures.md

Real: the grade 6-8 Russian and maths regional exports of ВПР 2021 in `../shared/real/results-2021/`,
with the cut scores of the shipped catalogue (`objectivity/results/data/vpr-2021.yaml`). Generated:
`generate_region` with the same six tests, 650 schools and a fixed seed, rendered to the cells of the
regional export (`regional_cells`: the text a written file would hold, X codes included), with the
generator's own cut scores. Both go through the same measurement code below, which reads text cells.

Every figure is an aggregate over a test (no pupil row is printed or written). Nothing is written unless
`--markdown FILE` is given. Exit code 0, with «skipped: …», when the real exports are absent.
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import polars as pl
import yaml

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

REAL = PROJECT_DIR.parent / "shared" / "real" / "results-2021"
CATALOGUE = PROJECT_DIR / "objectivity" / "results" / "data" / "vpr-2021.yaml"
SUBJECT_WORDS = {"ru": "русскому языку", "ma": "математике"}
TESTS = [(g, s) for s in ("ru", "ma") for g in (6, 7, 8)]
X_CODES = {"x", "х"}  # Latin and Cyrillic, any case
NOT_PASSED = "не пройд."
SEED, N_SCHOOLS = 2021, 650


@dataclass
class Test:
    """One test's cells as text, with its scale."""

    name: str  # «6ru»
    cells: pl.DataFrame  # the regional export's header, every cell text
    maxima: list[int]
    cuts: tuple[int, int, int]


# --- inputs --------------------------------------------------------------------------------------


def real_tests(folder: Path = REAL) -> list[Test]:
    catalogue = {(t["grade"], t["subject"]): t for t in yaml.safe_load(CATALOGUE.read_text(encoding="utf-8"))["tests"]}
    out = []
    for grade, subject in TESTS:
        path = folder / f"Проведение работы по {SUBJECT_WORDS[subject]}, {grade} класс. ВПР 2021.xlsx"
        cells = pl.read_excel(path, infer_schema_length=0)
        entry = catalogue[(grade, subject)]
        maxima = [int(c["max"]) for c in entry["columns"]]
        if len(maxima) != len(score_columns(cells)):
            raise SystemExit(f"{path.name}: {len(score_columns(cells))} columns, the catalogue has {len(maxima)}")
        scale = entry["scale"]
        out.append(Test(f"{grade}{subject}", cells, maxima, (scale["3"], scale["4"], scale["5"])))
    return out


def generated_tests(realism: str | None) -> list[Test]:
    from objectivity.analysis.synth import default_tests, generate_region
    from objectivity.analysis.synth_write import regional_cells

    specs = default_tests([2021], grades=(6, 7, 8), subjects=("ru", "ma"))
    region = generate_region(seed=SEED, years=[2021], n_schools=N_SCHOOLS, tests=specs, realism=realism or "default")
    out = []
    for grade, subject in TESTS:
        spec = next(s for s in specs if (s.grade, s.subject) == (grade, subject))
        cells = regional_cells(region.results[spec], spec, region.region_label, seed=SEED)
        out.append(Test(f"{grade}{subject}", cells, [int(m) for m in spec.maxima], spec.cuts))
    return out


def score_columns(cells: pl.DataFrame) -> list[str]:
    return [c for c in cells.columns if c.startswith("балл за ")]


# --- parsing the text cells ----------------------------------------------------------------------


@dataclass
class Parsed:
    school: np.ndarray  # school index per present row
    klass: np.ndarray  # class index per present row (school × letter; the whole school when no letter)
    has_letter: np.ndarray  # bool per present row
    variant: np.ndarray  # variant text per present row
    scores: np.ndarray  # present rows × columns, X and «не пройд.» as 0
    x: np.ndarray  # bool, the cell is X
    np_: np.ndarray  # bool, the cell is «не пройд.»
    file_total: np.ndarray  # «всего баллов», −1 when not a number
    journal: np.ndarray  # 2..5, 0 when none
    absent_by_school: pl.DataFrame  # school_login, rows, absent


def parse(test: Test) -> Parsed:
    cells = test.cells
    columns = score_columns(cells)
    frame = cells.select(
        pl.col("логин школы").str.strip_chars().str.to_lowercase().alias("school_login"),
        pl.col("класс").str.strip_chars().str.to_uppercase().alias("letter"),
        pl.col("вариант").str.strip_chars().alias("variant"),
        pl.col("всего баллов").str.strip_chars().alias("total"),
        pl.col("отметка за предыдущую четверть/триместр").str.strip_chars().alias("journal"),
        *(pl.col(c).str.strip_chars().alias(f"t{i}") for i, c in enumerate(columns)),
    )
    absent = frame["variant"] == "отсутствовал"
    by_school = (
        frame.with_columns(absent=absent).group_by("school_login").agg(rows=pl.len(), absent=pl.col("absent").sum())
    )
    present = frame.filter(~absent)
    letter = present["letter"].fill_null("")
    has_letter = ~letter.is_in(["", "НЕТ"]).to_numpy()
    school = present["school_login"].rank("dense").cast(pl.Int64).to_numpy() - 1
    klass_key = pl.DataFrame({"s": school, "l": np.where(has_letter, letter.to_numpy(), "")})
    klass = klass_key.select(pl.struct("s", "l").rank("dense")).to_series().cast(pl.Int64).to_numpy() - 1
    raw = [present[f"t{i}"].fill_null("") for i in range(len(columns))]
    x = np.column_stack([r.str.to_lowercase().is_in(list(X_CODES)).to_numpy() for r in raw])
    np_ = np.column_stack([(r == NOT_PASSED).to_numpy() for r in raw])
    numbers = np.column_stack([r.cast(pl.Int64, strict=False).fill_null(0).to_numpy() for r in raw])
    total = present["total"].cast(pl.Int64, strict=False).fill_null(-1).to_numpy()
    journal = present["journal"].cast(pl.Int64, strict=False).fill_null(0).to_numpy()
    return Parsed(
        school=school,
        klass=klass,
        has_letter=has_letter,
        variant=present["variant"].fill_null("").to_numpy(),
        scores=numbers.astype(np.int64),
        x=x,
        np_=np_,
        file_total=total,
        journal=np.where((journal >= 2) & (journal <= 5), journal, 0),
        absent_by_school=by_school,
    )


# --- measures ------------------------------------------------------------------------------------


def _q(values: np.ndarray, q: float) -> float:
    return float(np.quantile(values, q)) if len(values) else math.nan


def _group_sizes(index: np.ndarray) -> np.ndarray:
    return np.bincount(index) if len(index) else np.zeros(0, dtype=np.int64)


def icc(values: np.ndarray, group: np.ndarray) -> float:
    """One-way ANOVA ICC(1) of `values` by `group` (groups with ≥ 2 members)."""
    sizes = _group_sizes(group)
    keep = sizes[group] >= 2
    values, group = values[keep], np.unique(group[keep], return_inverse=True)[1]
    sizes = _group_sizes(group)
    k, n = len(sizes), len(values)
    if k < 2 or n <= k:
        return math.nan
    means = np.bincount(group, values) / sizes
    msb = float((sizes * (means - values.mean()) ** 2).sum() / (k - 1))
    msw = float(((values - means[group]) ** 2).sum() / (n - k))
    n0 = (n - (sizes**2).sum() / n) / (k - 1)
    return (msb - msw) / (msb + (n0 - 1) * msw) if msb + (n0 - 1) * msw > 0 else math.nan


def pair_concordance(flag: np.ndarray, klass: np.ndarray) -> float:
    """Same-class pairs both flagged on one task over what independent cells give (1 = no clustering)."""
    sizes = _group_sizes(klass)
    pairs = (sizes * (sizes - 1)).sum()
    observed = expected = 0.0
    for j in range(flag.shape[1]):
        counts = np.bincount(klass, flag[:, j].astype(np.int64), minlength=len(sizes))
        observed += float((counts * (counts - 1)).sum())
        expected += float(flag[:, j].mean()) ** 2 * pairs
    return observed / expected if expected else math.nan


def identical_pairs(scores: np.ndarray, group: np.ndarray, total: np.ndarray) -> tuple[float, float]:
    """Identical vectors among pairs of one group with one total: observed and a same-total shuffle's expectation."""
    keys = np.unique(scores, axis=0, return_inverse=True)[1].ravel()
    frame = pl.DataFrame({"g": group, "t": total, "v": keys})
    n_t = frame.group_by("t").len().rename({"len": "n_t"})
    n_tv = frame.group_by("t", "v").len().rename({"len": "n_tv"})
    chance = n_tv.group_by("t").agg(s=(pl.col("n_tv") * (pl.col("n_tv") - 1)).sum()).join(n_t, on="t")
    chance = chance.with_columns(p=pl.col("s") / (pl.col("n_t") * (pl.col("n_t") - 1)).clip(1))
    cells = frame.group_by("g", "t").len().join(chance.select("t", "p"), on="t")
    expected = float((cells["len"] * (cells["len"] - 1) / 2 * cells["p"]).sum())
    same = frame.group_by("g", "t", "v").len()
    observed = float((same["len"] * (same["len"] - 1) / 2).sum())
    return observed, expected


def spearman(a: np.ndarray, b: np.ndarray) -> float:
    ra, rb = pl.Series(a).rank().to_numpy(), pl.Series(b).rank().to_numpy()
    return float(np.corrcoef(ra, rb)[0, 1])


def measure(test: Test) -> dict[str, float | str]:
    p = parse(test)
    maxima = np.array(test.maxima)
    sums = p.scores.sum(axis=1)
    consistent = (p.file_total == sums) & (p.file_total >= 0) & (p.file_total <= maxima.sum())
    ok = consistent & (p.scores <= maxima).all(axis=1)
    out: dict[str, float | str] = {}

    # sizes
    by_school = p.absent_by_school
    sizes = _group_sizes(p.school)
    sizes = sizes[sizes > 0]
    out["rows"] = float(by_school["rows"].sum())
    out["school × tests"] = float(len(sizes))
    for q in (0.1, 0.25, 0.5, 0.75, 0.9):
        out[f"present per school: q{int(q * 100)}"] = _q(sizes, q)
    out["present per school: max"] = float(sizes.max())
    out["share of schools < 10 present"] = float((sizes < 10).mean())
    out["share of schools < 20 present"] = float((sizes < 20).mean())

    # classes and letters
    lettered = p.has_letter
    class_sizes = _group_sizes(p.klass[lettered])
    class_sizes = class_sizes[class_sizes > 0]
    out["class size (lettered): median"] = _q(class_sizes, 0.5)
    out["class size (lettered): q90"] = _q(class_sizes, 0.9)
    letters_per_school = pl.DataFrame({"s": p.school, "k": p.klass, "l": lettered})
    per_school = letters_per_school.group_by("s").agg(
        any_missing=(~pl.col("l")).any(), all_missing=(~pl.col("l")).all(), classes=pl.col("k").n_unique()
    )
    out["schools with a letter missing / «НЕТ»"] = float(per_school["any_missing"].to_numpy().mean())
    out["schools with no letter at all"] = float(per_school["all_missing"].to_numpy().mean())
    out["classes per school (lettered): median"] = _q(
        per_school.filter(~pl.col("all_missing"))["classes"].to_numpy(), 0.5
    )
    big = per_school.join(
        pl.DataFrame({"s": np.arange(len(_group_sizes(p.school))), "n": _group_sizes(p.school)}), on="s"
    )
    out["schools ≥ 30 present with no letter"] = float(big.filter(pl.col("n") >= 30)["all_missing"].to_numpy().mean())

    # variants
    variants = pl.Series(p.variant).value_counts(sort=True)
    out["variants"] = float(variants.height)
    out["variant shares"] = " ".join(f"{v}:{c / len(p.variant):.2f}" for v, c in variants.rows()[:4])
    mixed = pl.DataFrame({"k": p.klass, "v": p.variant}).group_by("k").agg(n=pl.len(), m=pl.col("v").n_unique())
    out["classes (≥ 4 present) with both variants"] = float((mixed.filter(pl.col("n") >= 4)["m"].to_numpy() > 1).mean())

    # absence
    by_school = by_school.with_columns(share=pl.col("absent") / pl.col("rows"))
    out["absent share"] = float(by_school["absent"].to_numpy().sum() / by_school["rows"].to_numpy().sum())
    spread = by_school.filter(pl.col("rows") >= 10)["share"].to_numpy()
    out["absent share between schools (≥ 10 rows): sd"] = float(spread.std())
    out["absent share between schools: q90"] = _q(spread, 0.9)

    # X and «не пройд.»
    out["X per cell"] = float(p.x.mean())
    out["«не пройд.» per cell"] = float(p.np_.mean())
    out["pupils with ≥ 1 X"] = float(p.x.any(axis=1).mean())
    out["pupils with ≥ 1 «не пройд.»"] = float(p.np_.any(axis=1).mean())
    out["X among zero cells"] = float(p.x.sum() / max(1, (p.scores == 0).sum()))
    out["X clustering by class (same-class pairs / chance)"] = pair_concordance(p.x, p.klass)
    out["«не пройд.» clustering by class"] = pair_concordance(p.np_, p.klass)
    class_np = np.column_stack(
        [np.bincount(p.klass, p.np_[:, j]) / _group_sizes(p.klass) for j in range(p.np_.shape[1])]
    )
    whole = (class_np >= 0.9)[p.klass] & p.np_
    out["«не пройд.» cells in class × tasks ≥ 90 % «не пройд.»"] = float(whole.sum() / max(1, p.np_.sum()))

    # facility
    share = p.scores / maxima
    facility = share[ok].mean(axis=0)
    out["column facility: min"] = float(facility.min())
    out["column facility: median"] = float(np.median(facility))
    out["column facility: max"] = float(facility.max())
    out["total / max: mean"] = float((sums[ok] / maxima.sum()).mean())
    keep = ok & (sizes.size > 0)
    school_ok = p.school[keep]
    out["ICC of column share by school (mean over columns)"] = float(
        np.nanmean([icc(share[keep, j], school_ok) for j in range(share.shape[1])])
    )
    residual = share - (sums / maxima.sum())[:, None]
    out["ICC of column share − pupil's share, by school"] = float(
        np.nanmean([icc(residual[keep, j], school_ok) for j in range(share.shape[1])])
    )
    out["ICC of column share − pupil's share, by class"] = float(
        np.nanmean([icc(residual[keep, j], p.klass[keep]) for j in range(share.shape[1])])
    )

    # identical vectors (X and «не пройд.» as 0, as the layers read them)
    vectors, totals = p.scores[ok], sums[ok]
    observed, expected = identical_pairs(vectors, p.klass[ok], totals)
    out["identical same-class same-total pairs: observed"] = observed
    out["identical same-class pairs: observed / shuffle"] = observed / expected if expected else math.nan
    school_obs, school_exp = identical_pairs(vectors, p.school[ok], totals)
    out["identical same-school pairs: observed / shuffle"] = school_obs / school_exp if school_exp else math.nan
    clean = ~(p.x[ok] | p.np_[ok]).any(axis=1) & (totals > 1) & (totals < maxima.sum() - 1)
    c_obs, c_exp = identical_pairs(vectors[clean], p.klass[ok][clean], totals[clean])
    out["same-class ratio, no X / «не пройд.», no floor/ceiling"] = c_obs / c_exp if c_exp else math.nan

    # marks, journal, heaping
    mark = np.searchsorted(np.asarray(test.cuts), totals, side="right") + 2
    journal = p.journal[ok]
    has = journal > 0
    out["pupils with no journal mark"] = float((~has).mean())
    out["ВПР mark = journal mark"] = float((mark[has] == journal[has]).mean())
    rhos = []
    for _school, idx in _groups(p.school[ok][has]):
        if len(idx) >= 5:
            j, t = journal[has][idx], totals[has][idx]
            if len(np.unique(j)) > 1 and len(np.unique(t)) > 1:
                rhos.append(spearman(j, t))
    out["within-school Spearman(journal, total): median"] = float(np.median(rhos))
    out["journal marks «2» «3» «4» «5»"] = " ".join(f"{(journal[has] == m).mean():.2f}" for m in (2, 3, 4, 5))
    out["ВПР marks «2» «3» «4» «5»"] = " ".join(f"{(mark == m).mean():.2f}" for m in (2, 3, 4, 5))
    out["cut scores «3» «4» «5» / maximum"] = f"{test.cuts[0]} {test.cuts[1]} {test.cuts[2]} / {maxima.sum()}"
    for name, cut in (("«3»", test.cuts[0]), ("«4»", test.cuts[1])):
        below = (totals == cut - 1).sum()
        out[f"heaping at the {name} cut: n(c) / n(c − 1)"] = float((totals == cut).sum() / below) if below else math.nan
    out["rows with a total inconsistent with the columns"] = float((~consistent).mean())
    return out


def _groups(index: np.ndarray):
    order = np.argsort(index, kind="stable")
    bounds = np.flatnonzero(np.diff(index[order])) + 1
    for part in np.split(order, bounds):
        if len(part):
            yield index[part[0]], part


# --- output --------------------------------------------------------------------------------------


def fmt(value: float | str) -> str:
    if isinstance(value, str):
        return value
    if math.isnan(value):
        return "–"
    if abs(value) >= 100 or float(value).is_integer():
        return f"{value:.0f}"
    return f"{value:.3f}" if abs(value) < 1 else f"{value:.2f}"


def table(columns: dict[str, list[dict[str, float | str]]], names: list[str]) -> str:
    """Markdown: one row per figure, cells «real / generated» per test (or more columns given)."""
    labels = list(columns)
    keys = list(next(iter(columns.values()))[0])
    head = "| figure | " + " | ".join(names) + " |"
    lines = [head, "|---|" + "---|" * len(names)]
    for key in keys:
        cells = [" / ".join(fmt(columns[label][i][key]) for label in labels) for i in range(len(names))]
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--realism",
        action="append",
        default=None,
        help="generate_region(realism=…) for a generated column; repeat for several "
        "(«default» is the generator's default); default: default",
    )
    parser.add_argument("--markdown", type=Path, help="also write the table to this file")
    parser.add_argument("--real", type=Path, default=REAL, help=f"the real exports (default: {REAL})")
    args = parser.parse_args(argv)
    if not args.real.is_dir():
        print(f"skipped: the real exports are absent ({args.real})")
        return 0
    started = time.perf_counter()
    columns: dict[str, list[dict[str, float | str]]] = {"real": [measure(t) for t in real_tests(args.real)]}
    for realism in args.realism or ["default"]:
        tests = generated_tests(None if realism == "default" else realism)
        columns[f"generated ({realism})"] = [measure(t) for t in tests]
    names = [f"{g}{s}" for g, s in TESTS]
    text = f"Cells: {' / '.join(columns)}\n\n" + table(columns, names)
    print(text)
    print(f"\n({time.perf_counter() - started:.0f} s)")
    if args.markdown:
        args.markdown.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
