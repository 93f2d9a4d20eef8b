"""`objectivity evaluate --fit-weights OUT.yaml --from-rows DIR`: refit the combination's layer weights on the
rows a `--real --save-rows DIR` run kept, without analysing again."""

import io

import numpy as np
import polars as pl
import pytest
import yaml
from django.core.management import call_command
from django.core.management.base import CommandError

from objectivity.analysis.real_inject import KINDS
from objectivity.detection.quality_real import save_rows


def rows_of(seed: int, signal: str) -> pl.DataFrame:
    """School × test rows as `real_rows` gives them, where only the layer `signal` sees the injected rows."""
    rng = np.random.default_rng(seed)
    kinds = [None] * 800 + [k for k in KINDS for _ in range(20)]
    positive = np.array([k is not None for k in kinds])
    columns = {}
    for name in ("bunching", "journal", "absence"):
        p = rng.uniform(size=len(kinds))
        if name == signal:
            p[positive] = rng.beta(0.25, 1.0, size=positive.sum())
        columns[f"p_{name}"] = p
    return pl.DataFrame(
        {
            "year": 2021,
            "period": "spring",
            "grade": 6,
            "subject": rng.choice(["ru", "ma"], size=len(kinds)),
            "school_login": [f"s{i}" for i in range(len(kinds))],
            "n": rng.integers(5, 60, size=len(kinds)),
            **columns,
            "kind": kinds,
        }
    )


def test_fit_weights_from_kept_rows_writes_the_weights_and_the_held_out_figures(tmp_path):
    for seed in (1, 2, 3, 4):
        save_rows(tmp_path / "rows", seed, rows_of(seed, "journal"))
    out, target = io.StringIO(), tmp_path / "w.yaml"
    call_command("evaluate", fit_weights=target, from_rows=tmp_path / "rows", stdout=out, stderr=io.StringIO())
    stored = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert stored["adopted"] is True  # one layer carries all the signal: learned weights beat equal ones
    assert max(stored["weights"], key=stored["weights"].get) == "journal"
    assert stored["held_out"]["tests"]["all"]["learned"] > stored["held_out"]["tests"]["all"]["equal"]
    assert stored["fitted"]["seeds"] == 4 and "--from-rows" in stored["fitted"]["command"]
    assert "другие засевы внедрения" in out.getvalue() and "приняты по умолчанию" in out.getvalue()


def test_from_rows_needs_fit_weights(tmp_path):
    with pytest.raises(CommandError):
        call_command("evaluate", from_rows=tmp_path, stdout=io.StringIO())
