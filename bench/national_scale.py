"""Benchmark: detection on national-scale data, 15 million pupil rows, within 10 minutes and 8 GB.

Run from the project root:

    .venv/bin/python bench/national_scale.py                 # 55,000 schools, ≈ 15,000,000 rows
    .venv/bin/python bench/national_scale.py --schools 5000  # a quick look (≈ 1,360,000 rows)

The country is generated once by `objectivity.analysis.synth` (spring 2025, grades 4-8, Russian and maths:
10 tests; fixed seed) and written as the regional export's CSV form, one file per test, with the works'
reference.yaml; the files are cached in the temp dir (≈ 2.6 GB for the full size). Then, each in its own
process, so the figures are that process's alone:
  baseline  polars.read_csv of every file (the ratio's reference, measured in the same run);
  analyze   `objectivity analyze FILES --reference reference.yaml --out DIR`: every row read and checked,
            ФИОКО markers, every evidence layer, the combination, findings.csv and report.html.
Prints wall time and peak resident memory of each, and which layers gave p-values.
Bars (issue 5): analyze ≤ 600 s and ≤ 8 GB peak. Exit code 0 when both hold.
"""

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PYTHON = sys.executable
SECONDS_BAR, MEMORY_BAR_GB = 600, 8.0

GENERATE = """
import sys
from pathlib import Path
import yaml
from objectivity.analysis.export_format import regional_file_name
from objectivity.analysis.synth import default_tests, generate_region
from objectivity.analysis.synth_write import reference_document, regional_cells
folder, schools = Path(sys.argv[1]), int(sys.argv[2])
tests = default_tests([2025])
region = generate_region(seed=2025, years=[2025], n_schools=schools, tests=tests)
for number, (spec, frame) in enumerate(region.results.items(), start=1):
    name = regional_file_name(subject=spec.subject, grade=spec.grade, year=spec.year).replace(".xlsx", ".csv")
    regional_cells(frame, spec, region.region_label, seed=1).write_csv(folder / name, separator=";")
    print(f"  written {number} of {len(tests)}: {name}", flush=True)
text = yaml.safe_dump(reference_document(tests), allow_unicode=True, sort_keys=False)
(folder / "reference.yaml").write_text(text, encoding="utf-8")
"""

BASELINE = """
import sys
import polars as pl
print(sum(pl.read_csv(path, separator=";", infer_schema=False).height for path in sys.argv[1:]))
"""

COVERAGE = """
import sys
import polars as pl
findings = pl.read_csv(sys.argv[1], infer_schema_length=0)
layers = [c for c in findings.columns if c.startswith("p_")]
print(f"school × tests: {findings.height:,}; with a p-value by layer: "
      + ", ".join(f"{c[2:]} {findings[c].is_not_null().sum():,}" for c in layers))
"""


def timed(command: list[str], env: dict[str, str] | None = None) -> tuple[float, float, str]:
    """(wall seconds, peak RSS in GB, stdout) of a child process, measured for that child alone."""
    start = time.perf_counter()
    child = subprocess.Popen(command, stdout=subprocess.PIPE, text=True, env=env, cwd=PROJECT_DIR)
    out = child.stdout.read() if child.stdout else ""
    _pid, status, usage = os.wait4(child.pid, 0)
    if status:
        raise SystemExit(f"failed ({status}): {' '.join(command[:4])} …")
    return time.perf_counter() - start, usage.ru_maxrss / 2**20, out


def country(schools: int) -> Path:
    folder = Path(tempfile.gettempdir()) / "objectivity-bench-national" / str(schools)
    if not (folder / "reference.yaml").exists():
        folder.mkdir(parents=True, exist_ok=True)
        print(f"generating {schools:,} schools into {folder} (once) …", flush=True)
        subprocess.run([PYTHON, "-c", GENERATE, str(folder), str(schools)], check=True, cwd=PROJECT_DIR)
    return folder


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--schools", type=int, default=55_000)
    args = parser.parse_args()
    folder = country(args.schools)
    files = sorted(str(p) for p in folder.glob("*.csv"))
    base_s, base_gb, rows = timed([PYTHON, "-c", BASELINE, *files])
    print(f"baseline  polars.read_csv × {len(files)}: {int(rows):,} rows, {base_s:.1f} s, peak {base_gb:.2f} GB")
    with tempfile.TemporaryDirectory(prefix="objectivity-bench-") as tmp:
        env = os.environ | {"DATA_DIR": tmp, "SECRET_KEY": "bench", "DEBUG": "0", "HTTPS": "0"}
        command = [str(PROJECT_DIR / ".venv" / "bin" / "objectivity"), "analyze", *files]
        command += ["--reference", str(folder / "reference.yaml"), "--out", tmp]
        seconds, gb, _out = timed(command, env)
        print(f"analyze   {seconds:.1f} s ({seconds / base_s:.1f} × baseline), peak {gb:.2f} GB")
        print(timed([PYTHON, "-c", COVERAGE, str(Path(tmp) / "findings.csv")])[2].strip())
    ok = seconds <= SECONDS_BAR and gb <= MEMORY_BAR_GB
    verdict = "PASS" if ok else "FAIL"
    print(f"{verdict}  analyze {seconds:.0f} s (bar ≤ {SECONDS_BAR} s), {gb:.2f} GB (bar ≤ {MEMORY_BAR_GB:.0f} GB)")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
