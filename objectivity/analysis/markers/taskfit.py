"""L2 task misfit: are advanced tasks credited beyond what the school's own basic tasks predict?

The 2018 federal sign «базовые задания выполнены хуже, чем в регионе, а задания повышенного уровня —
лучше» (METHODS.md §2, L2), made into a test with a null for every school, in the spirit of
rest-score person-fit methods (Emons 2008, polytomous Guttman errors against the rest score) and
of the standardisation of person-fit statistics (Sinharay 2016, lz*), aggregated per school.

Method, on the test's own region (the rows given):
1. Columns: anchor = level «Б» (basic), target = levels «П» and «В» (advanced and high, most of them
   judged by the teacher against criteria). Each pupil's anchor score R is cut into up to 10 bins
   (its own values when it has few, otherwise region quantiles).
2. Expected score: for each target column, the region's mean score among pupils of the same R bin.
   Target columns are weighted by 1 / their conditional variance (a score test for a shift on any of
   them; the hardest columns, with little spread, weigh most), floored at a tenth of the largest
   variance so a column nobody scores cannot dominate. The weighted target score W has, per bin, a
   region mean and variance: a pupil's residual is W − mean, its null variance the bin's variance.
3. School: mean residual e = Σ residual / n with sampling variance s² = Σ variance / n².
   Clean schools are not all alike: a strong school's pupils outperform others with the same R.
   So e is regressed over schools on the school's anchor mean (shrunk towards the region by its
   reliability n·σ²_b / (n·σ²_b + σ²_w), one-way ANOVA components) and its square, by weighted
   least squares with a between-school variance τ² (random effect; the overdispersion the region
   itself shows) estimated by Paule & Mandel's moment equation Q(τ²) = schools − 3. The fit is done
   twice: schools with z > OUTLIER_Z in the first are left out of the second, so that a few
   manipulated schools do not widen the null for everyone.
4. z = (e − fit) / √(s² + τ²); p = P(Z ≥ z), one-sided (credit beyond expectation is suspicious), for Z
   with mean 0, variance 1 and the skewness of e: a mean of n pupils' residuals has third cumulant
   Σ κ3 / n³ (κ3 the third central moment of the pupil's bin), over (s² + τ²)^{3/2}. The law is Pearson's
   type III with those three moments (scipy.stats.pearson3; the gamma law when the residuals are
   exponential; normal when the skewness is 0). Advanced-column scores are skewed, so with the normal law
   a small school's p fell below 0.001 four times too often (0.0038 in the 1-9 band).

Null hypothesis: given its pupils' basic-task scores and its own level, the school's advanced
columns score as the region's do (no excess beyond the region's between-school spread).
On clean generated regions (3 seeds × 600 schools, grades 4-5) the share p < 0.05 is 0.045-0.059
in every size band; p < 0.01: 0.009-0.014; p < 0.001 in the 1-9 band: 0.0011. The between-school part
is taken as symmetric: in schools of 50+ pupils p < 0.001 still comes 0.003 of the time.
Tried and left out: anchoring on basic short-answer columns only (anchor too short in grade-5
Russian: less power, 50+ schools at 0.06-0.08), and a second part «criterion basic columns vs
short-answer basic columns» (conservative, next to no power on inflated schools).

p is null for every school when the test gives no levels, has no basic or no advanced column, or
its region has fewer than MIN_SCHOOLS schools (then no expectation can be formed); and for a
school whose pupils all sit in bins without spread. `seed` is accepted for the common layer
interface; the p-value is continuous (normal), so nothing is drawn at random.

Output (markers.base): school_login, n, stat_taskfit (z, larger = more credit on advanced tasks
than expected), p_taskfit, explain_taskfit (code "taskfit"; objectivity.analysis.wording renders e.g.
«столбцы 19 и 20 (задания повышенного и высокого уровня): +28 п.п. к ожидаемому для учеников с теми же
баллами за базовые задания …»).

References: Sinharay, S. (2016) Psychometrika 81; Pearson's type III law: Johnson, Kotz & Balakrishnan (1994),
Continuous Univariate Distributions 1, ch. 17; Emons, W. H. M. (2008) Applied Psychological
Measurement 32; Paule, R. C. & Mandel, J. (1982) J. Res. NBS 87; DerSimonian, R. & Kacker, R. (2007)
Contemporary Clinical Trials 28.
"""

from __future__ import annotations

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

BINS = 10
MIN_SCHOOLS = 10
BASIC, ADVANCED = "Б", ("П", "В")
OUTLIER_Z = 4.0
VARIANCE_FLOOR = 0.1  # of the largest target column variance
LAYER = "taskfit"

MAX_SKEW = 2.0  # [собственный] the three-moment law is trusted up to this skewness


@dataclass(frozen=True)
class _Pupils:
    """What each pupil contributes: the school, the weighted residual and its null variance."""

    school: Ints
    residual: Floats
    variance: Floats
    third: Floats  # the bin's third central moment of the weighted target score
    anchor: Floats
    observed: Floats  # pupils × target columns
    expected: Floats  # the region's mean of the same bin


@dataclass(frozen=True)
class _Schools:
    logins: list[str]
    n: Ints
    mean_residual: Floats
    sampling_variance: Floats
    sampling_third: Floats  # third cumulant of the mean residual: Σ third / n³
    level: Floats  # shrunk anchor mean, centred on the region


def taskfit(rows: pl.DataFrame, info: TestInfo, *, seed: int = 0) -> pl.DataFrame:
    """Per school: z and one-sided p of advanced-column credit beyond the basic-column prediction."""
    anchor, target = _split(info)
    logins, school = np.unique(rows["school_login"].to_numpy().astype(str), return_inverse=True)
    if not anchor.any() or not target.any() or len(logins) < MIN_SCHOOLS:
        return _result(list(logins), np.bincount(school, minlength=len(logins)), None, [])
    scores = _scores(rows, len(info.column_max))
    anchor_score = scores[:, anchor].sum(axis=1)
    bins = _bins(anchor_score)
    column_mean, _ = bin_moments(scores[:, target], bins)
    weights = _column_weights(scores[:, target], column_mean[bins])
    pupils = _pupils(scores[:, target], anchor_score, bins, weights, school.astype(np.int64), column_mean[bins])
    schools = _schools(pupils, list(logins))
    z, skew = _standardise(schools)
    texts = _explanations(pupils, schools, info, target, weights)
    return _result(schools.logins, schools.n, z, texts, skew)


# --- columns and pupils --------------------------------------------------------------------------


def _split(info: TestInfo) -> tuple[Bools, Bools]:
    """Anchor (basic) and target (advanced, high) columns; both empty when levels are unknown."""
    levels = np.array(info.levels if len(info.levels) == len(info.column_max) else [""] * len(info.column_max))
    return levels == BASIC, np.isin(levels, ADVANCED)


def _scores(rows: pl.DataFrame, k: int) -> Floats:
    names = [task_column(i) for i in range(1, k + 1)]
    return rows.select(pl.col(names).fill_null(0).cast(pl.Float64)).to_numpy().reshape(rows.height, k)


def _bins(anchor: Floats) -> Ints:
    """The pupil's anchor-score bin: its own value when few occur, else one of BINS region quantiles."""
    values, index = np.unique(anchor, return_inverse=True)
    if len(values) <= BINS:
        return index.astype(np.int64)
    edges = np.unique(np.quantile(anchor, np.linspace(0, 1, BINS + 1)[1:-1]))
    return np.searchsorted(edges, anchor, side="right").astype(np.int64)


def bin_moments(values: Floats, bins: Ints) -> tuple[Floats, Floats]:
    """Per bin and column: mean and (population) variance of `values` (pupils × columns)."""
    count = np.maximum(np.bincount(bins), 1)[:, None]
    total = np.zeros((count.shape[0], values.shape[1]))
    square = np.zeros_like(total)
    np.add.at(total, bins, values)
    np.add.at(square, bins, values**2)
    mean = total / count
    return mean, np.maximum(square / count - mean**2, 0.0)


def _column_weights(target: Floats, expected: Floats) -> Floats:
    """1 / conditional variance per target column (`expected`: each pupil's bin means), with a floor so no
    column dominates."""
    variance = ((target - expected) ** 2).mean(axis=0)
    floor = VARIANCE_FLOOR * max(float(variance.max()), 1e-12)
    return np.asarray(1.0 / np.maximum(variance, floor))


def _pupils(
    target: Floats, anchor_score: Floats, bins: Ints, weights: Floats, school: Ints, expected: Floats
) -> _Pupils:
    weighted = (target @ weights)[:, None]
    mean, variance = bin_moments(weighted, bins)
    residual = weighted[:, 0] - mean[bins, 0]
    third, _ = bin_moments(residual[:, None] ** 3, bins)  # per bin: the mean cube of the residual
    return _Pupils(
        school=school,
        residual=residual,
        variance=variance[bins, 0],
        third=third[bins, 0],
        anchor=anchor_score,
        observed=target,
        expected=expected,
    )


# --- schools -------------------------------------------------------------------------------------


def _schools(pupils: _Pupils, logins: list[str]) -> _Schools:
    n = np.bincount(pupils.school, minlength=len(logins)).astype(np.int64)
    return _Schools(
        logins=logins,
        n=n,
        mean_residual=np.bincount(pupils.school, pupils.residual, len(logins)) / n,
        sampling_variance=np.bincount(pupils.school, pupils.variance, len(logins)) / n**2,
        sampling_third=np.bincount(pupils.school, pupils.third, len(logins)) / n.astype(float) ** 3,
        level=shrunk_means(pupils.anchor, pupils.school, len(logins)),
    )


def anova_components(values: Floats, group: Ints, groups: int) -> tuple[float, float, float]:
    """One-way random-effects ANOVA by moments: (within variance, between variance, n0).

    n0 = (N − Σnᵢ²/N) / (g − 1) is the unbalanced design's effective group size (Searle); then
    MSB = σ²_w + n0·σ²_b and MSW = σ²_w.
    """
    n = np.bincount(group, minlength=groups).astype(float)
    means = np.bincount(group, values, groups) / np.maximum(n, 1)
    grand = float(values.mean())
    within = float(((values - means[group]) ** 2).sum()) / max(len(values) - groups, 1)
    between_square = float((n * (means - grand) ** 2).sum()) / max(groups - 1, 1)
    n0 = (len(values) - float((n**2).sum()) / len(values)) / max(groups - 1, 1)
    return within, max(0.0, (between_square - within) / max(n0, 1e-12)), n0


def shrunk_means(values: Floats, group: Ints, groups: int) -> Floats:
    """Each group's mean minus the grand mean, shrunk by its reliability n·σ²_b / (n·σ²_b + σ²_w)."""
    within, between, _ = anova_components(values, group, groups)
    n = np.bincount(group, minlength=groups).astype(float)
    centred = np.bincount(group, values - values.mean(), groups) / n
    return np.asarray(centred * n * between / np.maximum(n * between + within, 1e-12))


def paule_mandel(effect: Floats, variance: Floats, design: Floats, iterations: int = 200) -> tuple[Floats, float]:
    """WLS coefficients of `effect` on `design` and τ² solving Q(τ²) = schools − columns.

    Iterates τ² ← τ² + (Q − df) / (Σw − Σw²/Σw) (a DerSimonian-Laird step from the current τ²),
    whose fixed point is Paule & Mandel's estimate; τ² = 0 when even τ² = 0 gives Q ≤ df.
    """
    tau2, df = 0.0, len(effect) - design.shape[1]
    for _ in range(iterations):
        beta, weight = _wls(effect, variance + tau2, design)
        q = float((weight * (effect - design @ beta) ** 2).sum())
        new = max(0.0, tau2 + (q - df) / (weight.sum() - (weight**2).sum() / weight.sum()))
        if abs(new - tau2) <= 1e-10 * max(tau2, 1e-6):
            break
        tau2 = new
    return _wls(effect, variance + tau2, design)[0], tau2


def _wls(effect: Floats, variance: Floats, design: Floats) -> tuple[Floats, Floats]:
    weight = 1.0 / variance
    root = np.sqrt(weight)
    beta = np.linalg.lstsq(design * root[:, None], effect * root, rcond=None)[0]
    return np.asarray(beta, dtype=np.float64), weight


def _standardise(schools: _Schools) -> tuple[Floats, Floats]:
    """z of each school's mean residual beyond the region's fit on its own level; nan without spread.

    Schools far above the first fit (z > OUTLIER_Z) are what the layer looks for: they are left out
    of the second fit, so a few manipulated schools do not widen the null for everyone.
    """
    z, skew = np.full(len(schools.logins), np.nan), np.zeros(len(schools.logins))
    usable = schools.sampling_variance > 1e-12
    effect, variance = schools.mean_residual[usable], schools.sampling_variance[usable]
    level = schools.level[usable]
    design = np.column_stack([np.ones_like(level), level, level**2])
    kept = np.ones(len(effect), dtype=bool)
    for _ in range(2):
        beta, tau2 = paule_mandel(effect[kept], variance[kept], design[kept])
        z[usable] = (effect - design @ beta) / np.sqrt(variance + tau2)
        kept = z[usable] <= OUTLIER_Z
    skew[usable] = schools.sampling_third[usable] / (variance + tau2) ** 1.5
    return z, skew


# --- output --------------------------------------------------------------------------------------


def _explanations(pupils: _Pupils, schools: _Schools, info: TestInfo, target: Bools, weights: Floats) -> list[str]:
    groups = len(schools.logins)
    observed = np.stack([np.bincount(pupils.school, c, groups) for c in pupils.observed.T], axis=1)
    expected = np.stack([np.bincount(pupils.school, c, groups) for c in pupils.expected.T], axis=1)
    numbers = np.flatnonzero(target) + 1
    return [_explain(observed[s], expected[s], int(schools.n[s]), numbers, info, weights) for s in range(groups)]


def _explain(observed: Floats, expected: Floats, n: int, numbers: Ints, info: TestInfo, weights: Floats) -> str:
    """Code "taskfit": expected and observed percent of the maximum over all advanced columns (`all`), and for
    the (up to two) columns of the largest weighted excess their numbers, levels, whether all are judged by
    criteria, and their own percents (`top`, None when no column exceeds); `estimated` when the levels were
    estimated from the region's data."""
    maxima = np.array([info.column_max[c - 1] for c in numbers], dtype=float)
    excess = weights * (observed - expected)
    top = [int(i) for i in np.argsort(-excess, kind="stable")[:2] if excess[i] > 0]
    everything = _shares(observed.sum(), expected.sum(), maxima.sum() * n)
    columns = None
    if top:
        head = _shares(observed[top].sum(), expected[top].sum(), maxima[top].sum() * n)
        columns = _columns(numbers[top], info) | {"shares": list(head)}
    estimated = bool(info.levels_estimated)
    return encode(LAYER, n=n, columns=len(numbers), all=list(everything), top=columns, estimated=estimated)


def _shares(observed: float, expected: float, maximum: float) -> tuple[int, int]:
    """Expected and observed percent of the maximum, rounded."""
    return int(round(100 * expected / maximum)), int(round(100 * observed / maximum))


def _columns(numbers: Ints, info: TestInfo) -> dict[str, object]:
    levels = sorted({info.levels[c - 1] for c in numbers}, key=ADVANCED.index)
    judged = [info.criterion[c - 1] for c in numbers] if len(info.criterion) == len(info.column_max) else []
    return {"numbers": [int(c) for c in numbers], "levels": levels, "criteria": bool(judged and all(judged))}


def _result(
    logins: list[str], n: npt.NDArray[np.int64], z: Floats | None, texts: list[str], skew: Floats | None = None
) -> pl.DataFrame:
    stat = np.full(len(logins), np.nan) if z is None else z
    known = np.isfinite(stat)
    gamma = np.zeros(len(logins)) if skew is None else np.clip(skew, -MAX_SKEW, MAX_SKEW)
    p = np.where(known, stats.pearson3.sf(np.where(known, stat, 0.0), gamma), np.nan)
    explain = [texts[i] if known[i] else "" for i in range(len(logins))] if texts else [""] * len(logins)
    return pl.DataFrame(
        {
            "school_login": logins,
            "n": n.astype(np.int64),
            f"stat_{LAYER}": stat,
            f"p_{LAYER}": p,
            f"explain_{LAYER}": explain,
        },
        schema={
            "school_login": pl.String,
            "n": pl.Int64,
            f"stat_{LAYER}": pl.Float64,
            f"p_{LAYER}": pl.Float64,
            f"explain_{LAYER}": pl.String,
        },
    ).with_columns(pl.col(f"stat_{LAYER}", f"p_{LAYER}").fill_nan(None))
