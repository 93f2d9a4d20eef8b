"""A contaminated generated region with a clean reference (the control sample), for the layers that fit
the region's background on reference schools when they are given (objectivity.analysis.evidence_layers.REFERENCE)."""

import numpy as np
import polars as pl

from objectivity.analysis.markers.base import info_from_spec
from objectivity.analysis.synth import default_tests, generate_region


def counted(frame: pl.DataFrame) -> pl.DataFrame:
    return frame.filter(pl.col("valid") & ~pl.col("absent") & pl.col("total").is_not_null())


def reference_run(layer, name: str) -> dict[str, tuple[float, float]]:
    """Regions where 40% of schools push pupils over a cut in one test; half the clean schools form the
    clean reference (the control sample). Per mode: (share p < 0.05 among clean non-reference schools,
    share p < 0.05 among pushed schools)."""
    found: dict[str, list[pl.DataFrame]] = {"with": [], "without": []}
    for seed in (1, 2):
        region = generate_region(
            seed=seed, years=[2024], n_schools=600, tests=default_tests([2024], grades=(4, 5)), inject={"push": 0.4}
        )
        rng = np.random.default_rng(seed)
        touched = set(region.truth["school_login"].to_list())
        for spec, frame in region.results.items():
            pushed = region.truth.filter((pl.col("grade") == spec.grade) & (pl.col("subject") == spec.subject))
            clean = sorted(set(frame["school_login"].to_list()) - touched)
            reference = set(rng.choice(clean, size=len(clean) // 2, replace=False).tolist())
            for mode in found:
                out = layer(
                    counted(frame), info_from_spec(spec), seed=seed, reference=reference if mode == "with" else None
                )
                found[mode].append(
                    out.with_columns(
                        pl.col("school_login").is_in(pushed["school_login"].to_list()).alias("pushed"),
                        pl.col("school_login").is_in(list(reference)).alias("reference"),
                    )
                )
    rates = {}
    for mode, parts in found.items():
        rated = pl.concat(parts).filter(pl.col(f"p_{name}").is_not_null())
        clean_rate = rated.filter(~pl.col("pushed") & ~pl.col("reference"))[f"p_{name}"].lt(0.05).mean()
        power = rated.filter(pl.col("pushed"))[f"p_{name}"].lt(0.05).mean()
        rates[mode] = (float(clean_rate), float(power))
    return rates
