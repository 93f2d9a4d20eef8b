"""`objectivity evaluate`: how well detection finds injected manipulation.

Two parts of docs/detection-quality.md, each written by its own run and kept when the other is rewritten:
- `--real PATH...`: real ФИС ОКО exports as the background (objectivity.analysis.real_inject), the product's
  own analysis (`analyse`, as `objectivity analyze`), the ФИОКО markers and crude statistics in the same run,
  and the calibration of every layer on the un-injected files. It goes first, between REAL_BEGIN and REAL_END;
- without `--real`: generated regions (objectivity.analysis.evaluate.school_tests), the rest of the file.
"""

import datetime
import math
import subprocess
import time
from pathlib import Path

import numpy as np
import polars as pl
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from objectivity.analysis.crude import CRUDE_RANK
from objectivity.analysis.evaluate import (
    CRUDE_METHODS,
    KINDS,
    P_BINS,
    TEST_KEY,
    big_subset,
    calibration,
    cell,
    fairness,
    false_positive_rates,
    layers_with_p,
    null_shares,
    pvalue_histogram,
    real_rows,
    results_of,
    school_tests,
    summarise,
    test_key,
)
from objectivity.analysis.layers import LAYER_TITLES, OVERSIGHT, available
from objectivity.analysis.layout import SUBJECT_BY_CODE, TestName, parse_test_name
from objectivity.analysis.markers.base import SIZE_BANDS, size_band
from objectivity.analysis.real_inject import KINDS as REAL_KINDS
from objectivity.analysis.real_inject import hardest_columns, inject_real
from objectivity.analysis.russian import decimal
from objectivity.analysis.weight_fit import (
    CHECKS,
    PENALTY,
    Fit,
    HeldOut,
    adopt,
    fit_weights,
    held_out,
    prepare,
    write_weights,
)
from objectivity.analysis.weights import EQUAL_METHOD, combination_method
from objectivity.core.jobs import terminal_progress
from objectivity.detection.files import FileSet, read_files
from objectivity.detection.pipeline import analyse, progress_step
from objectivity.detection.thresholds import defaults, params_of
from objectivity.results.layouts import body, detect
from objectivity.results.normalise import Rules, normalise
from objectivity.results.readers import FileRejected, read_raw

REAL_BEGIN = "<!-- evaluate --real: begin (rewritten by `objectivity evaluate --real`) -->"
REAL_END = "<!-- evaluate --real: end -->"
READABLE = (".xlsx", ".xls", ".csv")


class Command(BaseCommand):
    help = (
        "Evaluate detection with injected manipulation (METHODS.md §3): on real exports as the background "
        "(--real), or on generated regions."
    )

    def add_arguments(self, parser):
        parser.add_argument("--seeds", type=int, default=5)
        parser.add_argument("--schools", type=int, default=600, help="generated regions: schools per region")
        parser.add_argument("--out", type=Path, default=None, help="markdown file (default: docs/detection-quality.md)")
        parser.add_argument(
            "--real",
            nargs="+",
            type=Path,
            default=None,
            metavar="PATH",
            help="real ФИС ОКО exports (files or folders): injected into, and calibrated on, instead of generated regions",
        )
        parser.add_argument(
            "--subjects", default="ru,ma", help="--real: subject codes of the files injected into (all: every file)"
        )
        parser.add_argument("--grades", default="", help="--real: grades of the files injected into (empty: all)")
        parser.add_argument("--reference", type=Path, default=None, help="--real: catalogue of works (YAML)")
        parser.add_argument(
            "--save-rows",
            type=Path,
            default=None,
            metavar="DIR",
            help="--real: keep each injection seed's school × test rows (layer p-values, truth) as Parquet in DIR",
        )
        parser.add_argument(
            "--fit-weights",
            type=Path,
            default=None,
            metavar="OUT.yaml",
            help="--real: fit the layer weights of the combination on the injected runs, validate them on held-out "
            "injections and tests, and write them to OUT.yaml (adopted only if they beat equal weights; the "
            "product reads objectivity/analysis/data/combine_weights.yaml)",
        )
        parser.add_argument(
            "--from-rows",
            type=Path,
            default=None,
            metavar="DIR",
            help="with --fit-weights: fit on the rows kept by --save-rows in DIR instead of analysing again",
        )

    def handle(self, *args, seeds: int, schools: int, out: Path | None, real: list[Path] | None, **options):
        target = out or settings.BASE_DIR.parent / "docs" / "detection-quality.md"
        if options.get("from_rows"):
            if not options.get("fit_weights"):
                raise CommandError(_("--from-rows needs --fit-weights"))
            stored = load_rows(options["from_rows"])
            text = "\n".join(self._fit(stored, f"--from-rows {options['from_rows']}", options))
            self.stdout.write(text)
            return
        if real:
            text = self._real(real, seeds, options)
            self._write(target, real=text)
            return
        layers = {name: layer for name, layer in available().items() if name not in OVERSIGHT}  # no records here
        progress = terminal_progress(self.stderr)
        per_seed, fprs, calib, fair = [], [], [], []
        for seed in range(1, seeds + 1):
            progress(int(100 * (seed - 1) / seeds), _("Region %(n)d of %(total)d") % {"n": seed, "total": seeds})
            rows = school_tests(seed, schools, layers)
            per_seed.append(results_of(rows, list(layers)))
            if layers:
                fprs.append(false_positive_rates(rows))
                fair.append(fairness(rows))
                positive = rows["kind"].is_not_null().to_numpy()
                probability, low, high = (
                    rows[c].to_numpy() for c in ("probability", "probability_low", "probability_high")
                )
                quiet = np.nan_to_num(probability, nan=0.0) < 0.1
                calib.append((*calibration(probability, low, high, positive), float(positive[quiet].mean())))
        progress(100, "")
        text = report(summarise(per_seed), fprs, calib, list(layers), seeds, schools) + fairness_section(fair)
        self._write(target, generated=text)

    def _write(self, target: Path, *, real: str | None = None, generated: str | None = None) -> None:
        existing = target.read_text(encoding="utf-8") if target.is_file() else ""
        text = merge_document(existing, real=real, generated=generated)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        self.stdout.write(real if real is not None else generated or "")
        self.stdout.write(_("Written: %(path)s") % {"path": target})

    def _real(self, paths: list[Path], seeds: int, options: dict) -> str:
        started = time.monotonic()
        method = combination_method()  # before a --fit-weights of this run rewrites the weights file
        files = real_files(paths)
        subjects = {s.strip() for s in str(options["subjects"]).split(",") if s.strip()}
        grades = {int(g) for g in str(options["grades"]).split(",") if g.strip()}
        chosen = [f for f in files if _wanted(f, subjects, grades)]
        if not chosen:
            raise CommandError(_("No file among the given ones is of the subjects and grades asked for"))
        progress = terminal_progress(self.stderr)
        progress(1, _("Reading the files"))
        try:
            found = read_files(
                files,
                hint=TestName(),
                reference=options.get("reference"),
                progress=progress_step(progress, 1, 10, _("Reading")),
            )
        except FileRejected as exc:
            raise CommandError(str(exc)) from exc
        names = {test_key(frame): path.name for path, frame in zip(files, found.frames, strict=True)}
        picked = [index for index, path in enumerate(files) if path in chosen]
        frames = [found.frames[i] for i in picked]
        variants = [_variants(files[i], found.frames[i]) for i in picked]
        params = params_of(defaults())
        names_all = [name for name in available() if name not in OVERSIGHT]
        runs = 1 + seeds + (len(picked) < len(files))

        def run(frames_now: list[pl.DataFrame], label: str, done: int) -> pl.DataFrame:
            step = progress_step(progress, 10 + 90 * done // runs, 10 + 90 * (done + 1) // runs, label)
            findings = analyse(frames_now, _max_totals(found, frames_now), params, found.infos, step=step)
            return findings

        clean = real_rows(run(frames, _("Without injection"), 0), frames, found.infos, None)
        everything = clean
        if len(picked) < len(files):
            everything = real_rows(
                run(found.frames, _("All files, without injection"), 1), found.frames, found.infos, None
            )
        layers = layers_with_p(everything, names_all)
        per_seed, truths, fprs, seed_rows = [], [], [], []
        for seed in range(1, seeds + 1):
            injected, truth = inject_real(frames, found.infos, seed, variants=variants)
            label = _("Injection %(n)d of %(total)d") % {"n": seed, "total": seeds}
            rows = real_rows(run(injected, label, runs - seeds + seed - 1), injected, found.infos, truth)
            per_seed.append(results_of(rows, layers, CRUDE_METHODS))
            seed_rows.append(rows)
            if options.get("save_rows"):
                save_rows(options["save_rows"], seed, rows, _command_line(paths, seeds, options))
            truths.append(truth)
            fprs.append(false_positive_rates(rows))
        progress(100, "")
        fitted = []
        if options.get("fit_weights"):
            fitted = self._fit(dict(enumerate(seed_rows, start=1)), _command_line(paths, seeds, options), options)
        context = RealRun(
            files=[files[i].name for i in picked],
            all_files=[p.name for p in files],
            names=names,
            seeds=seeds,
            clean=clean,
            everything=everything,
            truths=truths,
            fprs=fprs,
            seconds=time.monotonic() - started,
            command=_command_line(paths, seeds, options),
            method=method,
            hard_last=sum(_hard_is_last(found.infos[test_key(frame)]) for frame in frames if not frame.is_empty()),
        )
        return real_report(summarise(per_seed), layers, context) + "\n".join(fitted)

    def _fit(self, per_seed: dict[int, pl.DataFrame], command: str, options: dict) -> list[str]:
        """Fit the layer weights on the injected runs' rows, validate on held-out data, write the YAML; the
        report section in markdown lines."""
        first = next(iter(per_seed.values()))
        layers = layers_with_p(first, [name for name in available() if name not in OVERSIGHT])
        data = prepare(per_seed, layers)
        validation = held_out(data, layers)
        fit = fit_weights(data, layers)
        adopted, reason = adopt(validation)
        if command.startswith("--from-rows"):
            kept = options["from_rows"] / "command.txt"
            analysed = kept.read_text(encoding="utf-8").strip() + "; " if kept.is_file() else ""
            command = f"{analysed}objectivity evaluate --fit-weights {options['fit_weights']} {command}"
        else:
            command += f" --fit-weights {options['fit_weights']}"
        meta = {
            "date": f"{datetime.date.today():%Y-%m-%d}",
            "commit": _commit() + (" (uncommitted changes)" if _dirty() else ""),
            "command": command,
            "seeds": len(per_seed),
            "school_tests": int(data.kind.size / max(1, len(per_seed))),
            "subjects": sorted(set(data.subject.tolist())),
        }
        write_weights(options["fit_weights"], fit, validation, adopted, reason, meta)
        self.stderr.write(_("Weights written: %(path)s") % {"path": options["fit_weights"]})
        return weights_section(validation, fit, adopted, reason, meta)


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


def real_files(paths: list[Path]) -> list[Path]:
    """The export files given, folders read for their workbooks and CSV files (sorted by name)."""
    out: list[Path] = []
    for path in paths:
        if path.is_dir():
            out += sorted(p for p in path.iterdir() if p.suffix.lower() in READABLE and not p.name.startswith("~$"))
        elif path.is_file():
            out.append(path)
        else:
            raise CommandError(_("File not found: %(names)s") % {"names": path})
    if not out:
        raise CommandError(_("No export file (xlsx, xls, csv) among the given paths"))
    return list(dict.fromkeys(out))


def _wanted(path: Path, subjects: set[str], grades: set[int]) -> bool:
    name = parse_test_name(path.stem)
    return ("all" in subjects or not subjects or name.subject in subjects) and (not grades or name.grade in grades)


def _variants(path: Path, frame: pl.DataFrame) -> pl.Series | None:
    """The variant of each row of a file's frame (the analysis drops it; copying keeps within a variant)."""
    sheet = read_raw(path, path.name)
    layout = detect(sheet)
    checked = normalise(
        body(sheet, layout), layout, Rules(region_code=None, task_max=[t.max for t in layout.tasks], max_total=None)
    )
    if "variant" not in checked.pupils.columns:
        return None
    rows = frame.select("source_row").join(
        checked.pupils.select("source_row", "variant"), on="source_row", how="left", maintain_order="left"
    )
    return rows["variant"]


def _hard_is_last(info) -> bool:
    columns = len(info.column_max)
    return sorted(hardest_columns(info).tolist()) == [columns - 2, columns - 1]


def _dirty() -> str:
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


def _max_totals(found: FileSet, frames: list[pl.DataFrame]) -> dict:
    keys = {test_key(frame) for frame in frames if not frame.is_empty()}
    return {key: value for key, value in found.max_totals.items() if key in keys}


def _command_line(paths: list[Path], seeds: int, options: dict) -> str:
    parts = ["objectivity evaluate --real", *(str(p) for p in paths), f"--seeds {seeds}"]
    if options.get("subjects") != "ru,ma":
        parts.append(f"--subjects {options['subjects']}")
    if options.get("grades"):
        parts.append(f"--grades {options['grades']}")
    return " ".join(parts)


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


AUC_BAR, TPR_BAR, COVERAGE_BAR = 0.95, 0.8, (0.85, 0.95)  # the issue's bars for the combination
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
    lines = _heading(seeds, schools) + _overall(rows, methods)
    lines += _by_column(rows, methods, "AUC по видам искажения", list(KINDS))
    lines += _by_column(rows, methods, "AUC по числу участников", bands)
    big = [big_subset(kind) for kind in KINDS]
    lines += _by_column(rows, methods, "AUC по видам искажения, ОО × работы с ≥ 20 участниками", big)
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
        f"Получено командой `objectivity evaluate --seeds {seeds} --schools {schools}`, {datetime.date.today():%d.%m.%Y}, коммит `{_commit()}`.",
        "Сценарий METHODS.md §3: две весны, 4-5 классы, русский язык и математика; 8 % ОО с одним видом искажения",
        f"в одной работе ({', '.join(KINDS)}). Единица — ОО × работа. Среднее по {seeds} регионам, в скобках — наименьшее и наибольшее.",
    ]


def _overall(rows: dict, methods: list[str], titles: dict | None = None) -> list[str]:
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


def _by_column(
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


def _commit() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, cwd=settings.BASE_DIR, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "—"


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


# ---- the real-data part ------------------------------------------------------------------------------

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
    lines += _overall(rows, methods, titles)
    lines += _by_column(rows, methods, "AUC по видам искажения", list(REAL_KINDS), titles)
    lines += _by_column(
        rows,
        methods,
        "AUC по видам искажения, ОО × работы с ≥ 20 участниками",
        [big_subset(k) for k in REAL_KINDS],
        titles,
    )
    lines += _by_column(rows, methods, "AUC по числу участников", bands, titles)
    lines += _by_column(rows, methods, "TPR при FPR = 1 % по видам искажения", list(REAL_KINDS), titles, "tpr")
    lines += _by_column(rows, methods, "Точность при k по видам искажения", list(REAL_KINDS), titles, "precision")
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
        f"{datetime.date.today():%d.%m.%Y}, коммит `{_commit()}`{_dirty()}, команда `{run.command}` "
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
        f"Самые трудные задания для hard — по уровню из справочных данных (В, затем П, при равенстве — более поздние); "
        f"в {run.hard_last} из {len(run.files)} работ это два последних оцениваемых задания, ровно те, что читает "
        "грубая статистика «последние два задания», так что её результат на hard отчасти задан построением.",
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
