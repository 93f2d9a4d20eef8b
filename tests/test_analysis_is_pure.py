"""The analysis package imports neither Django nor any app of the project."""

import ast
from pathlib import Path

ANALYSIS = Path(__file__).resolve().parent.parent / "objectivity" / "analysis"
FORBIDDEN = (
    "django",
    "objectivity.orgs",
    "objectivity.access",
    "objectivity.audit",
    "objectivity.core",
    "objectivity.results",
    "objectivity.detection",
    "objectivity.reports",
)


def imported_modules(path: Path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node.module


def test_no_django_in_analysis():
    files = list(ANALYSIS.rglob("*.py"))
    assert files
    bad = [(f.name, m) for f in files for m in imported_modules(f) if m.startswith(FORBIDDEN)]
    assert not bad, bad


def test_the_checker_catches_a_django_import(tmp_path):
    sample = tmp_path / "x.py"
    sample.write_text("from django.db import models\n")
    assert any(m.startswith(FORBIDDEN) for m in imported_modules(sample))
