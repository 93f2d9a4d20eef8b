"""The self-contained report.html of `objectivity analyze`: no external files, prints on A4."""

import polars as pl
from django.template.loader import render_to_string
from django.utils import timezone

from objectivity.analysis.findings import findings_table
from objectivity.detection.runs import fioco_marker, summarise_keys


def render_report(findings: pl.DataFrame, *, works: list[str], notes: list[str]) -> str:
    shown = (pl.col("flagged") == 1) | fioco_marker()  # signs by the layers or a ФИОКО marker
    flagged = (
        findings.filter(shown).sort(["region", "year", "grade", "subject", "school_login"])
        if not findings.is_empty()
        else findings
    )
    flagged = findings_table(flagged) if not flagged.is_empty() else flagged  # the risk and reasons in words
    context = {
        "generated": timezone.localtime(),
        "works": works,
        "notes": notes,
        "summary": summarise_keys(findings),
        "flagged": flagged.to_dicts() if not flagged.is_empty() else [],
        "total": findings.height,
        "with_oge": not findings.is_empty() and bool((findings["grade"] == 9).any()),
    }
    return render_to_string("detection/report.html", context)
