"""The thresholds of detection as the pages show them, and their versions per region and year.

Each threshold and each rule of the combination is defined once, with its default, source and bounds, in
objectivity.analysis.parameters; this module adds only the translated labels and the versioning in the database
(DetectionSettings: per region and year, every change a new version; the defaults are the published values).
"""

from dataclasses import asdict, dataclass

from django.utils.translation import gettext_lazy as _l
from django.utils.translation import pgettext_lazy

from objectivity.analysis import parameters
from objectivity.analysis.parameters import FIOCO, OWN, REGION, Definition
from objectivity.detection.models import DetectionRun, DetectionSettings

SOURCES = {
    FIOCO: pgettext_lazy("threshold source", "FIOKO"),
    REGION: pgettext_lazy("threshold source", "region"),
    OWN: pgettext_lazy("threshold source", "own"),
}
LABELS = {
    "z": _l("z of the confidence interval of the mean (1.96 = 95%)"),
    "iqr_k": _l("k of the fences Q1 − k·IQR and Q3 + k·IQR (cohort marker)"),
    "spearman_below": _l("Spearman coefficient below which the marker fires"),
    "min_n": _l("fewer present participants: no markers (too small)"),
    "risk_high": _l("share of markers from which the risk is «высокий»"),
    "q": _l("false discovery rate of the flagged list (Benjamini-Hochberg)"),
    "min_agreeing": _l("layers that must show signs for a flag"),
    "extreme": _l("p of one layer that flags alone when its signs persist over years"),
    "signal_below": _l("p below which a layer shows signs"),
    "risk_medium": _l("probability from which the risk without signs is «средний»"),
}


@dataclass(frozen=True)
class Threshold(Definition):
    """A parameter as forms and pages show it: its definition (analysis.parameters) with a label."""

    label: object = ""

    @property
    def source_label(self) -> object:
        return SOURCES[self.source]


def _shown(definitions: tuple[Definition, ...]) -> tuple[Threshold, ...]:
    return tuple(Threshold(**asdict(d), label=LABELS[d.key]) for d in definitions)


THRESHOLDS = _shown(parameters.THRESHOLDS)  # settable per region and year
RULES = _shown(parameters.RULE_DEFINITIONS)  # recorded with each run, not settable
BY_KEY = {t.key: t for t in THRESHOLDS}


def defaults() -> dict:
    return {t.key: t.default for t in THRESHOLDS}


def current_settings(region, year: int) -> DetectionSettings:
    """The newest version for the year; when nobody has saved one, the published defaults as an unsaved version 0
    (reading never writes: the first run or the first save stores a version)."""
    found = DetectionSettings.objects.filter(region=region, year=year).order_by("-version").first()
    return found or DetectionSettings(region=region, year=year, version=0, values=defaults())


def threshold_rows(values: dict) -> list[tuple[Threshold, float]]:
    """Each threshold with its value in `values` (its default when a version lacks it), for display."""
    return [(t, values.get(t.key, t.default)) for t in THRESHOLDS]


def run_parameter_rows(run: DetectionRun) -> list[tuple[Threshold, float]]:
    """Every parameter a run used: all it recorded, thresholds then rules; a run made before parameters were
    recorded shows the thresholds of its settings version (its rules were the constants of that time)."""
    if not run.parameters:
        return threshold_rows(run.thresholds.values)
    return [(t, run.parameters[t.key]) for t in (*THRESHOLDS, *RULES) if t.key in run.parameters]
