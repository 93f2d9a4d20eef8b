"""Results for the demo region: three consecutive springs of ВПР generated for its schools in the exact
ФИС ОКО layout (with a few injected manipulations, as a real region has) and imported through the
same importer a user's files go through."""

import datetime
from collections.abc import Callable
from pathlib import Path

import polars as pl
from django.conf import settings
from django.utils.translation import gettext

from objectivity.analysis.synth import generate_region, write_region
from objectivity.core import typography
from objectivity.core.demo import DemoContext
from objectivity.orgs.models import Region, School
from objectivity.results.actions import import_catalogue
from objectivity.results.importer import Outcome, import_results
from objectivity.results.reference import read_catalogue

# Shares of schools with a manipulation, so later detection pages have something to show.
DEMO_INJECTION = {"push": 0.03, "inflate": 0.02, "journal": 0.02, "hard": 0.01, "cohort": 0.01}


def last_spring(today: datetime.date) -> int:
    """The year of the latest spring ВПР whose results exist (they arrive by June)."""
    return today.year if today.month >= 6 else today.year - 1


def demo_years(today: datetime.date | None = None) -> list[int]:
    last = last_spring(today or datetime.date.today())
    return [last - 2, last - 1, last]


def schools_frame(region: Region) -> pl.DataFrame:
    rows = School.objects.filter(municipality__region=region).values(
        "login", "settlement", "school_type", "is_small", "pupils_by_grade"
    )
    return pl.DataFrame(
        [
            {
                "login": r["login"],
                "settlement": r["settlement"],
                "school_type": r["school_type"],
                "is_small": r["is_small"],
                **{f"pupils_{g}": int((r["pupils_by_grade"] or {}).get(str(g), 0) or 0) for g in range(4, 9)},
            }
            for r in rows
        ]
    )


def load_demo_results(
    region: Region, *, by, seed: int = 2026, progress: Callable[[int, str], None] | None = None
) -> list[Outcome]:
    out_dir = settings.DATA_DIR / "demo-files"
    synthetic = generate_region(
        seed=seed,
        years=demo_years(),
        schools=schools_frame(region),
        region_code=region.code,
        inject=DEMO_INJECTION,
        region_name=region.name,
    )
    paths = write_region(synthetic, out_dir)
    catalogue = out_dir / "reference.yaml"
    import_catalogue(by=by, entries=read_catalogue(catalogue.read_bytes(), catalogue.name), source_name=catalogue.name)
    files = sorted(p for p in paths if p.suffix == ".xlsx" and p.name != "schools.xlsx")
    return [_import(path, region, by, progress, n, len(files)) for n, path in enumerate(files)]


def _import(path: Path, region: Region, by, progress, n: int, total: int) -> Outcome:
    if progress:
        progress(int(100 * n / total), path.name)
    return import_results(path, path.name, region=region, by=by)


def load_results(context: DemoContext) -> None:
    """The demo loader's step: generate and import the results of the demo years."""
    years = demo_years()
    context.say(gettext("Generating and importing ВПР results of %(years)s…") % {"years": ", ".join(map(str, years))})
    outcomes = load_demo_results(context.region, by=context.by, seed=context.seed, progress=context.progress)
    context.progress(100, "")
    imported = [o for o in outcomes if o.status == "imported"]
    pupils = sum(o.summary["present"] for o in imported)
    context.say(
        gettext("Results imported: %(files)s files, %(pupils)s participants present.")
        % {"files": typography.number(len(imported)), "pupils": typography.number(pupils)}
    )
    context.shared["years"] = years
