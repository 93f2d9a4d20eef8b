"""Schools of the synthetic region: a registry shaped like a real one, or the gaps of a given one filled.

Out: one row per school with `login, full_name, short_name, municipality, school_type, settlement,
is_small, is_branch, is_advanced, pupils_4 … pupils_11` (pupils on roll per grade, 0 = no such grade),
sorted by login (`realism="real-2021"`: bigger rural schools and a longer tail, as grades 6-8 of a real
region; see SIZE_MODEL_REAL_2021). Shape: 30% city schools (СОШ, лицеи, гимназии, ООШ) in two city districts; rural
districts of one town school and villages (СОШ, ООШ, НОШ). Pupils per grade are lognormal by
settlement and type, so a third of schools have fewer than 10 pupils in a grade and big city schools
reach ~150.
"""

from __future__ import annotations

import numpy as np
import polars as pl

from objectivity.analysis.synth_core import Array, stream

GRADES = tuple(range(4, 12))
MAX_ROLL = 160  # pupils in one grade of one school
CITIES = (("Городской округ Северогорск", "Северогорск"), ("Городской округ Заречный", "Заречный"))
DISTRICTS = (
    ("Берёзовский муниципальный район", "Берёзовская"),
    ("Каменский муниципальный район", "Каменская"),
    ("Ключевской муниципальный район", "Ключевская"),
    ("Озёрный муниципальный округ", "Озёрская"),
    ("Сосновский муниципальный район", "Сосновская"),
    ("Усть-Талицкий муниципальный округ", "Усть-Талицкая"),
    ("Степной муниципальный район", "Степная"),
    ("Кедровский муниципальный округ", "Кедровская"),
    ("Луговской муниципальный район", "Луговская"),
    ("Заречный муниципальный район", "Заречная"),
)
VILLAGES = [
    "Никольская",
    "Покровская",
    "Михайловская",
    "Полевая",
    "Горная",
    "Садовая",
    "Рождественская",
    "Троицкая",
    "Светлая",
    "Вознесенская",
    "Ильинская",
    "Петровская",
    "Сергеевская",
    "Успенская",
    "Ясная",
    "Лесная",
    "Боровая",
    "Новосёловская",
    "Старолесная",
    "Быстринская",
    "Родниковская",
    "Тополинская",
    "Калиновская",
    "Рябиновская",
    "Малиновская",
    "Весёлая",
    "Знаменская",
    "Чистопольская",
]
TYPE_WORDS = {
    "sosh": ("СОШ", "средняя общеобразовательная школа"),
    "oosh": ("ООШ", "основная общеобразовательная школа"),
    "nosh": ("НОШ", "начальная общеобразовательная школа"),
    "lyceum": ("Лицей", "лицей"),
    "gymnasium": ("Гимназия", "гимназия"),
}
# Median pupils per grade and its lognormal spread, by settlement and type.
SIZE_MODEL = {
    ("city", "lyceum"): (85.0, 0.3),
    ("city", "gymnasium"): (85.0, 0.3),
    ("city", "sosh"): (60.0, 0.45),
    ("city", "oosh"): (25.0, 0.4),
    ("town", "sosh"): (40.0, 0.4),
    ("village", "sosh"): (11.0, 0.45),
    ("village", "oosh"): (7.0, 0.45),
    ("village", "nosh"): (4.0, 0.5),
}
# realism="real-2021": sizes of the grade 6-8 parallels of a real region (ВПР 2021: a fifth to a quarter
# of school × tests under 10 present pupils, half under 20, the biggest ~240), and few НОШ among them.
SIZE_MODEL_REAL_2021 = {
    ("city", "lyceum"): (100.0, 0.35),
    ("city", "gymnasium"): (100.0, 0.35),
    ("city", "sosh"): (66.0, 0.6),
    ("city", "oosh"): (25.0, 0.4),
    ("town", "sosh"): (45.0, 0.45),
    ("village", "sosh"): (19.0, 0.5),
    ("village", "oosh"): (10.0, 0.45),
    ("village", "nosh"): (4.0, 0.5),
}
MAX_ROLL_REAL_2021 = 250
RURAL_KINDS = {"default": (0.45, 0.35, 0.2), "real-2021": (0.55, 0.4, 0.05)}  # СОШ, ООШ, НОШ in villages
SCHOOL_COLUMNS = (
    "login",
    "full_name",
    "short_name",
    "municipality",
    "school_type",
    "settlement",
    "is_small",
    "is_branch",
    "is_advanced",
    *(f"pupils_{g}" for g in GRADES),
)


def top_grade(school_type: str) -> int:
    return {"nosh": 4, "oosh": 9}.get(school_type, 11)


def generate_schools(seed: int, n_schools: int, region_code: str, realism: str = "default") -> pl.DataFrame:
    """`n_schools` invented schools with logins sch{region_code}0001…, in the registry's shape."""
    rng = stream(seed, "schools")
    n_city = round(n_schools * 0.3)
    n_districts = max(1, round((n_schools - n_city) / 27))
    rural = RURAL_KINDS.get(realism, RURAL_KINDS["default"])
    rows = [_city_school(rng, i, region_code) for i in range(n_city)]
    rows += [_rural_school(rng, i, n_districts, n_city + i, region_code, rural) for i in range(n_schools - n_city)]
    return complete_schools(pl.DataFrame(rows), seed, realism=realism)


def _city_school(rng: np.random.Generator, i: int, code: str) -> dict[str, object]:
    municipality, town = CITIES[i % 2]
    kind = str(rng.choice(["sosh", "lyceum", "gymnasium", "oosh"], p=[0.8, 0.08, 0.08, 0.04]))
    abbr, words = TYPE_WORDS[kind]
    number = i // 2 + 1
    full = f"Муниципальное бюджетное общеобразовательное учреждение «{words.capitalize()} № {number}» г. {town}"
    advanced = kind in ("lyceum", "gymnasium") or bool(rng.random() < 0.08)
    return _row(code, i, f"МБОУ «{abbr} № {number}»", full, municipality, kind, "city", False, advanced)


def _rural_school(
    rng: np.random.Generator,
    i: int,
    n_districts: int,
    serial: int,
    code: str,
    kinds: tuple[float, float, float] = RURAL_KINDS["default"],
) -> dict[str, object]:
    district, centre = DISTRICTS[i % n_districts % len(DISTRICTS)]
    suffix = f" {i % n_districts // len(DISTRICTS) + 1}" if n_districts > len(DISTRICTS) else ""
    position = i // n_districts  # 0: the district centre, a town
    kind = "sosh" if position == 0 else str(rng.choice(["sosh", "oosh", "nosh"], p=list(kinds)))
    name = centre if position == 0 else VILLAGES[(position + 3 * i) % len(VILLAGES)]
    name += f" № {position}" if position >= len(VILLAGES) else ""
    abbr, words = TYPE_WORDS[kind]
    full = f"Муниципальное казённое общеобразовательное учреждение «{name} {words}»"
    branch = position > 0 and bool(rng.random() < 0.08)
    settlement = "town" if position == 0 else "village"
    return _row(code, serial, f"МКОУ «{name} {abbr}»", full, district + suffix, kind, settlement, branch, False)


def _row(
    code: str,
    serial: int,
    short: str,
    full: str,
    municipality: str,
    kind: str,
    settlement: str,
    branch: bool,
    advanced: bool,
) -> dict[str, object]:
    return {
        "login": f"sch{code}{serial + 1:04d}",
        "full_name": full,
        "short_name": short,
        "municipality": municipality,
        "school_type": kind,
        "settlement": settlement,
        "is_branch": branch,
        "is_advanced": advanced,
    }


def complete_schools(schools: pl.DataFrame, seed: int, realism: str = "default") -> pl.DataFrame:
    """Fill what a given registry leaves out (names, types, pupils per grade); sorted by login."""
    real = realism == "real-2021"
    model, top = (SIZE_MODEL_REAL_2021, MAX_ROLL_REAL_2021) if real else (SIZE_MODEL, MAX_ROLL)
    if "login" not in schools.columns:
        raise ValueError("the schools frame needs a `login` column")
    rng = stream(seed, "school-gaps")
    frame = _with_defaults(schools.with_columns(pl.col("login").cast(pl.String).str.to_lowercase()).sort("login"))
    sizes = _base_sizes(rng, frame, model, top)
    frame = frame.with_columns(_pupils(rng, frame, sizes, grade, top) for grade in GRADES)
    small = pl.col("settlement").eq("village") & pl.col("pupils_4").le(10)  # «малокомплектная»: a small rural school
    return frame.with_columns(pl.col("is_small").fill_null(small)).select(SCHOOL_COLUMNS)


def _with_defaults(frame: pl.DataFrame) -> pl.DataFrame:
    defaults: dict[str, pl.Expr] = {
        "school_type": pl.lit("sosh"),
        "settlement": pl.lit("city"),
        "municipality": pl.lit("Муниципалитет не указан"),
        "full_name": pl.format("Общеобразовательная организация {}", pl.col("login")),
        "short_name": pl.col("full_name"),
        "is_small": pl.lit(None, dtype=pl.Boolean),
        "is_branch": pl.lit(False),
        "is_advanced": pl.col("school_type").is_in(["lyceum", "gymnasium"]),
    }
    for name, value in defaults.items():
        filled = pl.col(name).fill_null(value) if name in frame.columns else value
        frame = frame.with_columns(filled.alias(name))
    return frame


def _size_model(
    settlement: str, kind: str, model: dict[tuple[str, str], tuple[float, float]] = SIZE_MODEL
) -> tuple[float, float]:
    fallback = model.get((settlement, "sosh"), model[("city", "sosh")])
    return model.get((settlement, kind), fallback)


def _base_sizes(
    rng: np.random.Generator,
    frame: pl.DataFrame,
    model: dict[tuple[str, str], tuple[float, float]] = SIZE_MODEL,
    top: int = MAX_ROLL,
) -> Array:
    """Median pupils per grade for each school: the mean of the grades given, else from settlement and type."""
    pairs = zip(frame["settlement"].to_list(), frame["school_type"].to_list(), strict=True)
    median, spread = np.array([_size_model(s, k, model) for s, k in pairs]).reshape(-1, 2).T
    drawn = np.minimum(median * np.exp(spread * rng.standard_normal(frame.height)), top)
    given = [pl.col(f"pupils_{g}").cast(pl.Float64).replace(0, None) for g in GRADES if f"pupils_{g}" in frame.columns]
    if not given:
        return np.asarray(drawn)
    known = frame.select(pl.mean_horizontal(given)).to_series().to_numpy()
    return np.asarray(np.where(np.isnan(known), drawn, known))


def _pupils(rng: np.random.Generator, frame: pl.DataFrame, sizes: Array, grade: int, top: int = MAX_ROLL) -> pl.Series:
    """Pupils on roll in `grade`: the given number if any, else drawn around the school's size."""
    senior = 0.5 if grade >= 10 else 1.0
    drawn = np.minimum(rng.poisson(sizes * senior * rng.uniform(0.85, 1.15, frame.height)), top)
    has_grade = np.array([top_grade(kind) >= grade for kind in frame["school_type"].to_list()], dtype=bool)
    generated = pl.Series(drawn * has_grade, dtype=pl.Int64)
    name = f"pupils_{grade}"
    given = frame[name].cast(pl.Int64) if name in frame.columns else pl.Series([None] * frame.height, dtype=pl.Int64)
    return given.fill_null(generated).alias(name)
