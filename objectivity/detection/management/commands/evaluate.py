"""`objectivity evaluate`: how well detection finds injected manipulation.

Two parts of docs/detection-quality.md, each written by its own run and kept when the other is rewritten:
- `--real PATH...`: real ФИС ОКО exports as the background (objectivity.analysis.real_inject), the product's
  own analysis (`analyse`, as `objectivity analyze`), the ФИОКО markers and crude statistics in the same run,
  and the calibration of every layer on the un-injected files. It goes first, between REAL_BEGIN and REAL_END;
- without `--real`: generated regions (objectivity.analysis.evaluate.school_tests), the rest of the file.
"""

import datetime
import time
from pathlib import Path

import numpy as np
import polars as pl
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from objectivity.analysis.evaluate import (
    CRUDE_METHODS,
    calibration,
    fairness,
    false_positive_rates,
    layers_with_p,
    real_rows,
    results_of,
    school_tests,
    summarise,
    test_key,
)
from objectivity.analysis.evidence_layers import OVERSIGHT, available
from objectivity.analysis.export_format import TestName, parse_test_name
from objectivity.analysis.parameters import PUBLISHED
from objectivity.analysis.real_inject import inject_real, region_hardest
from objectivity.analysis.weight_fit import (
    adopt,
    fit_weights,
    held_out,
    prepare,
    write_weights,
)
from objectivity.analysis.weights import combination_method
from objectivity.core.jobs import terminal_progress
from objectivity.detection.files import FileSet, read_files
from objectivity.detection.pipeline import analyse, progress_step
from objectivity.detection.quality_doc import commit_hash, fairness_section, merge_document, report, uncommitted
from objectivity.detection.quality_real import RealRun, load_rows, real_report, save_rows, weights_section
from objectivity.results.readers import FileRejected

READABLE = (".xlsx", ".xls", ".csv")


class Command(BaseCommand):
    help = (
        "Проверить, насколько хорошо расчёт признаков находит внесённые искажения (METHODS.md §3): на реальных "
        "выгрузках ФИС ОКО как фоне (--real) или на учебных регионах."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--seeds", type=int, default=5, help="число прогонов с разными начальными значениями генератора"
        )
        parser.add_argument("--schools", type=int, default=600, help="учебные регионы: число ОО в регионе")
        parser.add_argument(
            "--out", type=Path, default=None, help="файл markdown (по умолчанию docs/detection-quality.md)"
        )
        parser.add_argument(
            "--real",
            nargs="+",
            type=Path,
            default=None,
            metavar="PATH",
            help="реальные выгрузки ФИС ОКО (файлы или каталоги): в них вносятся искажения и по ним калибруются слои "
            "вместо учебных регионов",
        )
        parser.add_argument(
            "--subjects",
            default="ru,ma",
            help="--real: коды предметов файлов, в которые вносятся искажения (all — все файлы)",
        )
        parser.add_argument(
            "--grades", default="", help="--real: классы файлов, в которые вносятся искажения (пусто — все)"
        )
        parser.add_argument("--reference", type=Path, default=None, help="--real: каталог работ (YAML)")
        parser.add_argument(
            "--save-rows",
            type=Path,
            default=None,
            metavar="DIR",
            help="--real: сохранить строки ОО × работа каждого прогона с искажениями (p-значения слоёв, внесённые "
            "искажения) в Parquet в каталоге DIR",
        )
        parser.add_argument(
            "--fit-weights",
            type=Path,
            default=None,
            metavar="OUT.yaml",
            help="--real: подобрать веса слоёв в их сочетании по прогонам с искажениями, проверить их на отложенных "
            "прогонах и работах и записать в OUT.yaml (принимаются, только если лучше равных весов; система читает "
            "objectivity/analysis/data/combine_weights.yaml)",
        )
        parser.add_argument(
            "--from-rows",
            type=Path,
            default=None,
            metavar="DIR",
            help="вместе с --fit-weights: подбирать веса по строкам, сохранённым --save-rows в каталоге DIR, "
            "без повторного расчёта",
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
        files, found, picked = self._read_real(paths, options)
        frames = [found.frames[i] for i in picked]
        runs = 1 + seeds + (len(picked) < len(files))
        analysed = _Analysis(found, terminal_progress(self.stderr), runs)
        clean = analysed.rows(frames, _("Without injection"), None)
        everything = clean
        if len(picked) < len(files):
            everything = analysed.rows(found.frames, _("All files, without injection"), None)
        layers = layers_with_p(everything, [name for name in available() if name not in OVERSIGHT])
        command = _command_line(paths, seeds, options)
        per_seed, truths, fprs, seed_rows = [], [], [], []
        for seed in range(1, seeds + 1):
            injected, truth = inject_real(frames, found.infos, seed)
            rows = analysed.rows(injected, _("Injection %(n)d of %(total)d") % {"n": seed, "total": seeds}, truth)
            per_seed.append(results_of(rows, layers, CRUDE_METHODS))
            seed_rows.append(rows)
            truths.append(truth)
            fprs.append(false_positive_rates(rows))
            if options.get("save_rows"):
                save_rows(options["save_rows"], seed, rows, command)
        analysed.progress(100, "")
        fitted = self._fit(dict(enumerate(seed_rows, start=1)), command, options) if options.get("fit_weights") else []
        context = RealRun(
            files=[files[i].name for i in picked],
            all_files=[p.name for p in files],
            names={test_key(frame): path.name for path, frame in zip(files, found.frames, strict=True)},
            seeds=seeds,
            clean=clean,
            everything=everything,
            truths=truths,
            fprs=fprs,
            seconds=time.monotonic() - started,
            command=command,
            method=method,
            hard_last=sum(
                _hard_is_last(frame, found.infos[test_key(frame)]) for frame in frames if not frame.is_empty()
            ),
        )
        return real_report(summarise(per_seed), layers, context) + "\n".join(fitted)

    def _read_real(self, paths: list[Path], options: dict) -> tuple[list[Path], FileSet, list[int]]:
        """Every export given (for the calibration), and which of them are injected into (--subjects, --grades)."""
        files = real_files(paths)
        subjects = {s.strip() for s in str(options["subjects"]).split(",") if s.strip()}
        grades = {int(g) for g in str(options["grades"]).split(",") if g.strip()}
        picked = [index for index, path in enumerate(files) if _wanted(path, subjects, grades)]
        if not picked:
            raise CommandError(_("No file among the given ones is of the subjects and grades asked for"))
        progress = terminal_progress(self.stderr)
        progress(1, _("Reading the files"))
        try:
            step = progress_step(progress, 1, 10, _("Reading"))
            found = read_files(files, hint=TestName(), reference=options.get("reference"), progress=step)
        except FileRejected as exc:
            raise CommandError(str(exc)) from exc
        return files, found, picked

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
            "commit": commit_hash() + (" (uncommitted changes)" if uncommitted() else ""),
            "command": command,
            "seeds": len(per_seed),
            "school_tests": int(data.kind.size / max(1, len(per_seed))),
            "subjects": sorted(set(data.subject.tolist())),
        }
        write_weights(options["fit_weights"], fit, validation, adopted, reason, meta)
        self.stderr.write(_("Weights written: %(path)s") % {"path": options["fit_weights"]})
        return weights_section(validation, fit, adopted, reason, meta)


class _Analysis:
    """The product's analysis of the real frames (as `objectivity analyze`), run after run, moving one progress bar."""

    def __init__(self, found: FileSet, progress, runs: int) -> None:
        self.found, self.progress, self.runs, self.done = found, progress, runs, 0
        self.params = PUBLISHED

    def rows(self, frames: list[pl.DataFrame], label: str, truth: pl.DataFrame | None) -> pl.DataFrame:
        """School × test rows of one run: layer p-values, the combination, ФИОКО, crude statistics, the truth."""
        low, high = 10 + 90 * self.done // self.runs, 10 + 90 * (self.done + 1) // self.runs
        step = progress_step(self.progress, low, high, label)
        findings = analyse(frames, _max_totals(self.found, frames), self.params, self.found.infos, step=step)
        self.done += 1
        return real_rows(findings, frames, self.found.infos, truth)


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


def _hard_is_last(frame: pl.DataFrame, info) -> bool:
    columns = len(info.column_max)
    return sorted(region_hardest(frame, info).tolist()) == [columns - 2, columns - 1]


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
