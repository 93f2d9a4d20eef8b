"""The console script with no environment at all: help and the file-only commands work, the rest refuse.

A newcomer runs `objectivity --help`, `objectivity generate` and `objectivity analyze` before setting
anything; the web application, the worker and every database command still need SECRET_KEY.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

SCRIPT = [sys.executable, "-m", "objectivity.cli"]


def _bare_env(home: Path) -> dict[str, str]:
    """Only what a shell always has: no SECRET_KEY, DEBUG, DATA_DIR or DJANGO_SETTINGS_MODULE."""
    return {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(home)}


def _run(args: list[str], home: Path, *, timeout: int = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [*SCRIPT, *args],
        capture_output=True,
        text=True,
        env=_bare_env(home),
        cwd=home,
        timeout=timeout,
    )


@pytest.mark.parametrize("args", [["--help"], [], ["help"]])
def test_help_lists_the_projects_commands_first(tmp_path, args):
    result = _run(args, tmp_path)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "Traceback" not in result.stderr and "SECRET_KEY" not in out + result.stderr
    own = ["generate", "analyze", "create-region", "import-registry", "import-results", "detect", "db-worker"]
    positions = [out.index(f"  {name} ") for name in own]
    assert max(positions) < out.index("flush"), "the project's commands come before Django's"
    assert "only Django core commands" not in out


@pytest.mark.parametrize("command", ["analyze", "generate", "import-results", "create-region", "import-registry"])
def test_command_help_needs_no_environment(tmp_path, command):
    result = _run([command, "--help"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert f"usage: objectivity {command.replace('-', '_')}" in result.stdout
    assert "Traceback" not in result.stderr


def test_generate_and_analyze_run_with_no_environment(tmp_path):
    region = tmp_path / "region"
    made = _run(
        ["generate", "--out", str(region), "--schools", "12", "--years", "2024", "--grades", "4", "--subjects", "ma"],
        tmp_path,
    )
    assert made.returncode == 0, made.stderr
    files = sorted(region.rglob("Проведение работы*.xlsx"))
    assert files
    out = tmp_path / "out"
    analysed = _run(["analyze", *map(str, files), "--out", str(out)], tmp_path, timeout=300)
    assert analysed.returncode == 0, analysed.stderr
    assert (out / "findings.csv").is_file() and (out / "report.html").is_file()


@pytest.mark.parametrize("command", [["import-results", "x.xlsx"], ["runserver", "--noreload"], ["db_worker"]])
def test_database_commands_and_servers_still_need_a_secret_key(tmp_path, command):
    result = _run(command, tmp_path, timeout=60)
    assert result.returncode == 1
    assert "SECRET_KEY" in result.stderr and "Traceback" not in result.stderr
    assert "DEBUG=1" in result.stderr  # says how to try the system


def test_the_web_application_refuses_to_start_without_a_secret_key(tmp_path):
    result = subprocess.run(
        [sys.executable, "-c", "import objectivity.wsgi"],
        capture_output=True,
        text=True,
        env=_bare_env(tmp_path),
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
    )
    assert result.returncode != 0 and "SECRET_KEY is required" in result.stderr
