"""docs/detection-quality.md: the real-data part of `objectivity evaluate --real` (injected real exports, the
calibration of every layer on the un-injected files) and the held-out check of the combination's layer weights;
the school × test rows of each injection seed kept as Parquet for refitting."""

import datetime
import math
from pathlib import Path

import numpy as np
import polars as pl
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from objectivity.analysis.crude import CRUDE_RANK
from objectivity.analysis.evaluate import (
    CRUDE_METHODS,
    P_BINS,
    big_subset,
    cell,
    null_shares,
    pvalue_histogram,
)
from objectivity.analysis.evidence_layers import LAYER_TITLES
from objectivity.analysis.export_format import SUBJECT_BY_CODE
from objectivity.analysis.markers.base import SIZE_BANDS, size_band
from objectivity.analysis.markers.fioco import TEST_KEY
from objectivity.analysis.real_inject import KINDS as REAL_KINDS
from objectivity.analysis.russian import decimal
from objectivity.analysis.weight_fit import CHECKS, PENALTY, Fit, HeldOut
from objectivity.analysis.weights import EQUAL_METHOD
from objectivity.detection.quality_doc import TITLES, column_table, commit_hash, overall_table, uncommitted

CRUDE_TITLES = {
    "crude_bunching": "Грубая: скопление у порогов",
    "crude_hard": "Грубая: последние два задания",
    "crude_journal": "Грубая: совпадение с журналом",
    CRUDE_RANK: "Грубая: сумма рангов трёх",
}
REAL_AUC_BAR = 0.85
NULL_BARS = {"p05": 0.10, "p001": 0.01}
FLAG_BAR = 0.05


class RealRun:
    """What the real-data report needs besides the metrics."""

    def __init__(self, **values) -> None:
        self.files: list[str] = values["files"]
        self.all_files: list[str] = values["all_files"]
        self.names: dict = values["names"]
        self.seeds: int = values["seeds"]
        self.clean: pl.DataFrame = values["clean"]
        self.everything: pl.DataFrame = values["everything"]
        self.truths: list[pl.DataFrame] = values["truths"]
        self.fprs: list[dict] = values["fprs"]
        self.seconds: float = values["seconds"]
        self.command: str = values["command"]
        self.hard_last: int = values["hard_last"]
        self.method: str = values.get("method", EQUAL_METHOD)  # the combination's weights in the runs


def real_report(summary: pl.DataFrame, layers: list[str], run: RealRun) -> str:
    rows = {(r["method"], r["subset"]): r for r in summary.to_dicts()}
    titles = {**TITLES, **CRUDE_TITLES}
    methods = ["combined", *layers, "ФИОКО", *CRUDE_METHODS]
    bands = [size_band(low) for low, _high in SIZE_BANDS]
    lines = _real_heading(run)
    lines += overall_table(rows, methods, titles)
    lines += column_table(rows, methods, "AUC по видам искажения", list(REAL_KINDS), titles)
    lines += column_table(
        rows,
        methods,
        "AUC по видам искажения, ОО × работы с ≥ 20 участниками",
        [big_subset(k) for k in REAL_KINDS],
        titles,
    )
    lines += column_table(rows, methods, "AUC по числу участников", bands, titles)
    lines += column_table(rows, methods, "TPR при FPR = 1 % по видам искажения", list(REAL_KINDS), titles, "tpr")
    lines += column_table(rows, methods, "Точность при k по видам искажения", list(REAL_KINDS), titles, "precision")
    lines += _best_by_kind(rows, ["combined", *layers], titles)
    lines += _real_bars(rows)
    lines += _fpr_line(run.fprs, bands)
    lines += _calibration(layers, run)
    lines += _histograms(layers, run.everything)
    return "\n".join(lines) + "\n"


def _real_heading(run: RealRun) -> list[str]:
    truth = pl.concat(run.truths) if run.truths else pl.DataFrame()
    per_kind = (
        ", ".join(
            f"{kind} — {decimal(count / run.seeds)} ОО × работы (в среднем {decimal(touched)} уч. на ОО)"
            for kind, count, touched in truth.group_by("kind")
            .agg(pl.len(), pl.col("pupils_touched").mean())
            .sort("kind")
            .iter_rows()
        )
        if truth.height
        else "—"
    )
    clean = run.clean
    return [
        "# Качество выявления на реальных выгрузках",
        "",
        f"**Измерено на реальных выгрузках ФИС ОКО одного региона** (фон — реальные ученики, ничего не сгенерировано): "
        f"{datetime.date.today():%d.%m.%Y}, коммит `{commit_hash()}`{uncommitted()}, команда `{run.command}` "
        f"(прогон занял {decimal(run.seconds / 60)} мин).",
        "",
        f"Фон для внедрения: {len(run.files)} файл(ов): {'; '.join(run.files)} — {clean.height} ОО × работ, "
        f"{int(clean['n'].sum())} участников; {decimal(100 * float(np.mean(clean['n'].to_numpy() < 20)))} % ОО × работ "
        "с числом участников меньше 20.",
        "Анализ — тот же путь, что у `objectivity analyze` (`analyse`, справочные данные, поставляемые с системой).",
        "Внедрено (METHODS.md §3): 8 % ОО, у каждой один вид искажения в одной работе, лёгкой силы: push — 1-2 ученика "
        "класса, которым до «3» или «4» не хватает 1-2 баллов, получают их; inflate — +1 балл за случайное задание "
        "трети класса; hard — +1 за два самых трудных задания трети класса; journal — 1-3 ученика с отметкой на "
        "одну ниже журнальной подняты до неё, если хватает ≤ 3 баллов; copy — 2-3 ученика одного класса и варианта "
        "получают работу другого ученика целиком; exclude — 1-3 самых слабых ученика отмечены отсутствующими. "
        "Первичный балл пересчитан по заданиям.",
        f"Внедрено за прогон (среднее по {run.seeds} засевам): {per_kind}.",
        f"Самые трудные задания для hard — по уровню из справочных данных (В, затем П), а при равном уровне — те, "
        "за которые ученики региона получают меньшую долю максимума (у русского языка 6-8 классов уровней в "
        "описаниях нет, и выбор идёт только по данным региона); "
        f"в {run.hard_last} из {len(run.files)} работ это два последних оцениваемых задания, ровно те, что читает "
        "грубая статистика «последние два задания», и там её результат на hard отчасти задан построением.",
        f"Единица — ОО × работа. Среднее по {run.seeds} засевам внедрения, в скобках — наименьшее и наибольшее.",
        f"Сочетание слоёв — гармоническое среднее p, веса слоёв `{run.method}` "
        f"({'равные' if run.method == EQUAL_METHOD else 'подобранные'}; "
        "objectivity/analysis/data/combine_weights.yaml, подбор и проверка — `--fit-weights`).",
        "Грубые статистики не имеют нулевой модели и посчитаны в том же прогоне: скопление — ученики с баллом "
        "{c, c+1} к ученикам с {c−2, c−1} у порогов «3» и «4»; последние два задания — доля максимума за два "
        "последних оцениваемых задания минус предсказанная по остальным заданиям линейной регрессией по ОО региона; "
        "журнал — доля учеников, у которых отметка за ВПР равна журнальной; сумма рангов — их ранги внутри работы.",
    ]


def _best_by_kind(rows: dict, product: list[str], titles: dict) -> list[str]:
    """Per kind (all sizes): the product's best method, the best crude statistic and ФИОКО, by mean AUC."""
    lines = [
        "",
        "## Лучший метод по виду искажения (AUC, все ОО × работы)",
        "",
        "| Вид | Лучшее из сочетания и слоёв | Лучшая грубая статистика | ФИОКО |",
        "|---|---|---|---|",
    ]

    def best(methods: list[str], kind: str) -> str:
        scored = [(rows[(m, kind)]["auc"], m) for m in methods if rows.get((m, kind), {}).get("auc") is not None]
        scored = [(value, m) for value, m in scored if not math.isnan(value)]
        if not scored:
            return "—"
        value, method = max(scored)
        return f"{titles.get(method, method)}: {value:.3f}"

    for kind in REAL_KINDS:
        lines.append(
            f"| {kind} | {best(product, kind)} | {best(list(CRUDE_METHODS), kind)} | {best(['ФИОКО'], kind)} |"
        )
    return lines


def _real_bars(rows: dict) -> list[str]:
    big = rows.get(("combined", "20+"))
    lines = ["", "## Требования (реальные данные)", "", "| Требование | Получено | Выполнено |", "|---|---|---|"]
    if big and big["auc"] is not None:
        lines.append(
            f"| AUC сочетания (≥ 20 участников) ≥ 0,85 | {big['auc']:.3f} | {'да' if big['auc'] >= REAL_AUC_BAR else 'нет'} |"
        )
    for kind in REAL_KINDS:
        for subset, label in ((kind, ""), (big_subset(kind), ", ≥ 20")):
            mine = rows.get(("combined", subset), {}).get("auc")
            crude = {m: rows.get((m, subset), {}).get("auc") for m in CRUDE_METHODS}
            crude = {m: v for m, v in crude.items() if v is not None and not math.isnan(v)}
            if mine is None or math.isnan(mine) or not crude:
                continue
            best = max(crude, key=lambda m: crude[m])
            ok = mine >= crude[best]
            lines.append(
                f"| {kind}{label}: сочетание не ниже лучшей грубой ({CRUDE_TITLES[best]}, {crude[best]:.3f}) "
                f"| {mine:.3f} | {'да' if ok else 'нет'} |"
            )
    return lines


def _fpr_line(fprs: list[dict], bands: list[str]) -> list[str]:
    if not fprs:
        return []
    values = " | ".join(f"{np.nanmean([f[b] for f in fprs]):.4f}" for b in bands)
    return [
        "",
        "## Сочетание: доля отмеченных среди ОО × работ без внедрения (прогоны с внедрением)",
        "",
        "| " + " | ".join(bands) + " |",
        "|" + "---|" * len(bands),
        f"| {values} |",
    ]


def _percent(value: float | None, bar: float | None = None) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "—"
    text = f"{100 * value:.1f}"
    return f"**{text}**" if bar is not None and value > bar else text


def _calibration(layers: list[str], run: RealRun) -> list[str]:
    """Per file and layer on the un-injected files: p < 0.05 / p < 0.001 (bold above the bars), and flags."""
    per_file = null_shares(run.everything, layers, by=TEST_KEY)
    overall = null_shares(run.everything, layers)
    chosen = null_shares(run.clean, layers)
    lines = [
        "",
        "## Калибровка на реальных файлах без внедрения",
        "",
        "Доля ОО × работ (из тех, где слой дал p), у которых p < 0,05 / p < 0,001, в процентах; сочетание — доля "
        "отмеченных. Требования: каждый слой ≤ 10 % при p < 0,05 и ≤ 1 % при p < 0,001; сочетание отмечает ≤ 5 %. "
        "Жирным — превышение. Все файлы прочитаны и проанализированы вместе, как `objectivity analyze` их читает; "
        "строка «только файлы с внедрением» — отдельный прогон по ним (так считается и доля отмеченных сочетанием в прогонах с внедрением).",
    ]
    for suffix, heading in (("", "Все ОО × работы"), ("_20", "ОО × работы с ≥ 20 участниками")):
        lines += ["", f"### {heading}", ""]
        lines += ["| Файл | ОО × работ | " + " | ".join(LAYER_TITLES[n] for n in layers) + " | Сочетание: отмечено |"]
        lines.append("|---|---|" + "---|" * (len(layers) + 1))
        groups = [(_test_label(item, run.names), frame) for item, frame in _by_test(per_file)]
        if len(run.all_files) > 1:
            groups.append((f"Все {len(run.all_files)} файлов вместе", overall))
        if len(run.files) < len(run.all_files):
            groups.append((f"Только файлы с внедрением ({len(run.files)}), отдельный прогон", chosen))
        for name, frame in groups:
            lines.append(_calibration_row(name, frame, layers, suffix))
    lines += _misses(per_file, layers, run)
    return lines


def _by_test(shares: pl.DataFrame) -> list[tuple[dict, pl.DataFrame]]:
    out = []
    for frame in shares.partition_by(TEST_KEY, maintain_order=True):
        out.append(({k: frame[k][0] for k in TEST_KEY}, frame))
    return sorted(out, key=lambda item: (item[0]["subject"], item[0]["grade"]))


def _test_label(key: dict, names: dict) -> str:
    """«Математика, 6 класс» of a test, or its file name when the subject code is not known."""
    subject = SUBJECT_BY_CODE.get(str(key["subject"]))
    if subject is None:
        return str(names.get(tuple(key[k] for k in TEST_KEY), key["subject"]))
    return f"{subject.name}, {key['grade']} класс"


def _calibration_row(name: str, frame: pl.DataFrame, layers: list[str], suffix: str) -> str:
    by_layer = {item["layer"]: item for item in frame.to_dicts()}
    cells = []
    for layer in layers:
        item = by_layer.get(layer, {})
        cells.append(
            f"{_percent(item.get('p05' + suffix), NULL_BARS['p05'])} / {_percent(item.get('p001' + suffix), NULL_BARS['p001'])}"
        )
    combined = by_layer.get("combined", {})
    count = combined.get("count" + suffix, "—")
    flag = _percent(combined.get("flag" + suffix), FLAG_BAR)
    return f"| {name} | {count} | " + " | ".join(cells) + f" | {flag} |"


def _misses(per_file: pl.DataFrame, layers: list[str], run: RealRun) -> list[str]:
    """In words: per layer, the files where it misses a bar (all school × tests)."""
    lines = ["", "### Где требования не выполнены (все ОО × работы)", ""]
    files = len(run.all_files)
    for layer in [*layers, "combined"]:
        items = per_file.filter(pl.col("layer") == layer).to_dicts()
        if layer == "combined":
            over = [i for i in items if (i.get("flag") or 0) > FLAG_BAR]
            worst = max((i.get("flag") or 0 for i in items), default=0.0)
            lines.append(
                f"- Сочетание: отмечает больше 5 % в {len(over)} из {files} файлов (наибольшая доля {_percent(worst)} %)."
            )
            continue
        over05 = [i for i in items if (i.get("p05") or 0) > NULL_BARS["p05"]]
        over001 = [i for i in items if (i.get("p001") or 0) > NULL_BARS["p001"]]
        worst05 = max((i.get("p05") or 0 for i in items), default=0.0)
        worst001 = max((i.get("p001") or 0 for i in items), default=0.0)
        lines.append(
            f"- {LAYER_TITLES[layer]}: p < 0,05 чаще 10 % в {len(over05)} из {files} файлов "
            f"(наибольшая доля {_percent(worst05)} %); p < 0,001 чаще 1 % в {len(over001)} "
            f"(наибольшая {_percent(worst001)} %)."
        )
    return lines


def _histograms(layers: list[str], rows: pl.DataFrame) -> list[str]:
    edges = [f"{lo:g}–{hi:g}" for lo, hi in zip(P_BINS[:-1], P_BINS[1:], strict=True)]
    lines = [
        "",
        "## Гистограммы p-значений на реальных файлах без внедрения",
        "",
        "Плотность p-значений, делённая на равномерную (1 — как при верной нулевой модели), по интервалам p; "
        "все файлы вместе, все ОО × работы, где слой дал p.",
        "",
        "| Слой | ОО × работ | " + " | ".join(edges) + " |",
        "|---|---|" + "---|" * len(edges),
    ]
    for name in [*layers, "combined"]:
        column = f"p_{name}"
        if column not in rows.columns:
            continue
        p = rows[column].cast(pl.Float64).fill_nan(None).drop_nulls().to_numpy()
        title = LAYER_TITLES.get(name, "Сочетание (p сочетания)")
        lines.append(f"| {title} | {p.size} | " + " | ".join(f"{v:.2f}" for v in pvalue_histogram(p)) + " |")
    return lines


def save_rows(folder: Path, seed: int, rows: pl.DataFrame, command: str = "") -> None:
    """One injection seed's school × test rows as `seed-<n>.parquet` (derived figures, no pupil rows), and the
    command that analysed them (`command.txt`, read back by --from-rows into the weights' provenance)."""
    folder.mkdir(parents=True, exist_ok=True)
    rows.write_parquet(folder / f"seed-{seed}.parquet")
    if command:
        (folder / "command.txt").write_text(f"{command} --save-rows {folder}\n", encoding="utf-8")


def load_rows(folder: Path) -> dict[int, pl.DataFrame]:
    """The rows kept by `save_rows`, by seed."""
    found = {int(p.stem.split("-", 1)[1]): pl.read_parquet(p) for p in folder.glob("seed-*.parquet")}
    if not found:
        raise CommandError(_("No seed-<n>.parquet in %(path)s") % {"path": folder})
    return dict(sorted(found.items()))


WEIGHT_SUBSETS = ("all", "20+", *REAL_KINDS, *(big_subset(k) for k in REAL_KINDS))


def weights_section(validation: HeldOut, fit: Fit, adopted: bool, reason: str, meta: dict) -> list[str]:
    """The held-out comparison of equal and learned layer weights, in markdown."""
    summary = {(r["check"], r["weights"], r["subset"]): r for r in validation.summary().to_dicts()}
    penalty = f"{PENALTY:g}".replace(".", ",")
    lines = [
        "",
        "## Веса слоёв в сочетании: равные и подобранные, на отложенных данных",
        "",
        "Веса слоёв во взвешенном гармоническом среднем p подобраны на p-значениях слоёв тех же прогонов с "
        "внедрением (реальные выгрузки; слои при подборе не пересчитываются): цель — среднее по видам искажения "
        "AUC, поиск по координатам весов softmax(θ) с притяжением к равным весам (штраф "
        f"{penalty} × KL). Проверка на данных, на которых веса не подбирались: «другие засевы» — веса "
        "подобраны на половине засевов внедрения, AUC — на другой половине; «другие работы» — веса подобраны "
        "по другому предмету и на другой половине засевов, AUC — по этому предмету. Среднее по засевам, в "
        "скобках — наименьшее и наибольшее; «разница» — подобранные минус равные в том же засеве (в скольких "
        "засевах подобранные выше).",
        f"Подбор: {meta['date']}, коммит `{meta['commit']}`, команда `{meta['command']}`.",
    ]
    for check, title in CHECKS.items():
        lines += ["", f"### {title}", "", "| Подмножество | Равные веса | Подобранные | Разница (засевов выше) |"]
        lines.append("|---|---|---|---|")
        for subset in WEIGHT_SUBSETS:
            equal, learned = summary.get((check, "equal", subset)), summary.get((check, "learned", subset))
            if not equal or not learned or equal["auc"] is None:
                continue
            diff = (
                f"{learned['diff']:+.3f} ({learned['diff_min']:+.2f}…{learned['diff_max']:+.2f}; "
                f"{learned['wins']} из {learned['seeds']})"
                if learned["diff"] is not None
                else "—"
            )
            name = "все" if subset == "all" else "≥ 20 участников" if subset == "20+" else subset
            lines.append(f"| {name} | {cell(equal, 'auc')} | {cell(learned, 'auc')} | {diff} |")
    fits = "; ".join(
        f"{item.check}, половина {item.fold + 1}, подобраны по {item.trained}: "
        + ", ".join(f"{k} {v:.2f}" for k, v in item.weights.items())
        for item in validation.fits
    )
    final = ", ".join(f"{k} {v:.2f}" for k, v in fit.weights.items())
    verdict = (
        "Подобранные веса приняты по умолчанию: на обеих проверках они выше равных."
        if adopted
        else "Подобранные веса не приняты, сочетание остаётся с равными весами: на отложенных данных они не выше равных."
    )
    lines += [
        "",
        f"Веса по всем засевам и работам (1 — равная доля): {final}; среднее по видам AUC на тех же данных "
        f"{fit.score:.3f} против {fit.equal_score:.3f} у равных весов.",
        f"Веса по половинам: {fits}.",
        f"{verdict} Правило: среднее по отложенным засевам AUC по видам и AUC по всем ОО × работам выше равных "
        f"весов на обеих проверках ({reason}).",
    ]
    return lines
