"""Write objectivity/results/data/vpr-2021.yaml from ФИОКО's official descriptions of the 2021 tests.

Run by a developer who has the descriptions (`../shared/real/descriptions-2021/<grade>/<subject>/`: ALL.xlsx
and the PDF); the product never reads that folder. Only the reference values are written (maxima, levels,
scales): no pupil data. The German and French workbooks of grade 7 describe tasks, not the export's scoring
columns (their maxima do not match the columns of the real exports), and have no PDF: they are left out.

Usage: .venv/bin/python scripts/build_reference_2021.py [DESCRIPTIONS_DIR]
"""

import os
import sys
from pathlib import Path

import django
import yaml

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "objectivity.settings")
os.environ.setdefault("DEBUG", "1")
django.setup()

import polars as pl  # noqa: E402
from django.utils import translation  # noqa: E402

from objectivity.analysis.export_format import SUBJECTS, parse_test_name  # noqa: E402
from objectivity.results.descriptions import read_folder  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "objectivity/results/data/vpr-2021.yaml"
SKIPPED = {"Немецкий язык", "Французский язык"}
HEAD = """# ВПР 2021, grades 4-8: reference data from ФИОКО's official «Описание проверочной работы» of each test
# (ALL.xlsx: scoring columns, maxima, levels Б/П/В; the PDF: the scale of marks and the maximum score).
# Written by scripts/build_reference_2021.py; the notes say where a description contradicts itself.
"""


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared/real/descriptions-2021"
    if not source.is_dir():
        print(f"skipped: {source} is absent (the official descriptions are not in this clone)")
        return 0
    translation.activate("ru")
    by_name = {s.name: s.code for s in SUBJECTS}
    tests = []
    for folder in sorted(source.glob("*/*"), key=lambda p: (int(p.parent.name), p.name)):
        if folder.name in SKIPPED:
            continue
        found = read_folder(folder, year=2021, grade=int(folder.parent.name), subject=by_name[folder.name])
        mended = _mend(found.item, source.parent / "results-2021")
        notes = mended or found.notes
        item = found.item | {"source": found.item["source"] + "".join(f"; {note}" for note in notes)}
        tests.append(item)
        print(f"{folder.parent.name} {folder.name}: {len(item['columns'])} columns, max {item['max_total']}")
    OUT.write_text(
        HEAD + yaml.safe_dump({"tests": tests}, allow_unicode=True, sort_keys=False, width=200, default_flow_style=None)
    )
    print(f"{len(tests)} tests written to {OUT.relative_to(ROOT)}")
    return 0


RAISE_SHARE = 0.01
MENDED = "максимумы столбцов исправлены по данным региона 2021"


def _mend(item: dict, exports: Path) -> list[str]:
    """Mend the maxima of a self-contradicting description from the region's export (module docstring)."""
    columns = item["columns"]
    if sum(c["max"] for c in columns) == item["max_total"]:
        return []
    scores = _scores(exports, item["grade"], item["subject"], len(columns))
    if scores is None:
        return []
    maxima = [_mended_max(c["max"], scores[i]) for i, c in enumerate(columns)]
    if sum(maxima) != item["max_total"]:
        return []
    changes = [f"{c['number']} ({c['max']}→{top})" for c, top in zip(columns, maxima, strict=True) if top != c["max"]]
    for column, top in zip(columns, maxima, strict=True):
        column["max"] = top
        column["criterion"] = column["criterion"] or top > 1
    return [f"{MENDED}: {', '.join(changes)}"]


def _mended_max(described: int, scores: pl.Series) -> int:
    counts = dict(scores.value_counts().rows())
    above = {v: n for v, n in counts.items() if v > described and n >= RAISE_SHARE * len(scores)}
    if above:
        return int(max(above))
    reached = [v for v in counts if v <= described]
    return described if described in counts or not reached else int(max(reached))


def _scores(exports: Path, grade: int, subject: str, count: int) -> list[pl.Series] | None:
    for path in sorted(exports.glob("*.xlsx")):
        name = parse_test_name(path.stem)
        if (name.grade, name.subject) != (grade, subject):
            continue
        frame = pl.read_excel(path, infer_schema_length=0)
        tasks = [c for c in frame.columns if c.startswith("балл за")]
        if len(tasks) != count:
            return None
        return [frame[c].str.strip_chars().cast(pl.Int64, strict=False).drop_nulls() for c in tasks]
    return None


if __name__ == "__main__":
    sys.exit(main())
