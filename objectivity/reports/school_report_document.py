"""The school report as a document (DOCX and PDF through the kernel's documents stack): the page's sections in the
same order, charts from the same Vega-Lite specs. Never the analyst's numbers (probabilities, p-values): a document
travels."""

from django.utils import timezone
from django.utils.translation import gettext as _

from objectivity.core import documents
from objectivity.core.documents.content import Cell, Section
from objectivity.reports.school_report import SchoolReport, sections


def school_report_document(report: SchoolReport) -> documents.Document:
    content = sections(report)
    blocks = [
        *_participants(report),
        documents.Paragraph(content["how_to_read"], note=True),
        *_marks(content),
        *_chart_section(content, "scores", _("Distribution of primary scores"), _cuts_text(report)),
        *_tasks(content),
        *_journal(content),
        *_chart_section(content, "history", _("The parallel over the years")),
        *_signs(content),
        *_listed(report),
    ]
    return documents.Document(
        title=_("Report on a school's ВПР results and signs"),
        subtitle=f"{report.school.short_name} ({report.school.login}) · {report.title}, {report.work.year}",
        issuer=str(report.run.region.name),
        issued=timezone.localdate(),
        blocks=blocks,
    )


def _participants(report: SchoolReport) -> list:
    school = report.school
    text = f"{school.municipality.name}. {_('Participants')}: "
    text += _("fewer than 5 (shown only to the school itself)") if report.hidden else str(report.finding.n)
    return [documents.Heading(_("School and participants")), documents.Paragraph(text)]


def _chart(content: dict, name: str) -> list:
    chart = content["charts"].get(name)
    return [documents.Chart(chart["spec"], chart["title"])] if chart else []


def _chart_section(content: dict, name: str, title: str, text: str = "") -> list:
    body = [*([documents.Paragraph(text)] if text else []), *_chart(content, name)]
    return [documents.Heading(title), *(body or [documents.Paragraph(_("No data."))])]


def _cuts_text(report: SchoolReport) -> str:
    if not report.cuts:
        return ""
    cuts = ", ".join(f"«{m}» — {_('from')} {c}" for m, c in zip((3, 4, 5), report.cuts, strict=True))
    return _("Cut scores: %(cuts)s.") % {"cuts": cuts}


def _marks(content: dict) -> list:
    rows: list[list[Cell] | Section] = [
        [r["level"], r["n"], r["share_2"], r["share_3"], r["share_4"], r["share_5"]] for r in content["marks"]
    ]
    headers = [_("Level"), _("Participants"), "«2», %", "«3», %", "«4», %", "«5», %"]
    table = documents.Table(headers=headers, rows=rows, widths=[3, 1, 1, 1, 1, 1], empty_text=_("No data."))
    return [documents.Heading(_("Statistics of marks")), table, *_chart(content, "marks")]


def _tasks(content: dict) -> list:
    headers = [_("Level of tasks"), _("Tasks"), *(f"{level}, %" for level in content["levels"])]
    rows: list[list[Cell] | Section] = [[r["label"], r["tasks"], *r["values"]] for r in content["tasks"]]
    table = documents.Table(headers=headers, rows=rows, empty_text=_("No data."))
    return [documents.Heading(_("Completion of tasks")), table, *_chart(content, "tasks")]


def _journal(content: dict) -> list:
    headers = [
        _("Level"),
        _("With a journal mark"),
        *(f"{word}, %" for word in (_("Lowered"), _("Confirmed"), _("Raised"))),
    ]
    rows: list[list[Cell] | Section] = [
        [r["level"], r["n"], r["lowered"], r["confirmed"], r["raised"]] for r in content["journal"]
    ]
    table = documents.Table(headers=headers, rows=rows, widths=[3, 1, 1, 1, 1], empty_text=_("No data."))
    return [documents.Heading(_("Marks compared with the journal")), table, *_chart(content, "journal")]


def _signs(content: dict) -> list:
    fioco = documents.Table(
        headers=[_("Marker"), _("Fired"), _("Numbers")],
        rows=[[r["marker"], r["state"], r["numbers"]] for r in content["fioco"]],
        widths=[2, 1, 4],
    )
    layers = documents.Table(
        headers=[_("Layer"), _("Result")],
        rows=[[layer["title"], _layer_result(layer)] for layer in content["layers"]],
        widths=[2, 5],
        empty_text="—",
    )
    ours = [documents.Paragraph(f"{_('Risk of non-objectivity')}: {content['risk']}")]
    ours += [documents.Paragraph(text) for text in content["reasons"] or [_("no sign")]]
    return [
        documents.Heading(_("Signs")),
        documents.Heading(_("Markers of the published method (ФИОКО)"), level=2),
        fioco,
        documents.Heading(_("Signs of the combination of layers"), level=2),
        *ours,
        *([layers] if content["layers"] else []),
    ]


def _layer_result(layer: dict) -> str:
    if layer["seen"]:
        return _("a sign (see above)")
    return _("not enough data for this layer") if layer["p"] is None else _("nothing unusual")


def _listed(report: SchoolReport) -> list:
    rows: list[list[Cell] | Section] = [[str(year), answer] for year, answer in report.listed]
    table = documents.Table(headers=[_("Year"), _("In the list")], rows=rows, widths=[1, 2])
    return [documents.Heading(_("In the list of schools with signs")), table]
