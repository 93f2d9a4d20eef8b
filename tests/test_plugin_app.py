"""A new app plugs in by its folder and one line in INSTALLED_APPS: tests/plugin_app is such an app, and the
product's code does not know it."""

import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_nothing_in_the_product_names_the_new_app():
    named = [
        p
        for p in (ROOT / "objectivity").rglob("*")
        if p.suffix in {".py", ".html"} and "plugin_app" in p.read_text(encoding="utf-8")
    ]
    assert named == []


def test_the_new_app_reaches_every_registry_of_the_product():
    """Its checks run in a process of their own: Django's apps and URLs are fixed once a process has started."""
    env = {**os.environ, "OBJECTIVITY_TEST_DATA_DIR": tempfile.mkdtemp(prefix="objectivity-plugin-")}
    checks = ROOT / "tests" / "plugin_app" / "plugged_checks.py"
    command = [
        sys.executable,
        "-m",
        "pytest",
        "-q",
        "-p",
        "no:cacheprovider",
        "--ds=tests.plugin_app.settings",
        str(checks),
    ]
    done = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "7 passed in" in done.stdout, done.stdout[-2000:]
