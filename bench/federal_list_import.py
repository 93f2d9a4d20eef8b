"""Benchmark: import of a 40,000-row federal list (XLSX, the layout seen in use, two years, 14 work columns).

Run from the project root (a fresh SQLite database in a temp dir, with a 20,000-school registry):

    PYTHONPATH=. .venv/bin/python bench/federal_list_import.py

Steps, each timed with time.perf_counter:
  baseline   polars.read_excel(path, engine="calamine") of the first file (best of 3)
  first      import_file() into a region with no federal list: 40,000 entries created
  unchanged  the same file again: nothing changes
  replaced   a file where every 10th row differs: the two years' 40,000 entries replaced
"""

import os
import random
import sys
import tempfile
import time
from pathlib import Path

import openpyxl

sys.path.insert(0, str(Path(__file__).resolve().parent))
from registry_import import setup_django  # noqa: E402

ROWS = 40_000
WORKS = ["4 РУ", "4 МА", "4 ОМ", "5 РУ", "5 МА", "5 ИС", "5 БИ", "6 РУ", "6 МА", "6 ГЕ", "7 РУ", "7 МА", "7 ФИ", "8 ХИ"]
HEADER = ["Год", "Логин", "Муниципалитет", "ОО", *WORKS, "Количество маркеров"]


def make_rows(changed: bool = False) -> list[list]:
    rng = random.Random(22)
    rows = []
    for i in range(ROWS):
        year, number = 2024 + i % 2, i // 2
        marks = [rng.choice([None] * 8 + [1, "+", "да"]) for _work in WORKS]
        if changed and i % 10 == 0:
            marks[0] = 2
        count = sum(1 for mark in marks if mark)
        rows.append([year, f"sch22{number:05d}", f"Район № {number % 60}", f"МБОУ «СОШ № {number}»", *marks, count])
    return rows


def write_xlsx(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet("Перечень")
    sheet.append(HEADER)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def baseline(path: Path) -> float:
    import polars as pl

    times = []
    for _round in range(3):
        start = time.perf_counter()
        pl.read_excel(path, engine="calamine")
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> int:
    with tempfile.TemporaryDirectory() as folder:
        tmp = Path(folder)
        os.environ["TIME_ZONE"] = "Europe/Moscow"
        setup_django(tmp)
        from objectivity.core.actors import system_user
        from objectivity.orgs.models import Municipality, Region, School
        from objectivity.reports.federal_columns import guess
        from objectivity.reports.federal_import import import_file

        region = Region.objects.create(code="22", name="Алтайский край")
        municipality = Municipality.objects.create(region=region, name="Район № 0")
        School.objects.bulk_create(
            School(municipality=municipality, login=f"sch22{n:05d}", full_name=f"СОШ № {n}", short_name=f"СОШ № {n}")
            for n in range(ROWS // 2)
        )
        by = system_user()
        mapping = guess(HEADER).mapping
        first = write_xlsx(tmp / "first.xlsx", make_rows())
        changed = write_xlsx(tmp / "changed.xlsx", make_rows(changed=True))
        print(f"{'baseline':10} {baseline(first):6.2f} s  polars.read_excel of the same file")
        for label, path in (("first", first), ("unchanged", first), ("replaced", changed)):
            start = time.perf_counter()
            report = import_file(path, path.name, region, by=by, mapping=mapping)
            seconds = time.perf_counter() - start
            state = "unchanged" if report.unchanged else f"{report.entries} entries"
            print(f"{label:10} {seconds:6.2f} s  {state}, problems: {len(report.problems)}")
            if not report.ok:
                return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
