"""The layer weights the product combines with (objectivity.analysis.combine), as stored in WEIGHTS_FILE.

Fitted and validated by objectivity.analysis.weight_fit (`objectivity evaluate --real ... --fit-weights`).

Relative weights: 1 = an equal share of H⁻¹ = Σ w_i / p_i; a layer not named weighs 1. The product uses them only
when the file says `adopted: true` (learned weights beat equal weights on held-out injections and held-out
tests); otherwise equal weights, and a detection run records which (DetectionRun.method).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import yaml

WEIGHTS_FILE = Path(__file__).resolve().parent / "data" / "combine_weights.yaml"
EQUAL_METHOD = "layers-hmp-equal"
FITTED_METHOD_PREFIX = "layers-hmp-w-"  # then 8 hex digits of the weights' hash


# ---- the product's weights -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    """What WEIGHTS_FILE holds: the fitted relative weights and whether the product uses them."""

    weights: dict[str, float]
    adopted: bool
    method: str


def read_weights(path: Path = WEIGHTS_FILE) -> Stored | None:
    """The stored weights, or None when there is no file."""
    if not path.is_file():
        return None
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    weights = {str(k): float(v) for k, v in (data.get("weights") or {}).items()}
    adopted = bool(data.get("adopted")) and bool(weights)
    return Stored(weights=weights, adopted=adopted, method=str(data.get("method") or method_name(weights)))


@functools.cache
def product_weights() -> dict[str, float] | None:
    """The relative layer weights the product combines with: the adopted ones of WEIGHTS_FILE, else None (equal)."""
    stored = read_weights()
    return dict(stored.weights) if stored is not None and stored.adopted else None


def combination_method() -> str:
    """The name of the combination a detection run uses (DetectionRun.method): which weights it had."""
    stored = read_weights()
    return stored.method if stored is not None and stored.adopted else EQUAL_METHOD


def method_name(weights: Mapping[str, float]) -> str:
    """«layers-hmp-w-<8 hex>»: a short name that changes whenever the weights do (≤ 40 characters)."""
    text = ",".join(f"{k}={v:.4f}" for k, v in sorted(weights.items()))
    return f"{FITTED_METHOD_PREFIX}{hashlib.sha256(text.encode()).hexdigest()[:8]}"
