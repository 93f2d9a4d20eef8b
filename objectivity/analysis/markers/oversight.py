"""L7 observers and rechecks (METHODS.md §2): what changes when an observer is present or an expert rechecks?

Two layers that read oversight data given next to the pupil rows of one test. Nothing holds such data
yet: without it (`observed` / `rechecked` is None or empty) every school gets p = null and no text.

1. `observers` (name "observers"): are results higher in the classes that sat the test without a public
   observer? Reference: Bertoni, Brunello & Rocco (2013), J. Public Econ. 104 — in Italian INVALSI tests,
   classes with an external monitor scored lower, and the gap is read as inflation where none was present.

   Input `observed`: school_login (str), class_letter (str), observed (bool), one row per class sitting
   (duplicates: a class counts as observed when any of its rows says so). Pupils whose class is not listed
   or has no letter are left out of the contrast (they still count in n).

   Score: a pupil's total minus the region's mean total of pupils with the same journal mark (no mark:
   its own group) — an analysis of covariance on the prior mark, which in generated regions halves the
   within-class variance (detection of the tests' lift of unobserved classes: 20-49 pupils 0.15 → 0.24,
   50+ 0.23 → 0.39). The journal mark is given before the test, so an observer cannot change it.
   Model, per pupil score y of class c in school s: y = μ_s + u_c + e, u_c ~ N(0, σ²_c) the ordinary
   difference between classes of one school (another teacher, another group of pupils), e ~ N(0, σ²_w).
   σ²_c is estimated once for the region by the nested one-way ANOVA moment estimator (classes within
   groups; Searle, Casella & McCulloch 1992, Variance Components, §5.3): a group is one school × observation
   status (observed / not / not listed), so an observer effect, which sits between statuses, does not
   widen the null. Only groups with ≥ 2 classes carry information; with fewer than MIN_CLASS_GROUPS of
   them the region cannot say how different classes ordinarily are and every p is null.

   Per school with pupils in both observed and unobserved classes:
       D = mean score of unobserved pupils − mean score of observed pupils,
       Var D = s²_w (1/n_U + 1/n_O) + σ²_c (Σ_U n_c² / n_U² + Σ_O n_c² / n_O²),
   s²_w the school's own pooled within-class variance (df n − classes). t = D / √Var D, one-sided
   p = P(T > t) with Welch–Satterthwaite degrees of freedom (the region's σ̂²_c has its own sampling
   variance). With σ²_c = 0 and one class per status this is Student's pooled two-sample t test.
   Schools observed entirely or not at all get p = null.

   Output: school_login, n, stat_observers (D in points, larger = unobserved classes higher),
   p_observers, explain_observers (code "observers", rendered by objectivity.analysis.wording: «без
   наблюдателя (классы „А“ и „Б“, 52 ученика): в среднем 21,3 балла; с наблюдателем (класс „В“,
   25 учеников): 15,8 балла; с учётом отметок по журналу разница +4,9 балла при обычном разбросе средних
   между классами одной школы в регионе около 0,5 балла»; the means are the raw totals, the difference is D).

2. `rechecks` (name "recheck"): did the school's marking credit more than the expert's on rechecking?
   Reference: Jacob & Levitt (2003) «Chicago retest» (METHODS.md §2, L7); the signed-rank test: Wilcoxon
   (1945), zeros dropped as Wilcoxon did, midranks for ties, exact law conditional on the |d|
   (Lehmann, Nonparametrics, 1975, §3.2).

   Input `rechecked`: school_login, participant_code, task_1..task_K — the expert's scores of the
   rechecked works, matched to the school's own scores in `rows` on school_login + participant_code.
   A column the expert left empty (or absent from the frame) counts as not rechecked for that work, so
   both sides are compared on the same columns. Duplicated works: the first row counts. Codes that match
   no pupil of the school are ignored (and counted in the explanation).

   Per rechecked work: d = school's score − expert's score over the rechecked columns. Null: experts
   disagree by chance in both directions, d is symmetric about 0. Test: Wilcoxon's signed-rank sum W⁺
   of the non-zero d (midranks for ties), exact conditional law by convolution over the 2^m equally
   likely signs, randomised upper p = P(W⁺ > w) + U·P(W⁺ = w), U ~ U(0, 1) drawn from `seed` and the
   school's own works: exactly uniform under the null given any disagreement (as markers.exact), so the
   size holds for a handful of works too. A school whose rechecked works all agree gets p = 1 (no excess
   at all; not randomised), which keeps the size at or under the nominal level.

   Output: school_login, n, stat_recheck (mean d in points per rechecked work, larger = the school
   credited more), p_recheck, explain_recheck (code "recheck", rendered: «перепроверено 12 работ: по 9 из
   них баллы ОО выше, …; больше всего в столбцах 7 (+0,9) и 9 (+0,6)»).

Type-I on clean generated regions and power on injected kinds: tests/analysis/test_layer_oversight.py.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import polars as pl
from scipy import stats

from objectivity.analysis.markers.base import TestInfo
from objectivity.analysis.schema import task_column
from objectivity.analysis.wording import encode

Floats = npt.NDArray[np.float64]
Ints = npt.NDArray[np.int64]
Bools = npt.NDArray[np.bool_]

OBSERVERS, RECHECK = "observers", "recheck"
MIN_CLASS_GROUPS = 10  # school × status groups with ≥ 2 classes needed to know the ordinary class spread
TOP_COLUMNS = 2  # columns named in the recheck explanation
UNLISTED = "?"  # status key of classes the observer list does not mention


# --- shared ----------------------------------------------------------------------------------------


def _schools(rows: pl.DataFrame) -> tuple[list[str], Ints]:
    logins, counts = np.unique(rows["school_login"].to_numpy().astype(str), return_counts=True)
    return [str(x) for x in logins], counts.astype(np.int64)


def _result(
    layer: str, logins: list[str], n: Ints, found: dict[str, tuple[float, float, str]] | None = None
) -> pl.DataFrame:
    """The common layer frame; schools missing from `found` get null stat / p and an empty text."""
    found = found or {}
    stat = [found[s][0] if s in found else None for s in logins]
    p = [found[s][1] if s in found else None for s in logins]
    text = [found[s][2] if s in found else "" for s in logins]
    return pl.DataFrame(
        {"school_login": logins, "n": n, f"stat_{layer}": stat, f"p_{layer}": p, f"explain_{layer}": text},
        schema={
            "school_login": pl.String,
            "n": pl.Int64,
            f"stat_{layer}": pl.Float64,
            f"p_{layer}": pl.Float64,
            f"explain_{layer}": pl.String,
        },
    )


def _login(column: str) -> pl.Expr:
    return pl.col(column).cast(pl.String).str.strip_chars().str.to_lowercase()


# --- observers -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ClassSpread:
    """The region's ordinary variance between classes of one group, in points², with its precision."""

    variance: float  # σ̂²_c ≥ 0
    sampling_variance: float  # Var σ̂²_c ≈ 2/n0² (MSB²/df_B + MSW²/df_W)
    groups: int  # groups with ≥ 2 classes behind the estimate


def class_spread(totals: Floats, group: Ints, klass: Ints) -> ClassSpread:
    """Nested one-way ANOVA by moments: σ²_c of classes within groups (Searle et al. 1992, §5.3).

    `klass` identifies a class over the whole region (each class lies in one group). Only groups of
    ≥ 2 classes are used. MSB = Σ n_c (ȳ_c − ȳ_g)² / Σ(k_g − 1), MSW = Σ (y − ȳ_c)² / (N − Σ k_g),
    n0 = (N − Σ_g Σ_c n_c² / n_g) / Σ(k_g − 1); then E MSB = σ²_w + n0 σ²_c and E MSW = σ²_w.
    """
    _, c = np.unique(klass, return_inverse=True)
    classes = int(c.max()) + 1 if c.size else 0
    class_group = np.zeros(classes, dtype=np.int64)
    class_group[c] = group
    _, g = np.unique(class_group, return_inverse=True)
    multi = np.bincount(g)[g] >= 2  # per class
    groups = int(np.unique(g[multi]).size)
    if groups == 0:
        return ClassSpread(0.0, 0.0, 0)
    n_c = np.bincount(c, minlength=classes).astype(float)
    mean_c = np.bincount(c, totals, classes) / np.maximum(n_c, 1)
    n_g = np.bincount(g, np.where(multi, n_c, 0.0))
    mean_g = np.bincount(g, np.where(multi, n_c * mean_c, 0.0)) / np.maximum(n_g, 1)
    pupils = multi[c]
    ssb = float((n_c * (mean_c - mean_g[g]) ** 2)[multi].sum())
    ssw = float(((totals - mean_c[c]) ** 2)[pupils].sum())
    df_b, df_w = int(multi.sum()) - groups, int(pupils.sum()) - int(multi.sum())
    n0 = (float(n_c[multi].sum()) - float((n_c**2 / np.maximum(n_g[g], 1))[multi].sum())) / df_b
    msb, msw = ssb / df_b, ssw / max(df_w, 1)
    variance = max(0.0, (msb - msw) / n0)
    sampling = 2.0 / n0**2 * (msb**2 / df_b + msw**2 / max(df_w, 1))
    return ClassSpread(variance, sampling, groups)


@dataclass(frozen=True)
class Contrast:
    """One school's observer contrast."""

    difference: float  # mean unobserved − mean observed, points
    t: float
    df: float
    p: float


def observer_contrast(totals: Floats, klass: Ints, unobserved: Bools, spread: ClassSpread) -> Contrast | None:
    """t of unobserved − observed pupils' mean total with the region's class spread; None if undefined.

    Var D = s²_w (1/n_U + 1/n_O) + σ²_c (Σ_U n_c²/n_U² + Σ_O n_c²/n_O²); degrees of freedom by
    Welch–Satterthwaite: Var D² / ((s²_w a)²/df_w + b² Var σ̂²_c / 2).
    """
    _, c = np.unique(klass, return_inverse=True)
    n_c = np.bincount(c).astype(float)
    mean_c = np.bincount(c, totals) / n_c
    df_w = totals.size - n_c.size
    n_u, n_o = int(unobserved.sum()), int((~unobserved).sum())
    if df_w < 1 or n_u == 0 or n_o == 0:
        return None
    s2 = float(((totals - mean_c[c]) ** 2).sum()) / df_w
    class_unobserved = np.zeros(n_c.size, dtype=bool)
    class_unobserved[c] = unobserved
    a = 1 / n_u + 1 / n_o
    b = float((n_c[class_unobserved] ** 2).sum()) / n_u**2 + float((n_c[~class_unobserved] ** 2).sum()) / n_o**2
    variance = a * s2 + b * spread.variance
    if variance <= 1e-12:
        return None
    df = variance**2 / ((a * s2) ** 2 / df_w + b**2 * spread.sampling_variance / 2)
    difference = float(totals[unobserved].mean() - totals[~unobserved].mean())
    t = difference / np.sqrt(variance)
    return Contrast(difference, float(t), float(df), float(stats.t.sf(t, df)))


def observers(
    rows: pl.DataFrame, info: TestInfo, *, observed: pl.DataFrame | None = None, seed: int = 0
) -> pl.DataFrame:
    """Per school: are pupils' totals higher in classes without an observer? See the module docstring.

    Output columns: school_login, n, stat_observers (points), p_observers, explain_observers.
    `info` and `seed` are accepted for the common layer interface (the t law is continuous).
    """
    logins, n = _schools(rows)
    if observed is None or observed.height == 0:
        return _result(OBSERVERS, logins, n)
    pupils = _observed_pupils(rows, observed)
    spread = class_spread(
        pupils["score"].to_numpy().astype(float),
        pupils["group"].to_numpy().astype(np.int64),
        pupils["klass"].to_numpy().astype(np.int64),
    )
    if spread.groups < MIN_CLASS_GROUPS:
        return _result(OBSERVERS, logins, n)
    found: dict[str, tuple[float, float, str]] = {}
    listed = pupils.filter(pl.col("status") != UNLISTED)
    for (login,), school in listed.partition_by("school_login", as_dict=True, maintain_order=False).items():
        unobserved = (school["status"] == "no").to_numpy()
        contrast = observer_contrast(
            school["score"].to_numpy().astype(float), school["klass"].to_numpy().astype(np.int64), unobserved, spread
        )
        if contrast is not None:
            found[str(login)] = (contrast.difference, contrast.p, _explain_observers(school, contrast, spread))
    return _result(OBSERVERS, logins, n, found)


def _observed_pupils(rows: pl.DataFrame, observed: pl.DataFrame) -> pl.DataFrame:
    """Pupils with a class letter: school_login, class_letter, total, score, status (yes/no/?), group, klass.

    score = total − the region's mean total of pupils with the same journal mark (no mark: its own group).
    """
    mark = pl.col("journal_mark") if "journal_mark" in rows.columns else pl.lit(None, pl.Int8)
    status = (
        observed.select(
            _login("school_login"),
            pl.col("class_letter").cast(pl.String).str.strip_chars().str.to_uppercase(),
            pl.col("observed").cast(pl.Boolean),
        )
        .drop_nulls()
        .group_by("school_login", "class_letter")
        .agg(pl.col("observed").any())
    )
    return (
        rows.select("school_login", "class_letter", pl.col("total").cast(pl.Float64), mark.alias("mark"))
        .filter(pl.col("total").is_not_null())
        .with_columns(score=pl.col("total") - pl.col("total").mean().over("mark"))
        .filter(pl.col("class_letter").is_not_null())
        .join(status, on=["school_login", "class_letter"], how="left")
        .with_columns(
            status=pl.when(pl.col("observed").is_null())
            .then(pl.lit(UNLISTED))
            .otherwise(pl.when(pl.col("observed")).then(pl.lit("yes")).otherwise(pl.lit("no")))
        )
        .with_columns(
            group=pl.struct("school_login", "status").rank("dense").cast(pl.Int64),
            klass=pl.struct("school_login", "class_letter").rank("dense").cast(pl.Int64),
        )
    )


def _explain_observers(school: pl.DataFrame, contrast: Contrast, spread: ClassSpread) -> str:
    """Code "observers": the classes, pupils and mean total without and with an observer, the difference given
    the journal marks and the region's ordinary spread between classes (points)."""
    groups = []
    for status in ("no", "yes"):
        part = school.filter(pl.col("status") == status)
        letters = sorted(str(x) for x in part["class_letter"].unique().to_list())
        mean = float(part["total"].mean())  # type: ignore[arg-type]
        groups.append({"classes": letters, "n": part.height, "mean": mean})
    spread_points = float(np.sqrt(spread.variance))
    return encode("observers", groups=groups, difference=float(contrast.difference), spread=spread_points)


# --- rechecks --------------------------------------------------------------------------------------


def signed_rank_law(differences: Floats) -> tuple[int, Floats]:
    """2·W⁺ (W⁺: sum of midranks of the positive d, zeros dropped) and the exact conditional law of 2·W⁺.

    Midranks are multiples of ½, so the doubled ranks r_i are integers and 2·W⁺ = Σ r_i B_i,
    B_i ~ Bernoulli(½) under the symmetric null, has a law that is a convolution of two-point laws.
    """
    nonzero = differences[differences != 0]
    doubled = np.rint(2 * stats.rankdata(np.abs(nonzero))).astype(np.int64)
    pmf = np.zeros(int(doubled.sum()) + 1)
    pmf[0] = 1.0
    for r in doubled:
        pmf = 0.5 * pmf + 0.5 * np.concatenate([np.zeros(r), pmf[: pmf.size - r]])
    return int(doubled[nonzero > 0].sum()), pmf


def signed_rank_p(differences: Floats, u: float) -> float:
    """Randomised upper p of Wilcoxon's W⁺: P(W⁺ > w) + u·P(W⁺ = w); u = 1 gives the usual P(W⁺ ≥ w)."""
    at, pmf = signed_rank_law(differences)
    return float(min(1.0, max(0.0, pmf[at + 1 :].sum() + u * pmf[at])))


def rechecks(
    rows: pl.DataFrame, info: TestInfo, *, rechecked: pl.DataFrame | None = None, seed: int = 0
) -> pl.DataFrame:
    """Per school: did the school's scores exceed the expert's on rechecked works? See the module docstring.

    Output columns: school_login, n, stat_recheck (mean excess, points per work), p_recheck, explain_recheck.
    `seed` and the school's own matched works (codes and differences) seed the U of its randomised
    p-value: the same input gives the same p, and one school's U differs from test to test (a U shared
    by all tests of a school would make its p-values move together when tests are combined).
    """
    logins, n = _schools(rows)
    if rechecked is None or rechecked.height == 0:
        return _result(RECHECK, logins, n)
    works, unmatched = _matched_works(rows, rechecked, len(info.column_max))
    found: dict[str, tuple[float, float, str]] = {}
    school = np.searchsorted(np.array(logins), works.school)
    for index in np.unique(school):
        mine = school == index
        login = logins[int(index)]
        u = _uniform(seed, login, works.codes[mine], works.excess[mine])
        found[login] = _recheck_school(works.excess[mine], works.rechecked[mine], u, unmatched.get(login, 0))
    return _result(RECHECK, logins, n, found)


@dataclass(frozen=True)
class _Works:
    """Matched rechecked works: the school of each, and the school's minus the expert's score per column."""

    school: npt.NDArray[np.str_]
    codes: npt.NDArray[np.str_]
    excess: Floats  # works × columns, 0 where the expert gave no score
    rechecked: Bools  # works × columns


def _matched_works(rows: pl.DataFrame, rechecked: pl.DataFrame, k: int) -> tuple[_Works, dict[str, int]]:
    """The matched works of schools present in `rows`, and per school the codes that matched nobody."""
    keys = ["school_login", "participant_code"]
    columns = [task_column(j) for j in range(1, k + 1)]
    expert = rechecked.select(
        _login("school_login"),
        pl.col("participant_code").cast(pl.String).str.strip_chars(),
        *[_column(rechecked, c).cast(pl.Float64).fill_nan(None).alias(c) for c in columns],
    ).unique(subset=keys, keep="first", maintain_order=True)
    mine = rows.select(*keys, *[_column(rows, c).cast(pl.Float64).fill_null(0).alias(c) for c in columns])
    mine = mine.unique(subset=keys, keep="first", maintain_order=True)
    matched = expert.join(mine, on=keys, how="inner", suffix="_school").sort(keys)
    missing = (
        expert.join(mine, on=keys, how="anti")
        .join(mine.select("school_login").unique(), on="school_login", how="semi")
        .group_by("school_login")
        .len()
    )
    theirs = matched.select(columns).to_numpy().astype(float).reshape(matched.height, k)
    school_scores = matched.select([f"{c}_school" for c in columns]).to_numpy().astype(float).reshape(matched.height, k)
    scored = ~np.isnan(theirs)
    works = _Works(
        school=matched["school_login"].to_numpy().astype(str),
        codes=matched["participant_code"].to_numpy().astype(str),
        excess=np.where(scored, school_scores - np.nan_to_num(theirs), 0.0),
        rechecked=scored,
    )
    return works, dict(zip(missing["school_login"].to_list(), missing["len"].to_list(), strict=True))


def _uniform(seed: int, login: str, codes: npt.NDArray[np.str_], excess: Floats) -> float:
    """U(0, 1) from `seed` and a CRC-32 of the school's login, codes and differences (stable across runs)."""
    data = "\x1f".join([login, *codes.tolist()]).encode() + np.ascontiguousarray(excess, dtype="<f8").tobytes()
    return float(np.random.default_rng([seed, zlib.crc32(data)]).uniform())


def _column(frame: pl.DataFrame, name: str) -> pl.Expr:
    """The column, or nulls when the frame has none (a column nobody rechecked)."""
    return pl.col(name) if name in frame.columns else pl.lit(None)


def _recheck_school(excess: Floats, rechecked: Bools, u: float, unmatched: int) -> tuple[float, float, str]:
    """(mean excess per work, p, explanation) of one school's matched works (works × columns)."""
    d = excess.sum(axis=1)
    p = 1.0 if not (d != 0).any() else signed_rank_p(d, u)
    return float(d.mean()), p, _explain_recheck(excess, rechecked, d, unmatched)


def _explain_recheck(excess: Floats, rechecked: Bools, d: Floats, unmatched: int) -> str:
    """Code "recheck": works rechecked, those where the school's total is higher and lower, the mean excess per
    work, the columns of the largest mean excess (when the totals differ) and the codes that matched nobody."""
    higher, lower = int((d > 0).sum()), int((d < 0).sum())
    top = [] if higher == lower == 0 else _top_columns(excess, rechecked)
    mean = float(d.mean())
    return encode(
        "recheck", works=int(d.size), higher=higher, lower=lower, mean=mean, top=top, unmatched=int(unmatched)
    )


def _top_columns(excess: Floats, rechecked: Bools) -> list[list[float]]:
    """[[column number, mean excess], …]: up to TOP_COLUMNS columns with the largest mean excess (shown as
    «+0,9», so those that round to zero or below are left out)."""
    works = np.maximum(rechecked.sum(axis=0), 1)
    mean = excess.sum(axis=0) / works
    top = [int(j) for j in np.argsort(-mean, kind="stable")[:TOP_COLUMNS] if round(float(mean[j]), 1) > 0]
    return [[j + 1, float(mean[j])] for j in top]
