"""Benchmark: import of a 40,000-school registry (XLSX and CSV) against the bar "under 10 s".

Run from the project root:

    .venv/bin/python bench/registry_import.py            # fresh SQLite database in a temp dir
    DATABASE_URL=postgres://... .venv/bin/python bench/registry_import.py   # an EMPTY PostgreSQL database
    .venv/bin/python bench/registry_import.py --profile changed  # also print a cProfile of one import

Steps, each timed with time.perf_counter:
  baseline  polars.read_excel(path, engine="calamine") of the same XLSX file (best of 3)
  first     import_registry() of the XLSX into an empty region: 40,000 creates
  unchanged re-import of the same XLSX: 40,000 unchanged
  changed   re-import of an XLSX where every 10th row differs: 4,000 updates
  csv       the schools are deleted (untimed), then import_registry() of the same registry as CSV: 40,000 creates

Exit code 0 when every import of 40,000 rows takes under 10 s and reports the expected counts, 1 otherwise.
"""

import argparse
import csv
import os
import random
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
BAR_SECONDS = 10.0
GRADES = range(4, 12)
HEADER = [
    "логин",
    "полное наименование",
    "краткое наименование",
    "муниципалитет",
    "тип",
    "тип поселения",
    "малокомплектная",
    "филиал",
    "углублённое изучение",
    *[f"{g} класс" for g in GRADES],
]
ROOTS = [
    "Алейский",
    "Бийский",
    "Благовещенский",
    "Бурлинский",
    "Волчихинский",
    "Егорьевский",
    "Залесовский",
    "Заринский",
    "Змеиногорский",
    "Калманский",
    "Каменский",
    "Ключевский",
    "Косихинский",
    "Красногорский",
    "Кулундинский",
    "Курьинский",
    "Локтевский",
    "Мамонтовский",
    "Михайловский",
    "Новичихинский",
    "Павловский",
    "Панкрушихинский",
    "Поспелихинский",
    "Ребрихинский",
    "Родинский",
    "Романовский",
    "Смоленский",
    "Советский",
    "Тальменский",
    "Топчихинский",
]
MUNICIPALITIES = [f"{root} муниципальный район" for root in ROOTS] + [
    f"Городской округ {root[:-3]}ск" for root in ROOTS
]
KINDS = [
    ("СОШ", "Средняя общеобразовательная школа", "МБОУ «СОШ № {n}»"),
    ("ООШ", "Основная общеобразовательная школа", "МБОУ «ООШ № {n}»"),
    ("НОШ", "Начальная общеобразовательная школа", "МБОУ «НОШ № {n}»"),
    ("лицей", "Лицей", "МБОУ «Лицей № {n}»"),
    ("гимназия", "Гимназия", "МБОУ «Гимназия № {n}»"),
    ("школа-интернат", "Школа-интернат", "КГБОУ «Школа-интернат № {n}»"),
    ("центр образования", "Центр образования", "МБОУ «ЦО № {n}»"),
]
SETTLEMENTS = ["город", "пгт", "село"]


def make_rows(count: int, seed: int = 22) -> list[list]:
    rnd = random.Random(seed)
    rows = []
    for i in range(1, count + 1):
        kind, long_name, short = rnd.choices(KINDS, weights=[60, 20, 5, 5, 5, 3, 2])[0]
        municipality = MUNICIPALITIES[rnd.randrange(len(MUNICIPALITIES))]
        rows.append(
            [
                f"sch22{i:05d}",
                f"Муниципальное бюджетное общеобразовательное учреждение «{long_name} № {i}» ({municipality})",
                short.format(n=i),
                municipality,
                kind,
                rnd.choice(SETTLEMENTS),
                rnd.choice(["да", "нет", "нет", "нет"]),
                rnd.choice(["да", "нет", "нет", "нет", "нет"]),
                rnd.choice(["да", "нет", "нет"]),
                *[rnd.randrange(0, 150) for _ in GRADES],
            ]
        )
    return rows


def changed_rows(rows: list[list]) -> list[list]:
    """Every 10th row gets a new short name and one more pupil in grade 4."""
    out = []
    for i, row in enumerate(rows):
        row = list(row)
        if i % 10 == 0:
            row[2] = row[2] + " (переименована)"
            row[9] = row[9] + 1
        out.append(row)
    return out


def write_xlsx(path: Path, rows: list[list]) -> None:
    import xlsxwriter

    workbook = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    sheet = workbook.add_worksheet("Реестр")
    sheet.write_row(0, 0, HEADER)
    for r, row in enumerate(rows, start=1):
        sheet.write_row(r, 0, row)
    workbook.close()


def write_csv(path: Path, rows: list[list]) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh, delimiter=";")
        writer.writerow(HEADER)
        writer.writerows(rows)


def setup_django(data_dir: Path) -> None:
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ.setdefault("SECRET_KEY", "bench-secret-key-" + "x" * 40)
    os.environ["HTTPS"] = "0"
    os.environ["FAST_PASSWORD_HASHER"] = "1"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    os.environ["DJANGO_SETTINGS_MODULE"] = "objectivity.settings"
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


class Phases:
    """Times the stages of import_registry by wrapping the module-level names it calls (no code is changed)."""

    NAMES = {"read_table": "read", "validate": "validate", "apply": "save", "record_many": "audit"}

    def __init__(self, module):
        self.seconds: dict[str, float] = {}
        for name, label in self.NAMES.items():
            setattr(module, name, self.wrap(getattr(module, name), label))

    def wrap(self, func, label: str):
        def timed_call(*args, **kwargs):
            start = time.perf_counter()
            try:
                return func(*args, **kwargs)
            finally:
                self.seconds[label] = self.seconds.get(label, 0.0) + time.perf_counter() - start

        return timed_call

    def take(self) -> dict[str, float]:
        out, self.seconds = self.seconds, {}
        if "save" in out:  # apply() includes the audit write; report the schools' share alone
            out["save"] -= out.get("audit", 0.0)
        return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=40_000, help="schools in the registry (default 40000)")
    parser.add_argument(
        "--profile",
        choices=["first", "unchanged", "changed", "csv"],
        help="cProfile one of the imports and print its hotspots",
    )
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (files and SQLite database)")
    args = parser.parse_args()

    tmp = Path(tempfile.mkdtemp(prefix="objectivity-bench-registry-"))
    print(f"Temp dir: {tmp}")
    try:
        return run(tmp, args)
    finally:
        if args.keep:
            print(f"Kept: {tmp}")
        else:
            shutil.rmtree(tmp, ignore_errors=True)


def run(tmp: Path, args) -> int:
    n = args.rows
    start = time.perf_counter()
    rows = make_rows(n)
    xlsx, xlsx_changed, csv_path = tmp / "registry.xlsx", tmp / "registry-changed.xlsx", tmp / "registry.csv"
    write_xlsx(xlsx, rows)
    write_xlsx(xlsx_changed, changed_rows(rows))
    write_csv(csv_path, rows)
    print(
        f"Generated {n} schools in {len(MUNICIPALITIES)} municipalities in {time.perf_counter() - start:.1f} s: "
        f"XLSX {xlsx.stat().st_size / 1e6:.1f} MB, CSV {csv_path.stat().st_size / 1e6:.1f} MB"
    )

    setup_django(tmp)
    from django.db import connection

    from objectivity.access.models import Membership, User
    from objectivity.audit.models import AuditEvent
    from objectivity.orgs import registry
    from objectivity.orgs.models import Municipality, Region, School

    if School.objects.exists():
        print("FAIL: the database already has schools; point DATABASE_URL at an empty database")
        return 1
    print(f"Database: {connection.vendor} {connection.settings_dict['NAME']}")
    region = Region.objects.create(code="22", name="Алтайский край (бенчмарк)")
    user = User.objects.create_user("bench-admin", password="bench-password-123")
    Membership.objects.create(user=user, role="region_admin", level="region", region=region)

    import polars as pl

    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        frame = pl.read_excel(xlsx, engine="calamine")
        runs.append(time.perf_counter() - t0)
    assert frame.height == n, frame.shape
    baseline = min(runs)
    print(f"\nBaseline polars.read_excel(calamine), best of 3: {', '.join(f'{r:.3f}' for r in runs)} s")

    phases = Phases(registry)
    results: list[dict] = []

    def step(label: str, path: Path, expect: dict, profiler=None) -> None:
        if profiler:
            profiler.enable()
        t0 = time.perf_counter()
        report = registry.import_registry(path, path.name, region, by=user)
        seconds = time.perf_counter() - t0
        if profiler:
            profiler.disable()
        problem = ""
        if not report.ok:
            problem = f"import refused: {report.file_error or [p.as_text() for p in report.problems[:3]]}"
        elif (got := {k: getattr(report, k) for k in expect}) != expect:
            problem = f"expected {expect}, got {got}"
        split = phases.take()
        results.append({"label": label, "seconds": seconds, "problem": problem, "phases": split})
        detail = "  ".join(f"{k} {v:.2f}" for k, v in split.items())
        print(f"  {label:<36} {seconds:7.3f} s  [{detail}]  peak RSS {peak_rss_mb():.0f} MB {problem}", flush=True)

    profiler = None
    if args.profile:
        import cProfile

        profiler = cProfile.Profile()

    def profiled(name: str):
        return profiler if args.profile == name else None

    changed = len(range(0, n, 10))
    step(f"first import, XLSX ({n} new)", xlsx, {"created": n, "updated": 0, "unchanged": 0}, profiled("first"))
    step("re-import, XLSX (all unchanged)", xlsx, {"created": 0, "updated": 0, "unchanged": n}, profiled("unchanged"))
    step(
        f"re-import, XLSX ({changed} changed)",
        xlsx_changed,
        {"created": 0, "updated": changed, "unchanged": n - changed},
        profiled("changed"),
    )
    t0 = time.perf_counter()
    AuditEvent.objects.filter(school__isnull=False).delete()
    School.objects.all().delete()
    Municipality.objects.all().delete()
    print(f"  (untimed: schools deleted for the CSV run in {time.perf_counter() - t0:.1f} s)")
    step(f"first import, CSV ({n} new)", csv_path, {"created": n, "updated": 0, "unchanged": 0}, profiled("csv"))

    print()
    print(f"{'Step':<38} {'seconds':>8} {'x baseline':>10}  bar: under {BAR_SECONDS:.0f} s")
    print(f"{'baseline: polars.read_excel calamine':<38} {baseline:8.3f} {1.0:10.1f}")
    failed = False
    for r in results:
        ok = r["seconds"] < BAR_SECONDS and not r["problem"]
        failed |= not ok
        verdict = "PASS" if ok else "FAIL" + (f" ({r['problem']})" if r["problem"] else "")
        print(f"{r['label']:<38} {r['seconds']:8.3f} {r['seconds'] / baseline:10.1f}  {verdict}")
    print(f"Peak RSS of the process: {peak_rss_mb():.0f} MB")
    print(
        f"\n{'FAIL' if failed else 'PASS'}: registry import of {n:,} schools under {BAR_SECONDS:.0f} s "
        f"(each of the four imports; database {connection.vendor})"
    )
    if profiler:
        import pstats

        print(f"\ncProfile of the '{args.profile}' import (cProfile slows it down ~3x), top 25 by cumulative time:")
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
        print("Top 20 by own time:")
        pstats.Stats(profiler).sort_stats("tottime").print_stats(20)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
