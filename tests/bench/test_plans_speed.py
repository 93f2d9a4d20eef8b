"""bench/plans_speed.py in its --quick mode (40 schools, 5 requests a page): the benchmark of issue 14 still runs end to
end against the current code (plans made through the actions, every page answering 200, send-reminders idempotent,
the documents written) and passes its bars. The full run and its figures: docs/benchmarks.md §11."""

import os
import subprocess
import sys
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "bench" / "plans_speed.py"


def test_the_plans_benchmark_runs_quickly_and_passes(tmp_path):
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, str(SCRIPT), "--quick"], capture_output=True, text=True, env=env, timeout=120
    )
    out = result.stdout
    assert result.returncode == 0, out[-3000:] + result.stderr[-3000:]
    assert out.rstrip().endswith("PASS")
    for page in ("plan list", "progress, municipal coord.", "a school's plan", "my measures", "start page"):
        assert f"  {page}" in out
    second_run = next(line for line in out.splitlines() if line.strip().startswith("second run"))
    assert " 0 letters" in second_run  # idempotent: the second run of the day sends nothing
    assert "ОИВ execution report, PDF" in out
    assert not list(tmp_path.glob("objectivity-bench-plans-*")), "the temporary DATA_DIR is removed"
