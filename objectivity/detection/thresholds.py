"""Every threshold of detection, with where it comes from: [ФИОКО], [регион] or [собственный].

Values live in DetectionSettings (per region and year, versioned); the defaults are the published ones.
"""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _l

from objectivity.analysis.findings import Params
from objectivity.detection.models import DetectionSettings

FIOKO, REGION, OWN = "ФИОКО", "регион", "собственный"


@dataclass(frozen=True)
class Threshold:
    key: str
    default: float
    source: str
    label: object
    low: float
    high: float
    whole: bool = False


THRESHOLDS = (
    Threshold("z", 1.96, FIOKO, _l("z of the confidence interval of the mean (1.96 = 95%)"), 1.0, 4.0),
    Threshold("iqr_k", 3.0, FIOKO, _l("k of the fences Q1 − k·IQR and Q3 + k·IQR (cohort marker)"), 0.5, 10.0),
    Threshold("spearman_below", 0.0, FIOKO, _l("Spearman coefficient below which the marker fires"), -1.0, 1.0),
    Threshold("min_n", 5, OWN, _l("fewer present participants: no markers (too small)"), 1, 100, whole=True),
    Threshold("risk_high", 2 / 3, OWN, _l("share of markers from which the risk is «высокий»"), 0.0, 1.0),
)
BY_KEY = {t.key: t for t in THRESHOLDS}


def defaults() -> dict:
    return {t.key: t.default for t in THRESHOLDS}


def params_of(values: dict) -> Params:
    merged = defaults() | {k: v for k, v in values.items() if k in BY_KEY}
    return Params(
        z=float(merged["z"]),
        iqr_k=float(merged["iqr_k"]),
        spearman_below=float(merged["spearman_below"]),
        min_n=int(merged["min_n"]),
        risk_high=float(merged["risk_high"]),
    )


def current_settings(region, year: int) -> DetectionSettings:
    """The newest version for the year; when nobody has saved one, the published defaults as an unsaved version 0
    (reading never writes: the first run or the first save stores a version)."""
    found = DetectionSettings.objects.filter(region=region, year=year).order_by("-version").first()
    return found or DetectionSettings(region=region, year=year, version=0, values=defaults())


def threshold_rows(values: dict) -> list[tuple[Threshold, float]]:
    """Each threshold with its value in `values` (its default when a version lacks it), for display."""
    return [(t, values.get(t.key, t.default)) for t in THRESHOLDS]
