"""The evidence layers by name (METHODS.md §2), in the order they are shown and combined.

Every layer follows objectivity.analysis.markers.base: rows of one test in, one row per school out
with stat_<name>, p_<name>, explain_<name>.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from objectivity.analysis.markers.absence import absence
from objectivity.analysis.markers.bunching import bunching
from objectivity.analysis.markers.journal import journal
from objectivity.analysis.markers.shares import shares
from objectivity.analysis.markers.similarity import similarity
from objectivity.analysis.markers.taskfit import taskfit

LAYERS: dict[str, Callable[..., pl.DataFrame]] = {
    "bunching": bunching,
    "taskfit": taskfit,
    "similarity": similarity,
    "journal": journal,
    "shares": shares,
    "absence": absence,
}
LAYER_NAMES = tuple(LAYERS)
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
    """All layers of this installation, in order."""
    return dict(LAYERS)
