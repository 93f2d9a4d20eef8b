"""The list as a document (DOCX and PDF through the kernel's documents stack): landscape, grouped by municipality,
naming the run it was drawn from and how to read it."""

from django.utils import timezone
from django.utils.translation import gettext as _

from objectivity.core import documents, typography
from objectivity.core.xlsx import write_table
from objectivity.detection.models import DetectionRun
from objectivity.orgs.models import Body, BodyKind
from objectivity.reports.columns import list_columns
from objectivity.reports.listing import ListRow


def list_document(rows: list[ListRow], runs: list[DetectionRun], year: int) -> documents.Document:
    columns = list_columns(documents=True)
    table = documents.Table(
        headers=["№", *(c.header(year) for c in columns)],
        rows=_grouped(rows, columns),
        widths=[0.5, *(c.width for c in columns)],
        empty_text=_("No school is in the list."),
    )
    return documents.Document(
        title=_("List of schools with signs of non-objective results"),
        subtitle=_("All-Russian check works (ВПР) of %(year)d") % {"year": year},
        issuer=_issuer(runs),
        issued=timezone.localdate(),
        landscape=True,
        blocks=[documents.Paragraph(_source(runs, len(rows))), table, documents.Paragraph(_HOW_TO_READ(), note=True)],
    )


def _grouped(rows: list[ListRow], columns) -> list:
    """A section row per municipality, then its schools numbered through the whole list."""
    out: list = []
    municipality = None
    for number, row in enumerate(rows, start=1):
        if row.school.municipality.name != municipality:
            municipality = row.school.municipality.name
            out.append(documents.Section(municipality))
        out.append([number, *(c.value(row) for c in columns)])
    return out


def _issuer(runs: list[DetectionRun]) -> str:
    """The region's executive body (ОИВ) when the registry has one, else the region's name."""
    if len(runs) != 1:
        return _("«Objectivity of ВПР results»")
    body = Body.objects.filter(region=runs[0].region, kind=BodyKind.OIV).first()
    return body.name if body else runs[0].region.name


def _source(runs: list[DetectionRun], count: int) -> str:
    dates = ", ".join(typography.ru_datetime(run.created_at) for run in runs)
    schools = typography.number(count)
    return _("Drawn from the detection run of %(dates)s. Schools in the list: %(count)s.") % {
        "dates": dates or "—",
        "count": schools,
    }


def _HOW_TO_READ() -> str:
    return _(
        "The signs call for a check and for help; they are not a rating of schools or teachers and are not used to "
        "evaluate them. The combination of layers and the published method (ФИОКО) are shown side by side."
    )


def list_workbook(rows: list[ListRow], year: int) -> bytes:
    """The list as XLSX with every column (the page's export writes the same through its table)."""
    columns = list_columns()
    return write_table([c.header(year) for c in columns], ([c.value(row) for c in columns] for row in rows))
