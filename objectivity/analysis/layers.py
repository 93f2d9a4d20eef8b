"""The evidence layers by name (METHODS.md §2), in the order they are shown and combined.

Each entry is `module:function` under objectivity.analysis.markers, following markers/base.py.
`available()` imports the ones present in this installation.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable

import polars as pl

LAYER_NAMES = ("bunching", "taskfit", "similarity", "journal", "shares", "absence")
ALL_ROWS = frozenset({"absence"})  # layers that read absent pupils' rows too
LAYER_TITLES = {
    "bunching": "L1 скопление у порогов отметок",
    "taskfit": "L2 несоответствие по заданиям",
    "similarity": "L3 совпадения внутри класса",
    "journal": "L4 отметки по журналу и ВПР",
    "shares": "L6 доли высоких отметок",
    "absence": "Отсутствие слабых учеников",
}


def available() -> dict[str, Callable[..., pl.DataFrame]]:
    found = {}
    for name in LAYER_NAMES:
        try:
            module = importlib.import_module(f"objectivity.analysis.markers.{name}")
        except ModuleNotFoundError:
            continue
        found[name] = getattr(module, name)
    return found
