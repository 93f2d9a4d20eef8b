"""The evidence layers by name (METHODS.md §2), in the order they are shown and combined.

Every layer follows objectivity.analysis.markers.base: rows of one test in, one row per school out
with stat_<name>, p_<name>, explain_<name>. Two kinds differ in what they read:
- MULTI_TEST layers (L5 cohort) read every test at once: `layer(tests_by_key, infos, seed=…)`, out one row
  per test × school;
- OVERSIGHT layers (L7) also take the test's observer or recheck records as the keyword named here; without
  them every p is null (the records come from the oversight part of the system);
- REFERENCE layers take `reference`, the logins of schools whose results are known to be objective (the
  «ВПР с контролем объективности» sample), and fit the region's background on them.
"""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from objectivity.analysis.markers.absence import absence
from objectivity.analysis.markers.bunching import bunching
from objectivity.analysis.markers.cohort import cohort
from objectivity.analysis.markers.journal import journal
from objectivity.analysis.markers.oversight import observers, rechecks
from objectivity.analysis.markers.shares import shares
from objectivity.analysis.markers.similarity import similarity
from objectivity.analysis.markers.taskfit import taskfit

LAYERS: dict[str, Callable[..., pl.DataFrame]] = {
    "bunching": bunching,
    "taskfit": taskfit,
    "similarity": similarity,
    "journal": journal,
    "cohort": cohort,
    "shares": shares,
    "absence": absence,
    "observers": observers,
    "recheck": rechecks,
}
LAYER_NAMES = tuple(LAYERS)
ALL_ROWS = frozenset({"absence"})  # layers that read absent pupils' rows too
MULTI_TEST = frozenset({"cohort"})  # layers that read all tests at once
OVERSIGHT = {"observers": "observed", "recheck": "rechecked"}  # layer → keyword of its records
REFERENCE = frozenset({"bunching", "shares"})  # layers that fit the region on clean reference schools if given
LAYER_TITLES = {
    "bunching": "L1 скопление у порогов отметок",
    "taskfit": "L2 несоответствие по заданиям",
    "similarity": "L3 совпадения внутри класса",
    "journal": "L4 отметки по журналу и ВПР",
    "cohort": "L5 динамика параллели",
    "shares": "L6 доли высоких отметок",
    "absence": "Отсутствие слабых учеников",
    "observers": "L7 с наблюдателем и без",
    "recheck": "L7 перепроверка работ",
}


def available() -> dict[str, Callable[..., pl.DataFrame]]:
    """All layers of this installation, in order."""
    return dict(LAYERS)
