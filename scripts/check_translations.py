"""Fails when the Russian catalogue has untranslated or fuzzy entries, or the committed .mo is stale."""

import subprocess
import sys
import tempfile
from pathlib import Path

PO = Path(__file__).resolve().parent.parent / "objectivity/locale/ru/LC_MESSAGES/django.po"


def run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True).stdout


def main() -> int:
    problems = []
    untranslated = run("msgattrib", "--untranslated", "--no-obsolete", str(PO)).count("\nmsgid ")
    fuzzy = run("msgattrib", "--only-fuzzy", "--no-obsolete", str(PO)).count("\nmsgid ")
    if untranslated:
        problems.append(f"{untranslated} untranslated entries (msgattrib --untranslated {PO})")
    if fuzzy:
        problems.append(f"{fuzzy} fuzzy entries (msgattrib --only-fuzzy {PO})")
    with tempfile.TemporaryDirectory() as tmp:
        compiled = Path(tmp) / "django.mo"
        run("msgfmt", "--check-format", "-o", str(compiled), str(PO))
        if compiled.read_bytes() != PO.with_suffix(".mo").read_bytes():
            problems.append("django.mo is stale: run `make messages`")
    for problem in problems:
        print("translations:", problem)
    if not problems:
        print("translations: complete and compiled")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
