"""The regional analytic report («Аналитический отчёт о результатах ВПР и объективности оценивания»): sections built
from the year's run and the figures kept with it, the analyst's text sections, written as DOCX or PDF through the
kernel's documents stack. Later apps (measures, observers, rechecks) add their sections with `add_report_section`.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from objectivity.core import documents
from objectivity.core.typography import number, percent
from objectivity.detection.models import DetectionRun, EvidenceFigures
from objectivity.orgs.models import Body, BodyKind
from objectivity.reports import charts, dashboard, listing
from objectivity.reports.report_texts import SECTIONS, fill, saved_texts
from objectivity.results import charts as result_charts


@dataclass
class ReportContext:
    region: Any
    year: int
    runs: list[DetectionRun]
    scope: dashboard.Scope
    texts: dict[str, str]  # the text sections, placeholders filled
    figures: dict[str, Any]  # per work: EvidenceFigures of the region


@dataclass(frozen=True)
class ReportSection:
    key: str
    order: int
    build: Callable[[ReportContext], list[documents.Block]]


REPORT_SECTIONS: dict[str, ReportSection] = {}


def add_report_section(section: ReportSection) -> None:
    """Register a section (idempotent per key: ready() may run more than once in tests)."""
    REPORT_SECTIONS[section.key] = section


def analytic_report(viewer, region, year: int) -> documents.Document:
    """The report of `region` for `year` as the viewer may see it (CONSOLE: the whole region)."""
    context = _context(viewer, region, year)
    blocks: list[documents.Block] = []
    for section in sorted(REPORT_SECTIONS.values(), key=lambda s: s.order):
        blocks += section.build(context)
    return documents.Document(
        title=_("Analytic report on the ВПР results and the objectivity of assessment"),
        subtitle=_("All-Russian check works (ВПР) of %(year)d") % {"year": year},
        issuer=_issuer(region),
        issued=timezone.localdate(),
        blocks=blocks,
    )


def _context(viewer, region, year: int) -> ReportContext:
    runs = listing.year_runs(viewer, year, region)
    figures = {
        e.assessment_id: e
        for e in EvidenceFigures.objects.filter(run__in=runs, unit="region").select_related("assessment")
    }
    context = ReportContext(region, year, runs, dashboard.Scope(viewer, region=region), {}, figures)
    texts = saved_texts(region, year)
    values = placeholder_values(context)
    context.texts = {key: fill(text, values) for key, text in texts.items()}
    return context


def placeholder_values(context: ReportContext) -> dict[str, str]:
    """What «{name}» in a text section stands for."""
    findings = listing.listed_findings(context.scope.user, context.runs)
    index = dashboard.index_by_year(context.scope, [context.year])
    listed = set(findings.values_list("school_id", flat=True))
    before = set(
        listing.listed_findings(
            context.scope.user, listing.year_runs(context.scope.user, context.year - 1, context.region)
        ).values_list("school_id", flat=True)
    )
    return {
        "год": str(context.year),
        "прошлый_год": str(context.year - 1),
        "регион": context.region.name,
        "оо_в_перечне": number(len(listed)),
        "оо_сочетание": number(findings.filter(listing.OURS).values("school").distinct().count()),
        "оо_фиоко": number(findings.filter(listing.FIOCO).values("school").distinct().count()),
        "уровень_фиоко": percent(index[0]["fioco_level"]) if index else "—",
        "уровень_слои": percent(index[0]["ours_level"]) if index else "—",
        "повторно": number(len(listed & before)),
    }


def _issuer(region) -> str:
    body = Body.objects.filter(region=region, kind=BodyKind.OIV).first()
    return body.name if body else region.name


def _text(key: str) -> Callable[[ReportContext], list[documents.Block]]:
    section = next(s for s in SECTIONS if s.key == key)

    def build(context: ReportContext) -> list[documents.Block]:
        paragraphs = [line for line in context.texts[key].split("\n") if line.strip()]
        return [documents.Heading(str(section.title)), *(documents.Paragraph(p) for p in paragraphs)]

    return build


def _work_label(figures) -> str:
    return listing.work_label(figures.assessment.subject, figures.assessment.grade)


def _ordered(context: ReportContext) -> list:
    return sorted(context.figures.values(), key=lambda e: (e.assessment.grade, e.assessment.subject))


def participation(context: ReportContext) -> list[documents.Block]:
    rows = [[_work_label(e), e.figures.get("n", 0)] for e in _ordered(context)]
    total = sum(row[1] for row in rows)
    return [
        documents.Heading(_("Participation")),
        documents.Paragraph(_("Participants' works in all ВПР of the year: %(n)s.") % {"n": number(total)}),
        documents.Table([_("Work"), _("Participants")], rows, widths=[3, 1], empty_text=_("No results of the year.")),
    ]


def _mark_shares(scores: list[int], cuts: list[int]) -> dict[str, float]:
    total = sum(scores) or 1
    bounds = [0, *cuts, len(scores)]
    return {f"share_{m}": 100 * sum(scores[bounds[i] : bounds[i + 1]]) / total for i, m in enumerate((2, 3, 4, 5))}


def results(context: ReportContext) -> list[documents.Block]:
    levels, rows = [], []
    for e in _ordered(context):
        cuts = e.figures.get("cuts") or []
        if len(cuts) != 3:
            continue
        shares = _mark_shares(e.figures["scores"], cuts)
        levels.append({"level": _work_label(e), **shares})
        rows.append([_work_label(e), *(round(shares[f"share_{m}"], 1) for m in (2, 3, 4, 5))])
    return [
        documents.Heading(_("Results")),
        documents.Table([_("Work"), "«2», %", "«3», %", "«4», %", "«5», %"], rows, widths=[3, 1, 1, 1, 1]),
        documents.Chart(result_charts.marks_chart(levels), _("Marks by work, region")),
    ]


def signs(context: ReportContext) -> list[documents.Block]:
    index = dashboard.index_by_year(context.scope, listing.list_years(context.scope.user))
    municipalities = dashboard.by_municipality(context.scope, context.year)
    index_rows = [[r["year"], r["total"], r["ours"], r["fioco"], round(r["ours_level"], 1), round(r["fioco_level"], 1)]
                  for r in index]  # fmt: skip
    current = [m for m in municipalities if m["year"] == context.year]
    return [
        documents.Heading(_("Signs of non-objective results")),
        documents.Table(
            [
                _("Year"),
                _("Schools with enough data"),
                _("With signs of the combination of layers"),
                _("With ФИОКО markers"),
                _("Level, combination of layers"),
                _("Level, ФИОКО"),
            ],  # fmt: skip
            index_rows,
            caption=_("Level of objectivity by year"),
        ),
        documents.Chart(charts.index_chart(index), _("Level of objectivity by year")),
        documents.Table(
            [
                _("Municipality"),
                _("Schools with enough data"),
                _("With signs of the combination of layers"),
                "%",
                _("With ФИОКО markers"),
                "%",
            ],  # fmt: skip
            [
                [
                    m["municipality"],
                    m["schools"],
                    m["ours"],
                    round(m["ours_share"], 1),
                    m["fioco"],
                    round(m["fioco_share"], 1),
                ]
                for m in current
            ],  # fmt: skip
            caption=_("Signs by municipality, %(year)d") % {"year": context.year},
            widths=[3, 1, 1, 0.6, 1, 0.6],
        ),
        documents.Chart(
            charts.municipality_chart(municipalities, "fioco_share", _("Schools with ФИОКО markers, %")),
            _("Schools with ФИОКО markers by municipality, three years"),
        ),
    ]


def repeat_cases(context: ReportContext) -> list[documents.Block]:
    """Schools in the list of the year and of the year before (and the one before that)."""
    user = context.scope.user
    by_year = {
        year: set(
            listing.listed_findings(user, listing.year_runs(user, year, context.region)).values_list(
                "school_id", flat=True
            )
        )
        for year in (context.year, context.year - 1, context.year - 2)
    }
    repeated = by_year[context.year] & by_year[context.year - 1]
    schools = (
        listing.listed_schools(user, context.runs).filter(pk__in=repeated).order_by("municipality__name", "short_name")
    )
    rows = [[s.municipality.name, s.short_name, s.login, _("yes") if s.pk in by_year[context.year - 2] else _("no")]
            for s in schools]  # fmt: skip
    return [
        documents.Heading(_("Repeat cases")),
        documents.Paragraph(
            _("Schools in the list of %(year)d and of %(before)d: %(n)s.")
            % {"year": context.year, "before": context.year - 1, "n": number(len(rows))}
        ),
        documents.Table(
            [_("Municipality"), _("School"), _("Login"), _("In the list of %(year)d") % {"year": context.year - 2}],
            rows,
            widths=[2, 3, 1, 1],
            empty_text=_("No school is in the list two years running."),
        ),
    ]


def register_builtin() -> None:
    for section in (
        ReportSection("introduction", 10, _text("introduction")),
        ReportSection("participation", 20, participation),
        ReportSection("results", 30, results),
        ReportSection("signs", 40, signs),
        ReportSection("repeat", 50, repeat_cases),
        ReportSection("conclusions", 900, _text("conclusions")),
        ReportSection("recommendations", 910, _text("recommendations")),
    ):
        add_report_section(section)
