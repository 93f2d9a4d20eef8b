"""Our markers in the federal list's layout, for setting beside the list the region receives: `Год, Логин,
Муниципалитет, ОО, <класс> <предмет>…, Количество маркеров`, the published method's markers as computed by us in the
year's run. The first row, the sheet and the file name say that it is not the federal list.

A work's cell holds the number of the published method's markers fired on it (empty: none); the last column their
sum over the works. Schools in the order municipality, then name: never a ranking.
"""

import io

import xlsxwriter
from django.utils.translation import gettext as _

from objectivity.authz.roles import VIEW_FINDINGS
from objectivity.core.typography import ru_date
from objectivity.core.xlsx import TEXT_STAYS_TEXT
from objectivity.detection.models import DetectionRun, Finding
from objectivity.reports import federal_layout as layout
from objectivity.reports.federal_compare import fioco_fired

NOT_FEDERAL = layout.NOT_FEDERAL


def markers_fired(finding: Finding) -> int:
    return (finding.fioco_mean == 1) + (finding.fioco_spearman == 1) + (finding.fioco_cohort in ("rise", "fall"))


def _findings(user, runs: list[DetectionRun]):
    return (
        Finding.objects.visible_to(user, VIEW_FINDINGS)
        .filter(run__in=runs, assessment__procedure="vpr", assessment__period="spring")
        .select_related("assessment", "school__municipality")
        .defer("details", "reasons")
    )


def layout_rows(user, year: int, runs: list[DetectionRun]) -> tuple[list[str], list[list]]:
    """The header and the rows: one row per school with a marker of the published method."""
    findings = list(_findings(user, runs))
    works = sorted({layout.work_key(f.assessment.grade, f.assessment.subject) for f in findings}, key=layout.work_order)
    marked: dict[int, dict[str, int]] = {}
    schools = {}
    for finding in filter(fioco_fired, findings):
        key = layout.work_key(finding.assessment.grade, finding.assessment.subject)
        marked.setdefault(finding.school_id, {})[key] = markers_fired(finding)
        schools[finding.school_id] = finding.school
    header = [layout.FIELDS[k] for k in ("year", "login", "municipality", "school")]
    header += [layout.work_header(w) for w in works] + [layout.FIELDS["markers"]]
    order = sorted(schools.values(), key=lambda s: (s.municipality.name, s.short_name, s.login))
    rows = [_row(year, school, works, marked[school.pk]) for school in order]
    return header, rows


def _row(year: int, school, works: list[str], marks: dict[str, int]) -> list:
    cells = [marks.get(work) or "" for work in works]
    return [year, school.login, school.municipality.name, school.short_name, *cells, sum(marks.values())]


def file_name(year: int) -> str:
    return f"Маркеры по расчёту системы, {year} ({NOT_FEDERAL}).xlsx"


def workbook(user, year: int, runs: list[DetectionRun]) -> bytes:
    header, rows = layout_rows(user, year, runs)
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, **TEXT_STAYS_TEXT})
    sheet = book.add_worksheet("Не федеральный перечень")
    note = book.add_format({"bold": True, "font_color": "#9C0006", "bg_color": "#FFF2CC"})
    head = book.add_format({"bold": True, "bg_color": "#E8EEF4", "text_wrap": True, "valign": "top"})
    sheet.merge_range(0, 0, 0, len(header) - 1, _note(year, runs), note)
    sheet.write_row(1, 0, header, head)
    for number, row in enumerate(rows, start=2):
        sheet.write_row(number, 0, row)
    sheet.set_column(0, 1, 11)
    sheet.set_column(2, 3, 36)
    sheet.set_column(4, len(header) - 1, 10)
    sheet.freeze_panes(2, 0)
    sheet.autofilter(1, 0, max(len(rows) + 1, 2), len(header) - 1)
    book.close()
    return buffer.getvalue()


def _note(year: int, runs: list[DetectionRun]) -> str:
    dates = ", ".join(ru_date(run.created_at) for run in runs)
    return _(
        "Not the federal list: markers of the published ФИОКО method for ВПР %(year)d as computed by this system "
        "(detection run of %(dates)s)"
    ) % {"year": year, "dates": dates}
