"""Benchmark: the L3 similarity layer on the region's real exports — calibration, placebo, power, time.

Run from the project root (reads ../shared/real/, which a user's clone does not have):

    .venv/bin/python bench/similarity_real.py                    # every file, old and new layer
    .venv/bin/python bench/similarity_real.py --files ма ру      # files whose name holds «ма» or «ру»
    .venv/bin/python bench/similarity_real.py --no-old           # the new layer only (the old one takes minutes)

What it prints (no pupil row is printed or written anywhere):
  per file  pupils, schools with a p-value, the bare `polars.read_excel` time, and for the layer before the
            class-margin null (`OLD_COMMIT`, loaded from git) and the current one: the share of school × tests
            with p < 0.05 and p < 0.001 (all, and with ≥ 20 participants) and the time. Bars (issue 10):
            ≤ 10 % at 0.05 and ≤ 1 % at 0.001 per file.
  placebo   pupils re-assigned to random pseudo-classes within their variant, keeping every class's size and
            variant mix (the null is true by construction): share with p < 0.05 should be 3-7 %.
  power     three extra pupils copying another pupil's whole row in one class × variant cell (≥ 6 pupils),
            in 8 % of schools with ≥ 8 pupils: AUC of p between injected and other schools, TPR / FPR at 0.05
            and 0.001, old and new layer on the same injected data.
Files are read by the project's own reader (objectivity.detection.files, as `objectivity analyze` does), keeping
the `variant` column. Cut scores come from the official descriptions' PDFs (objectivity.results.descriptions)
when the catalogue lacks them.
"""

from __future__ import annotations

import argparse
import dataclasses
import importlib.util
import logging
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from unittest import mock

PROJECT_DIR = Path(__file__).resolve().parent.parent
REAL = PROJECT_DIR.parent / "shared" / "real"
OLD_COMMIT = "c775c88"  # the last commit with the region-wide shuffle null
PLACEBO = ("математике, 6", "русскому языку, 7", "физике, 7")
POWER = ("математике, 6", "математике, 8", "русскому языку, 6", "русскому языку, 8")


def setup_django() -> None:
    sys.path.insert(0, str(PROJECT_DIR))
    os.environ.update(
        DATA_DIR=tempfile.mkdtemp(),
        SECRET_KEY="bench",
        HTTPS="0",
        DEBUG="0",
        DJANGO_SETTINGS_MODULE="objectivity.settings",
    )
    import django

    django.setup()
    logging.getLogger("fastexcel").setLevel(logging.ERROR)


def read_real(path: Path):
    """(counted pupil rows with `variant`, TestInfo, key) through the project's reader."""
    import objectivity.detection.files as files
    from objectivity.analysis.export_format import TestName
    from objectivity.analysis.schema import counted_rows

    with mock.patch.object(files, "analysed_columns", lambda frame: frame):  # keep `variant`
        found = files.read_files([path], hint=TestName(), reference=None)
    ((key, info),) = found.infos.items()
    return counted_rows(found.frames[0]), info, key


def description_cuts(grade: int, subject: str) -> tuple[int, int, int] | None:
    try:
        from objectivity.analysis.export_format import SUBJECT_BY_CODE
        from objectivity.results.descriptions import pdf_text, scale_from_text
    except ImportError:
        return None
    names = [SUBJECT_BY_CODE[subject].name]
    if subject in ("de", "fr"):  # one description for the foreign languages
        names.append(SUBJECT_BY_CODE["en"].name)
    for name in names:
        for pdf in sorted((REAL / "descriptions-2021" / str(grade) / name).glob("*.pdf")):
            scale = scale_from_text(pdf_text(pdf.read_bytes(), pdf.name))
            if scale is not None:
                return scale.cuts
    return None


def old_layer() -> ModuleType | None:
    """The similarity module as it was at OLD_COMMIT (git show; read-only)."""
    try:
        source = subprocess.run(
            ["git", "show", f"{OLD_COMMIT}:objectivity/analysis/markers/similarity.py"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    spec = importlib.util.spec_from_loader("similarity_old", loader=None)
    assert spec is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["similarity_old"] = module
    exec(compile(source, f"{OLD_COMMIT}:similarity.py", "exec"), module.__dict__)  # noqa: S102 - our own code
    return module


def rates(out) -> str:
    import polars as pl

    p = out["p_similarity"].drop_nulls()
    big = out.filter(pl.col("n") >= 20)["p_similarity"].drop_nulls()
    share = lambda s, a: 100 * float((s < a).mean()) if len(s) else float("nan")  # noqa: E731
    return f"{share(p, 0.05):5.1f} {share(p, 0.001):4.1f} | {share(big, 0.05):5.1f} {share(big, 0.001):4.1f}"


def timed(layer, rows, info, **kwargs):
    start = time.perf_counter()
    out = layer(rows, info, **kwargs)
    return out, time.perf_counter() - start


def placebo(rows, seed: int):
    """Pupils shuffled across (school, class) slots within their variant: sizes and variant mixes kept."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    parts = []
    for _, part in rows.group_by("variant", maintain_order=True):
        order = rng.permutation(len(part))
        parts.append(part.with_columns(pl.col("school_login").gather(order), pl.col("class_letter").gather(order)))
    return pl.concat(parts)


def inject_copies(rows, seed: int, share: float = 0.08):
    """Three extra pupils copying one pupil's whole row in one class × variant cell of ≥ 6 pupils, in `share` of
    the schools with ≥ 8 pupils. Returns the rows and the injected logins."""
    import numpy as np
    import polars as pl

    rng = np.random.default_rng(seed)
    cells = (
        rows.filter(pl.col("class_letter").is_not_null())
        .group_by("school_login", "class_letter", "variant")
        .len()
        .filter(pl.col("len") >= 6)
    )
    sizes = rows.group_by("school_login").len().filter(pl.col("len") >= 8)
    eligible = sorted(set(sizes["school_login"]) & set(cells["school_login"]))
    chosen = rng.choice(eligible, size=max(1, round(share * sizes.height)), replace=False)
    extra = []
    for login in chosen:
        mine = cells.filter(pl.col("school_login") == login)
        cell = mine.row(int(rng.integers(mine.height)), named=True)
        members = rows.filter(
            (pl.col("school_login") == login)
            & (pl.col("class_letter") == cell["class_letter"])
            & (pl.col("variant") == cell["variant"])
        )
        source = members[int(rng.integers(members.height))]
        extra.append(pl.concat([source] * 3))
    return pl.concat([rows, *extra]), set(chosen.tolist())


def auc(scores, positive) -> float:
    """P(score of an injected school < score of another), ties counting one half (Mann-Whitney)."""
    from scipy import stats

    pos, neg = scores[positive], scores[~positive]
    u = stats.mannwhitneyu(neg, pos, alternative="two-sided").statistic
    return float(u / (len(pos) * len(neg))) if len(pos) and len(neg) else float("nan")


def power_line(out, injected: set[str]) -> str:
    import numpy as np

    p = out["p_similarity"].fill_null(1.0).to_numpy()
    hit = np.isin(out["school_login"].to_numpy(), list(injected))
    return (
        f"AUC {auc(p, hit):.3f}  TPR/FPR .05 {np.mean(p[hit] < 0.05):.2f}/{np.mean(p[~hit] < 0.05):.3f}"
        f"  .001 {np.mean(p[hit] < 0.001):.2f}/{np.mean(p[~hit] < 0.001):.3f}"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--files", nargs="*", default=[], help="only files whose name holds one of these")
    parser.add_argument("--no-old", action="store_true", help="skip the old layer (about 100 s per maths file)")
    parser.add_argument("--no-extra", action="store_true", help="skip the placebo and power runs")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    results = REAL / "results-2021"
    if not results.is_dir():
        print(f"similarity_real: skipped — {REAL} is absent (real exports are not part of the repository)")
        return 0
    setup_django()
    import polars as pl

    from objectivity.analysis.markers.similarity import similarity

    old = None if args.no_old else old_layer()
    if not args.no_old and old is None:
        print(f"old layer: not available (git show {OLD_COMMIT} failed); new layer only")
    paths = sorted(p for p in results.glob("*.xlsx") if not args.files or any(f in p.name for f in args.files))
    print("p < 0.05 and p < 0.001 in % of school × tests with a p-value: all | ≥ 20 participants; times in s")
    print(
        f"{'file':<28} {'pupils':>6} {'sch.':>4} {'read':>5}   {'old layer':<24} {'time':>6}   {'new layer':<24} {'time':>5}"
    )
    data = {}
    for path in paths:
        start = time.perf_counter()
        pl.read_excel(path)
        read = time.perf_counter() - start
        rows, info, key = read_real(path)
        if info.cuts is None:
            info = dataclasses.replace(info, cuts=description_cuts(key[2], key[3]))
        data[path.name] = (rows, info)
        new, new_time = timed(similarity, rows, info, seed=args.seed)
        old_text = "—".ljust(24) + " " * 7
        if old is not None:
            before, old_time = timed(old.similarity, rows, info, seed=args.seed)
            old_text = f"{rates(before):<24} {old_time:6.1f}"
        name = path.name.removeprefix("Проведение работы по ").removesuffix(". ВПР 2021.xlsx")[:28]
        informative = new["p_similarity"].is_not_null().sum()
        print(
            f"{name:<28} {rows.height:>6} {informative:>4} {read:5.1f}   {old_text}   {rates(new):<24} {new_time:5.1f}",
            flush=True,
        )
    if args.no_extra:
        return 0
    print("\nplacebo (pseudo-classes within variant; p < 0.05 should be 3-7 %): p < 0.05 / p < 0.01 in %")
    for name, (rows, info) in data.items():
        if not any(f in name for f in PLACEBO):
            continue
        shares = []
        for seed in range(3):
            out = similarity(placebo(rows, seed), info, seed=seed)
            p = out["p_similarity"].drop_nulls()
            shares.append(f"{100 * float((p < 0.05).mean()):.1f} / {100 * float((p < 0.01).mean()):.1f}")
        print(f"  {name[21:60]:<40} seeds 0-2: {'; '.join(shares)}", flush=True)
    print("\npower on copies (3 extra pupils with another pupil's row in one class × variant, 8 % of schools ≥ 8)")
    for name, (rows, info) in data.items():
        if not any(f in name for f in POWER):
            continue
        injected_rows, injected = inject_copies(rows, args.seed)
        print(f"  {name[21:60]} ({len(injected)} schools)", flush=True)
        print(f"    new: {power_line(similarity(injected_rows, info, seed=args.seed), injected)}", flush=True)
        if old is not None:
            print(f"    old: {power_line(old.similarity(injected_rows, info, seed=args.seed), injected)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
