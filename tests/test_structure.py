"""The import graph of the project's packages: the layers a reader expects, checked.

The kernel (`core`) and the authorisation package (`authz`) import no app; no app imports the home app (the
start pages and the demo loader, which may use every app); no two apps import each other (the bar allows two
pairs; there are none, and a new one fails here). Apps reach each other's pages through the kernel's registries
(menu, panels, job templates, demo steps, audit hooks), not through imports.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "objectivity"
NOT_CODE = {"locale", "static", "templates", "jinja2", "__pycache__"}


def packages() -> list[str]:
    return sorted(p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name not in NOT_CODE)


def imports_of(package: str) -> set[str]:
    """The project's packages that `package` imports (migrations aside: they name models, not code)."""
    found = set()
    for path in (PACKAGE / package).rglob("*.py"):
        if "migrations" in path.parts:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            for name in names:
                parts = name.split(".")
                if parts[0] == "objectivity" and len(parts) > 1 and parts[1] not in (package, "conf", "settings"):
                    found.add(parts[1])
    return found & set(packages())


def test_no_app_imports_the_home_app():
    assert [p for p in packages() if p != "home" and "home" in imports_of(p)] == []


def test_authorisation_imports_no_app():
    assert imports_of("authz") == set()


def test_the_kernel_imports_no_app():
    assert imports_of("core") <= {"authz"}, imports_of("core")


def test_no_pair_of_apps_imports_each_other():
    graph = {p: imports_of(p) for p in packages()}
    mutual = {(a, b) for a in graph for b in graph[a] if a < b and a in graph.get(b, set())}
    assert mutual == set(), mutual
