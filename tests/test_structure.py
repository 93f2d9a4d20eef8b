"""The import graph of the project's packages: the layers a reader expects, checked.

Issue «Ready the house» aims at a kernel (`core`) and an authorisation package (`authz`) that import no app, and
at most two app pairs that import each other. `authz` already imports no app; the rest is a ratchet: the edges
and the mutual pairs listed here may only go away, so the structure cannot get worse while it is being mended.
"""

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "objectivity"
NOT_CODE = {"locale", "static", "templates", "jinja2", "__pycache__"}
# What the kernel still imports, and why it has not moved yet.
KERNEL_IMPORTS_STILL = {
    "access",  # core.management.commands.restore names the system user as the actor
    "analysis",  # core.templatetags.ru: subject names for templates
    "audit",  # core.management.commands.restore records the restore
}
MUTUAL_PAIRS_STILL = {  # 8 pairs before core's home pages, menu and job templates moved out
    ("access", "audit"),
    ("access", "core"),
    ("access", "orgs"),
    ("audit", "core"),
    ("audit", "orgs"),
}


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


def test_the_kernel_imports_no_more_apps_than_it_still_does():
    assert imports_of("core") <= KERNEL_IMPORTS_STILL | {"authz"}, imports_of("core") - KERNEL_IMPORTS_STILL


def test_no_new_pair_of_apps_imports_each_other():
    graph = {p: imports_of(p) for p in packages()}
    mutual = {(a, b) for a in graph for b in graph[a] if a < b and a in graph.get(b, set())}
    assert mutual <= MUTUAL_PAIRS_STILL, mutual - MUTUAL_PAIRS_STILL
