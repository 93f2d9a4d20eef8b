"""Benchmark on real exports: grades 6-8 Russian and maths of one region (ВПР 2021), XLSX to findings.

Run from the project root (needs `../shared/real/`, which only developers and CI have):

    .venv/bin/python bench/real_speed.py             # 3 rounds
    .venv/bin/python bench/real_speed.py --rounds 1

Each round, in one process:
  baseline  polars.read_excel(path) of each of the 6 files (the bar's reference);
  analyze   the path of `objectivity analyze` with the shipped reference data (the official 2021
            descriptions): read and check every row, ФИОКО markers, every evidence layer, their
            combination, findings.csv and report.html written; the time of each layer is printed too.
Medians over the rounds; bar (issue 10): analyze ≤ 3 × baseline. Exit code 0 when it holds, and when the
real exports are absent (it says so).
"""

import argparse
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from detection_speed import PROJECT_DIR, rounds_against_read_excel, setup_django  # noqa: E402

REAL = PROJECT_DIR.parent / "shared" / "real" / "results-2021"
NAMES = [
    f"Проведение работы по {s}, {g} класс. ВПР 2021.xlsx" for g in (6, 7, 8) for s in ("русскому языку", "математике")
]


def analyze(paths: list[Path], out: Path, timings: dict[str, float]):
    """What `objectivity analyze FILES --out DIR` does, in process, with each layer timed."""
    from objectivity.analysis.export_format import TestName
    from objectivity.analysis.parameters import PUBLISHED
    from objectivity.detection import pipeline
    from objectivity.detection.files import read_files
    from objectivity.detection.pipeline import analyse, write_findings_csv
    from objectivity.detection.report import render_report

    found = read_files(paths, hint=TestName(), reference=None)
    original = pipeline.available
    pipeline.available = lambda: {name: _timed(name, layer, timings) for name, layer in original().items()}
    try:
        findings = analyse(found.frames, found.max_totals, PUBLISHED, found.infos)
    finally:
        pipeline.available = original
    write_findings_csv(findings, out / "findings.csv")
    (out / "report.html").write_text(render_report(findings, works=found.works, notes=found.notes), encoding="utf-8")
    return sum(f.height for f in found.frames), findings


def _timed(name, layer, timings):
    def run(*args, **kwargs):
        start = time.perf_counter()
        try:
            return layer(*args, **kwargs)
        finally:
            timings[name] += time.perf_counter() - start

    return run


def run(rounds: int) -> int:
    paths = [REAL / name for name in NAMES]
    if not all(p.is_file() for p in paths):
        print(f"skipped: the real exports are absent ({REAL})")
        return 0
    with tempfile.TemporaryDirectory(prefix="objectivity-bench-") as tmp:
        setup_django(Path(tmp))

        def analyze_once():
            timings: dict[str, float] = defaultdict(float)
            rows, findings = analyze(paths, Path(tmp), timings)
            layers = ", ".join(f"{k} {v:.1f}" for k, v in sorted(timings.items(), key=lambda kv: -kv[1]))
            return rows, findings, f"   (layers, s: {layers})"

        return rounds_against_read_excel(paths, analyze_once, rounds)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    return run(parser.parse_args().rounds)


if __name__ == "__main__":
    sys.exit(main())
