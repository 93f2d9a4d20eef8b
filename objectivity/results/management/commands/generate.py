"""`objectivity generate`: write a synthetic region (ФИС ОКО workbooks, registry, truth) for demos and validation."""

import re
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from objectivity.analysis.synth import KINDS, REALISM, SyntheticRegion, default_tests, generate_region, write_region
from objectivity.analysis.synth_core import CATALOGUE
from objectivity.core import typography
from objectivity.core.jobs import terminal_progress

MAX_SHARE = 0.5
MAX_SCHOOLS = 20_000


def _numbers(value: str, label: str, low: int, high: int) -> list[int]:
    """A comma-separated list of whole numbers in [low, high], in the given order, without repeats."""
    parts = [p.strip() for p in value.split(",") if p.strip()]
    if not parts or not all(re.fullmatch(r"\d{1,4}", p) and low <= int(p) <= high for p in parts):
        raise CommandError(
            _("%(label)s: “%(value)s” is not a comma-separated list of numbers from %(low)d to %(high)d")
            % {"label": label, "value": value, "low": low, "high": high}
        )
    return list(dict.fromkeys(int(p) for p in parts))


def _shares(items: list[str]) -> dict[str, float]:
    """KIND=SHARE items → {kind: share}, each kind known and each share in [0, 0.5]."""
    shares: dict[str, float] = {}
    for item in items:
        kind, _sep, text = item.partition("=")
        if kind not in KINDS:
            raise CommandError(
                _("Unknown manipulation kind “%(kind)s”; valid kinds: %(kinds)s")
                % {"kind": kind, "kinds": ", ".join(KINDS)}
            )
        try:
            share = float(text)
        except ValueError:
            share = -1.0
        if not 0 <= share <= MAX_SHARE:
            raise CommandError(
                _("The share of “%(kind)s” must be a number from 0 to %(max)s (a share of schools), not “%(value)s”")
                % {"kind": kind, "max": MAX_SHARE, "value": text}
            )
        shares[kind] = share
    if sum(shares.values()) > 1:
        raise CommandError(_("The shares add up to more than 1: each manipulated school gets one kind only"))
    return shares


class Command(BaseCommand):
    help = (
        "Write a synthetic region: one ФИС ОКО workbook per test, schools.xlsx, truth.csv (the injected "
        "manipulation) and reference.yaml."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, type=Path, help="directory to write into")
        parser.add_argument("--seed", type=int, default=1, help="the same seed gives the same region")
        parser.add_argument("--schools", type=int, default=300, help="number of schools")
        parser.add_argument("--years", default="2023,2024,2025", help="comma-separated, e.g. 2023,2024,2025")
        parser.add_argument("--grades", default="4,5,6,7,8", help="comma-separated, from 4 to 8")
        parser.add_argument("--subjects", default="ru,ma", help="comma-separated subject codes: ru, ma")
        parser.add_argument("--region-code", default="22", help="two digits, used in school logins")
        parser.add_argument(
            "--realism",
            choices=sorted(REALISM),
            default="default",
            help="default: the model the layers are calibrated on; real-2021: class and school task effects, "
            "untaught tasks and real school sizes, as measured on real exports (docs/generator-vs-real.md)",
        )
        parser.add_argument(
            "--inject",
            nargs="+",
            action="extend",
            default=[],
            metavar="KIND=SHARE",
            help=f"share of schools manipulated per kind, e.g. push=0.02; kinds: {', '.join(KINDS)}",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        years = _numbers(str(options["years"]), _("Years"), 2000, 2100)
        grades = _numbers(str(options["grades"]), _("Grades"), 4, 8)
        subjects = self._subjects(str(options["subjects"]))
        shares = _shares(list(options["inject"]))
        schools = int(options["schools"])
        if not 1 <= schools <= MAX_SCHOOLS:
            raise CommandError(_("The number of schools must be from 1 to %(max)d") % {"max": MAX_SCHOOLS})
        code = str(options["region_code"])
        if not re.fullmatch(r"\d{2}", code):
            raise CommandError(_("The region code must be two digits, such as 22"))
        started = time.monotonic()
        region = generate_region(
            seed=int(options["seed"]),
            years=years,
            n_schools=schools,
            region_code=code,
            inject=shares,
            tests=default_tests(years, grades, subjects),
            realism=str(options["realism"]),
        )
        paths = write_region(region, Path(str(options["out"])), progress=terminal_progress(self.stderr))
        self._summary(region, paths, time.monotonic() - started)

    def _subjects(self, value: str) -> list[str]:
        known = sorted({subject for _grade, subject in CATALOGUE})
        subjects = list(dict.fromkeys(s.strip() for s in value.split(",") if s.strip()))
        if not subjects or any(s not in known for s in subjects):
            raise CommandError(
                _("Subjects: “%(value)s”; known subject codes: %(known)s") % {"value": value, "known": ", ".join(known)}
            )
        return subjects

    def _summary(self, region: SyntheticRegion, paths: list[Path], seconds: float) -> None:
        frames = region.results.values()
        pupils = sum(frame.height for frame in frames)
        absent = sum(int(frame["absent"].sum()) for frame in frames)
        self.stdout.write(
            _("Files written: %(n)s, in %(dir)s (%(s).1f s)")
            % {"n": typography.number(len(paths)), "dir": paths[0].parent, "s": seconds}
        )
        self.stdout.write(
            _("Schools: %(schools)s; tests: %(tests)s; pupils: %(pupils)s, of them absent: %(absent)s")
            % typography.grouped(
                {"schools": region.schools.height, "tests": len(region.results), "pupils": pupils, "absent": absent}
            )
        )
        counts = region.truth.group_by("kind").len().sort("kind").iter_rows()
        injected = ", ".join(f"{kind}: {n}" for kind, n in counts)
        self.stdout.write(
            _("Manipulated schools by kind: %(list)s") % {"list": injected}
            if injected
            else _("No manipulation injected: the region is clean")
        )
