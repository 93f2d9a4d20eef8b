"""Every parameter of the method, defined once: its key, default, source and bounds, and the method's version.

Two kinds:
- `Params`: the thresholds of part 1 (the ФИОКО markers), settable per region and year (the detection settings
  of a year fill them; the defaults are the published values);
- `Rules`: the rules of the combination of layers (objectivity.analysis.combine) that decide a flag and a risk,
  recorded constants: every run records them with the thresholds it used.

Each field carries its source — FIOCO (the published ФИОКО method), REGION (the region's decision) or OWN (this
system's rule) — and the bounds a setting must keep; `definitions` lists them for forms and pages, which add only
the translated labels. Nothing else declares a default.

METHOD_VERSION names what the analysis flags. Bump it whenever a change to the markers, the layers or the
combination changes which school × tests are flagged or how their risk reads (a new layer, a new rule, a changed
default); every run records the version it ran with (DetectionRun.method_version), so two runs with the same
version and parameters flag the same school × tests of the same data.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from typing import Any

METHOD_VERSION = "2"

FIOCO, REGION, OWN = "fioco", "region", "own"


def _parameter(default: Any, source: str, low: float, high: float) -> Any:
    return field(default=default, metadata={"source": source, "low": low, "high": high})


@dataclass(frozen=True)
class Params:
    """Thresholds of part 1; the detection settings of a year fill them (defaults: the published values)."""

    z: float = _parameter(1.96, FIOCO, 1.0, 4.0)  # the 95% confidence interval of the mean
    iqr_k: float = _parameter(3.0, FIOCO, 0.5, 10.0)  # cohort fences Q1 − k·IQR / Q3 + k·IQR
    spearman_below: float = _parameter(0.0, FIOCO, -1.0, 1.0)  # marker when r_s is below this
    min_n: int = _parameter(5, OWN, 1, 100)  # fewer present participants: too_small, no markers
    risk_high: float = _parameter(2 / 3, OWN, 0.0, 1.0)  # share of markers from which the risk is high


@dataclass(frozen=True)
class Rules:
    """Rules of the combination of layers (objectivity.analysis.combine): recorded, not settable."""

    q: float = _parameter(0.05, OWN, 0.0, 1.0)  # FDR of the flagged list (Benjamini-Hochberg)
    min_agreeing: int = _parameter(2, OWN, 1, 9)  # layers that must signal for a flag …
    extreme: float = _parameter(0.001, OWN, 0.0, 1.0)  # … unless one layer's p is below this and persists
    signal_below: float = _parameter(0.05, OWN, 0.0, 1.0)  # a layer signals when its p is below this
    risk_medium: float = _parameter(0.1, OWN, 0.0, 1.0)  # probability from which an unflagged risk is medium


@dataclass(frozen=True)
class Definition:
    """One parameter as forms and pages show it."""

    key: str
    default: float
    source: str
    low: float
    high: float
    whole: bool
    settable: bool


def definitions(kind: type[Params] | type[Rules]) -> tuple[Definition, ...]:
    """The fields of `Params` (settable) or `Rules` (recorded), in order."""
    return tuple(
        Definition(
            key=f.name,
            default=f.default,  # type: ignore[arg-type]  # every field has one
            source=f.metadata["source"],
            low=f.metadata["low"],
            high=f.metadata["high"],
            whole=f.type in (int, "int"),
            settable=kind is Params,
        )
        for f in fields(kind)
    )


PUBLISHED = Params()  # every threshold at its default
RULES = Rules()
THRESHOLDS = definitions(Params)
RULE_DEFINITIONS = definitions(Rules)


def params_of(values: Mapping[str, Any]) -> Params:
    """Params from stored values (a key missing from an older version takes its default; unknown keys are
    ignored), each cast to its kind."""
    merged = {t.key: values.get(t.key, t.default) for t in THRESHOLDS}
    cast: dict[str, Any] = {t.key: int(merged[t.key]) if t.whole else float(merged[t.key]) for t in THRESHOLDS}
    return Params(**cast)


def recorded(params: Params, rules: Rules = RULES) -> dict[str, float]:
    """Every parameter a run used, by key: what a run keeps next to its method version."""
    return {f.name: getattr(params, f.name) for f in fields(params)} | {
        f.name: getattr(rules, f.name) for f in fields(rules)
    }
