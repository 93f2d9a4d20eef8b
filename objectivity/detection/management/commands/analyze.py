from dataclasses import replace
from pathlib import Path

import polars as pl
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from objectivity.analysis.export_format import SUBJECT_BY_CODE, TestName
from objectivity.analysis.parameters import PUBLISHED
from objectivity.core import typography
from objectivity.core.jobs import terminal_progress
from objectivity.detection.files import read_files
from objectivity.detection.pipeline import analyse, progress_step, write_findings_csv
from objectivity.detection.report import render_report
from objectivity.detection.runs import fioco_marker
from objectivity.results.readers import FileRejected


class Command(BaseCommand):
    help = "Analyse results files directly (no database): DIR/findings.csv and a self-contained DIR/report.html."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", type=Path)
        parser.add_argument("--out", required=True, type=Path, help="directory for findings.csv and report.html")
        parser.add_argument("--reference", type=Path, help="catalogue of works (YAML) with the maximum scores")
        parser.add_argument("--year", type=int, help="report only this year (other files serve as context)")
        parser.add_argument("--grade", type=int, help="the work's grade, when file names do not say")
        parser.add_argument("--subject", choices=sorted(SUBJECT_BY_CODE))
        parser.add_argument("--min-n", type=int, default=PUBLISHED.min_n)

    def handle(self, *args, files: list[Path], out: Path, reference: Path | None, year: int | None, **options):
        missing = [str(f) for f in [*files, *([reference] if reference else [])] if not f.is_file()]
        if missing:
            raise CommandError(_("File not found: %(names)s") % {"names": ", ".join(missing)})
        progress = terminal_progress(self.stderr)
        progress(5, _("Reading the files"))
        hint = TestName(grade=options.get("grade"), subject=options.get("subject"))
        try:
            found = read_files(
                files, hint=hint, reference=reference, progress=progress_step(progress, 5, 50, _("Reading"))
            )
        except FileRejected as exc:
            raise CommandError(str(exc)) from exc
        progress(50, _("Computing the markers"))
        reported = _tests_of(found.frames, year) if year is not None else None
        params = replace(PUBLISHED, min_n=options["min_n"])
        step = progress_step(progress, 55, 95, _("Evidence layers"))
        findings = analyse(found.frames, found.max_totals, params, found.infos, reported=reported, step=step)
        csv = write_findings_csv(findings, out / "findings.csv")
        (out / "report.html").write_text(
            render_report(findings, works=found.works, notes=found.notes), encoding="utf-8"
        )
        progress(100, "")
        for note in found.notes:
            self.stderr.write(note)
        empty = findings.is_empty()
        markers = 0 if empty else int(findings.select(fioco_marker().sum()).item())
        signs = 0 if empty else int(findings["flagged"].sum())
        self.stdout.write(
            _(
                "Schools × works: %(rows)s; with a ФИОКО marker: %(markers)s; with signs by the layers: %(signs)s. "
                "Written: %(csv)s and %(html)s"
            )
            % typography.grouped(
                {"rows": findings.height, "markers": markers, "signs": signs, "csv": csv, "html": out / "report.html"}
            )
        )


def _tests_of(frames: list[pl.DataFrame], year: int) -> pl.DataFrame:
    """The tests of `year` among the files (the others are context only)."""
    keys = pl.concat([f.select("year", "period", "grade", "subject").unique() for f in frames])
    return keys.filter(pl.col("year") == year).unique()
