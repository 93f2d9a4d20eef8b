"""docs/detection-quality.md: the generated-region part of `objectivity evaluate`, the tables both parts share, and
how the two parts are kept together in one file (the real-data part first, between REAL_BEGIN and REAL_END)."""

import datetime
import subprocess

import numpy as np
import polars as pl
from django.conf import settings

from objectivity.analysis.evaluate import KINDS, big_subset, cell
from objectivity.analysis.evidence_layers import LAYER_TITLES
from objectivity.analysis.markers.base import SIZE_BANDS, size_band
from objectivity.analysis.russian import decimal

REAL_BEGIN = "<!-- evaluate --real: begin (rewritten by `objectivity evaluate --real`) -->"
REAL_END = "<!-- evaluate --real: end -->"


def merge_document(existing: str, *, real: str | None = None, generated: str | None = None) -> str:
    """The quality document with the real-data part first (between REAL_BEGIN and REAL_END) and the generated
    part after it; a part not given is kept as it stands in `existing`."""
    old_real, old_generated = "", existing
    if REAL_BEGIN in existing and REAL_END in existing:
        start, end = existing.index(REAL_BEGIN), existing.index(REAL_END) + len(REAL_END)
        old_real = existing[start:end]
        old_generated = existing[:start] + existing[end:]
    block = f"{REAL_BEGIN}\n{real.strip()}\n{REAL_END}" if real is not None else old_real
    rest = (generated if generated is not None else old_generated).strip()
    return "\n\n".join(part for part in (block, rest) if part) + "\n"


AUC_BAR, TPR_BAR, COVERAGE_BAR = 0.95, 0.8, (0.85, 0.95)  # the bars for the combination
TITLES = {**LAYER_TITLES, "combined": "Сочетание слоёв", "ФИОКО": "ФИОКО (число маркеров)"}


def report(
    summary: pl.DataFrame,
    fprs: list[dict],
    calib: list[tuple[float, float, float]],
    layers: list[str],
    seeds: int,
    schools: int,
) -> str:
    rows = {(r["method"], r["subset"]): r for r in summary.to_dicts()}
    methods = [*(["combined"] if layers else []), *layers, "ФИОКО"]
    bands = [size_band(low) for low, _high in SIZE_BANDS]
    lines = _heading(seeds, schools) + overall_table(rows, methods)
    lines += column_table(rows, methods, "AUC по видам искажения", list(KINDS))
    lines += column_table(rows, methods, "AUC по числу участников", bands)
    big = [big_subset(kind) for kind in KINDS]
    lines += column_table(rows, methods, "AUC по видам искажения, ОО × работы с ≥ 20 участниками", big)
    big_all = rows.get(("combined", "20+"))
    if big_all and ((big_all["auc"] or 0.0) < AUC_BAR or (big_all["tpr"] or 0.0) < TPR_BAR):
        lines += _why_short(rows, layers)
    if fprs:
        lines += _combination(rows, fprs, calib, bands)
    else:
        lines += ["", "Слои доказательств пока не подключены: сравнивается только базовая методика ФИОКО."]
    return "\n".join(lines) + "\n"


def _heading(seeds: int, schools: int) -> list[str]:
    return [
        "# Качество выявления на модельных регионах (сгенерированные данные)",
        "",
        "Измерено на сгенерированных регионах (objectivity.analysis.synth), не на реальных выгрузках: проверка того,",
        "что слои находят то, что задумано; что они дают на реальных школах — в части выше.",
        f"Получено командой `objectivity evaluate --seeds {seeds} --schools {schools}`, {datetime.date.today():%d.%m.%Y}, коммит `{commit_hash()}`.",
        "Сценарий METHODS.md §3: две весны, 4-5 классы, русский язык и математика; 8 % ОО с одним видом искажения",
        f"в одной работе ({', '.join(KINDS)}). Единица — ОО × работа. Среднее по {seeds} регионам, в скобках — наименьшее и наибольшее.",
    ]


def overall_table(rows: dict, methods: list[str], titles: dict | None = None) -> list[str]:
    titles = titles or TITLES
    lines = [
        "",
        "## Все ОО × работы",
        "",
        "| Метод | AUC | TPR при FPR = 1 % | Точность при k | AUC (≥ 20 участников) | TPR (≥ 20) |",
        "|---|---|---|---|---|---|",
    ]
    for m in methods:
        a, b = rows.get((m, "all")), rows.get((m, "20+"))
        if a and b:
            lines.append(
                f"| {titles.get(m, m)} | {cell(a, 'auc')} | {cell(a, 'tpr')} | {cell(a, 'precision')} | {cell(b, 'auc')} | {cell(b, 'tpr')} |"
            )
    return lines


def column_table(
    rows: dict, methods: list[str], heading: str, subsets: list[str], titles: dict | None = None, metric: str = "auc"
) -> list[str]:
    titles = titles or TITLES
    lines = ["", f"## {heading}", "", "| Метод | " + " | ".join(subsets) + " |", "|---|" + "---|" * len(subsets)]
    for m in methods:
        values = " | ".join(cell(rows[(m, s)], metric) for s in subsets if (m, s) in rows)
        lines.append(f"| {titles.get(m, m)} | {values} |")
    return lines


def _why_short(rows: dict, layers: list[str]) -> list[str]:
    """Per kind (≥ 20 participants): the best single layer's AUC against the combination's, in words."""
    pairs = []
    for kind in KINDS:
        best = max(layers, key=lambda name: rows[(name, big_subset(kind))]["auc"] or 0.0)
        alone, combined = rows[(best, big_subset(kind))]["auc"], rows[("combined", big_subset(kind))]["auc"]
        if alone is None or combined is None:
            continue
        pairs.append(f"{kind}: {TITLES[best]} {alone:.2f} → {combined:.2f}")
    return [
        "",
        "Отчего AUC и TPR сочетания ниже требований (ОО × работы с ≥ 20 участниками; лучший слой для вида → "
        f"сочетание): {'; '.join(pairs)}. Каждый вид искажения оставляет след в одном-двух слоях, и сила следа "
        "задана сценарием (например, +1 балл у 40 % учеников). Сочетание не знает вида: у ОО без искажений "
        "наименьшее из p нескольких слоёв бывает малым случайно, поэтому одиночный сигнал умеренной силы "
        "в сочетании слабеет. Взвешивание слоёв по данным региона (смесь «равномерное + бета», Pounds & Morris "
        "2003) и сумма отношений правдоподобия проверены и ранжируют хуже среднего гармонического p.",
    ]


def _combination(rows: dict, fprs: list[dict], calib: list[tuple[float, float, float]], bands: list[str]) -> list[str]:
    lines = ["", "## Сочетание: доля отмеченных среди ОО без искажений", ""]
    lines += ["| " + " | ".join(bands) + " |", "|" + "---|" * len(bands)]
    lines.append("| " + " | ".join(f"{np.nanmean([f[b] for f in fprs]):.4f}" for b in bands) + " |")
    ece = float(np.mean([c[0] for c in calib]))
    coverage = float(np.mean([c[1] for c in calib]))
    per_region = ", ".join(f"{c[1]:.2f}" for c in calib)
    text = f"Калибровка вероятности: ECE = {ece:.3f}; покрытие 90 %-интервалов = {coverage:.2f} (по регионам: {per_region})."
    if not COVERAGE_BAR[0] <= coverage <= COVERAGE_BAR[1]:
        text += _why_coverage_short(float(np.mean([c[2] for c in calib])))
    return [*lines, "", text, *bars_section(rows, fprs, ece, coverage)]


def _why_coverage_short(quiet_rate: float) -> str:
    """`quiet_rate`: the share of manipulated school × tests among those with a probability below 0.1."""
    return (
        " Покрытие решает почти целиком интервал ОО с вероятностью ниже 0,1 (их больше 95 %): искажённых среди "
        f"них {decimal(100 * quiet_rate)} % — это искажения, не оставившие следа ни в одном слое. По p-значениям "
        "их не отличить от ОО без искажений: оценка доли ОО без искажений π0 (Storey) причисляет их к ним, и "
        "вероятность для таких ОО равна 0 с интервалом около 0. Расширить интервал можно только предположением "
        "о доле искажений без следа, которого данные не дают, поэтому требование к покрытию не выполнено."
    )


def bars_section(rows: dict, fprs: list[dict], ece: float, coverage: float) -> list[str]:
    """The bars of the issue, each with the measured figure and whether it is met."""
    big, every, fioco = rows[("combined", "20+")], rows[("combined", "all")], rows[("ФИОКО", "all")]
    worst_fpr = max(np.nanmean([f[b] for f in fprs]) for b in fprs[0])
    checks = [
        ("AUC (≥ 20 участников) ≥ 0,95", f"{big['auc']:.3f}", big["auc"] >= AUC_BAR),
        ("TPR при FPR = 1 % (≥ 20 участников) ≥ 0,8", f"{big['tpr']:.3f}", big["tpr"] >= TPR_BAR),
        ("AUC на 0,25 выше ФИОКО", f"{every['auc'] - fioco['auc']:+.3f}", every["auc"] - fioco["auc"] >= 0.25),
        ("доля ложных отметок ≤ 1 % в каждой группе по размеру", f"{worst_fpr:.4f}", worst_fpr <= 0.01),
        ("ECE ≤ 0,05", f"{ece:.3f}", ece <= 0.05),
        ("покрытие 90 %-интервалов в [0,85; 0,95]", f"{coverage:.2f}", COVERAGE_BAR[0] <= coverage <= COVERAGE_BAR[1]),
    ]
    lines = ["", "## Требования", "", "| Требование | Получено | Выполнено |", "|---|---|---|"]
    lines += [f"| {name} | {value} | {'да' if ok else 'нет'} |" for name, value, ok in checks]
    return lines


def commit_hash() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=settings.BASE_DIR, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "—"


def uncommitted() -> str:
    """« с незакоммиченными правками» when the working tree differs from the commit."""
    try:
        status = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            cwd=settings.BASE_DIR,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""
    return " с незакоммиченными правками" if status else ""


def fairness_section(per_seed: list[list[dict]]) -> str:
    """Flag rates of clean school × tests by attribute, pooled over seeds, with the chi-square p per seed."""
    if not per_seed:
        return ""
    lines = ["", "## Справедливость: доля отмеченных среди ОО без искажений по признакам ОО", ""]
    lines += ["| Признак | Доли отмеченных по группам (первый регион) | p (χ², по регионам) |", "|---|---|---|"]
    for index, item in enumerate(per_seed[0]):
        rates = ", ".join(f"{group}: {rate:.3f}" for group, rate in item["rates"].items())
        ps = ", ".join("—" if np.isnan(seed[index]["p"]) else f"{seed[index]['p']:.2f}" for seed in per_seed)
        lines.append(f"| {item['attribute']} | {rates} | {ps} |")
    lines += [
        "",
        "Малые p означали бы, что отметки зависят от признака ОО самого по себе; отмеченных без искажений почти нет, поэтому",
        "различия в долях — доли процента.",
    ]
    return "\n".join(lines) + "\n"
