"""Plans as documents: a plan in the tabular form of the seeds (DOCX, PDF) and as a workbook (XLSX), both of which
`plans.plan_import` reads back; and «Отчёт об исполнении плана мероприятий» of a region's plans for the ОИВ.

The plan's table headers and the «Участники:» / «Форма отчёта:» lines are a file format, read back by the import,
so they are Russian constants here rather than translated messages.
"""

import datetime
from collections.abc import Iterable

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from objectivity.core import documents, typography
from objectivity.core.xlsx import write_table
from objectivity.orgs.models import Body, BodyKind
from objectivity.plans import progress
from objectivity.plans.access import visible_plans
from objectivity.plans.models import Level, Measure, Plan, PlanVersion, Status

# The table of a plan as the seeds lay it out (DOCX and PDF).
DOCUMENT_HEADERS = ["№ п/п", "Мероприятие", "Сроки", "Ответственные", "Ожидаемый результат / форма отчёта"]
DOCUMENT_WIDTHS = [0.6, 5.0, 1.6, 2.8, 2.8]
# Lines that carry a measure's participants (in the responsible cell) and form of report (in the result cell).
PARTICIPANTS_PREFIX = "Участники:"
REPORT_FORM_PREFIX = "Форма отчёта:"
# The workbook: one row per measure, every field in its own column, so that it re-imports as it was.
WORKBOOK_HEADERS = [
    "Номер раздела",
    "Раздел",
    "№",
    "Мероприятие",
    "Сроки",
    "Ответственные",
    "Участники",
    "Ожидаемый результат",
    "Форма отчёта",
    "Статус",
    "Дата исполнения (расчётная)",
    "Просрочено",
]
WORKBOOK_SHEET = "План"


def _measures(plan: Plan) -> list[Measure]:
    return list(plan.measures.order_by("position", "pk"))


# ---- a plan ------------------------------------------------------------------------------------------------


def plan_document(plan: Plan) -> documents.Document:
    """The plan in the seeds' tabular form: a section row before each section's measures, the approving order of
    the current version under the title, landscape."""
    version = plan.current_version()
    table = documents.Table(
        headers=DOCUMENT_HEADERS,
        rows=plan_rows(_measures(plan)),
        widths=DOCUMENT_WIDTHS,
        empty_text=_("The plan has no measures yet."),
    )
    return documents.Document(
        title=plan.title,
        subtitle=_("%(owner)s, %(year)s school year") % {"owner": _owner_name(plan), "year": plan.school_year_label},
        issuer=_owner_name(plan),
        approval=approval_lines(version),
        stamp="" if version and version.order_label else _("No approving order is given"),
        landscape=True,
        blocks=[documents.Paragraph(_version_line(version), note=True), table],
    )


def plan_rows(measures: Iterable[Measure]) -> list:
    """Table rows: a `documents.Section` where the section changes, then the measure's five cells."""
    rows: list = []
    section: tuple[str, str] | None = None
    for measure in measures:
        current = (measure.section_number, measure.section_title)
        if current != section:
            section = current
            heading = " ".join(part for part in current if part)
            if heading:
                rows.append(documents.Section(heading))
        rows.append(
            [
                measure.number,
                measure.title,
                measure.deadline_text,
                _with_line(measure.responsible, PARTICIPANTS_PREFIX, measure.participants),
                _with_line(measure.result, REPORT_FORM_PREFIX, measure.report_form),
            ]
        )
    return rows


def _with_line(text: str, prefix: str, extra: str) -> str:
    if not extra:
        return text
    line = f"{prefix} {extra}"
    return f"{text}\n{line}" if text else line


def _owner_name(plan: Plan) -> str:
    if plan.school is not None:
        return plan.school.full_name or plan.school.short_name
    return str(plan.municipality or plan.region)


def approval_lines(version: PlanVersion | None) -> list[str]:
    """The approval block at the top right: «УТВЕРЖДЁН», «приказом министерства …», «от 15.09.2021 № 1157»; none
    when no order is given. A body that is not «Приказ …» (an order of another kind) is quoted as it is."""
    if version is None or not version.order_label:
        return []
    reference = version.order_label.removeprefix(version.order_body).strip()  # «от 15.09.2021 № 1157»
    body = version.order_body.strip()
    first, _space, rest = body.partition(" ")
    if first.lower() == "приказ":
        body = (_("by the order %(body)s") % {"body": rest}).strip()
    return [line for line in (_("APPROVED"), body, reference) if line]


def _version_line(version: PlanVersion | None) -> str:
    if version is None:
        return _("The plan has no approved version.")
    line = _("Version %(number)d of %(date)s") % {
        "number": version.number,
        "date": typography.ru_date(version.created_at),
    }
    if version.changes:
        line += "; " + _("what changed: %(changes)s") % {"changes": version.changes}
    return line


def plan_xlsx(plan: Plan) -> bytes:
    """The plan as a workbook, one measure per row with every field in its own column (re-imports as it was).
    Cells stay text: a title starting with «=» is not a formula in the file (objectivity.core.xlsx)."""
    rows = (
        [
            m.section_number,
            m.section_title,
            m.number,
            m.title,
            m.deadline_text,
            m.responsible,
            m.participants,
            m.result,
            m.report_form,
            str(Status(m.status).label),
            m.due_date.strftime("%d.%m.%Y") if m.due_date else "",
            "да" if m.is_overdue() else "",
        ]
        for m in _measures(plan)
    )
    return write_table(WORKBOOK_HEADERS, rows, sheet=WORKBOOK_SHEET)


# ---- the execution report ----------------------------------------------------------------------------------


STATUS_COLUMNS = (
    Status.PLANNED,
    Status.IN_PROGRESS,
    Status.REPORTED,
    Status.RETURNED,
    Status.ACCEPTED,
    Status.CANCELLED,
)


def execution_document(region, school_year: int, user) -> documents.Document:
    """«Отчёт об исполнении плана мероприятий»: the region's plans of the school year that `user` sees, counted by
    status, per plan and per municipality, and the overdue measures."""
    today = timezone.localdate()
    visible = visible_plans(user).filter(region=region, school_year=school_year)
    plans = list(visible.select_related("region", "municipality", "school").prefetch_related("measures"))
    tallies = progress.by_plan(visible, today)
    levels = progress.totals(visible, today)
    overall = levels.get("all", progress.Tally())
    year = f"{school_year}/{(school_year + 1) % 100:02d}"
    return documents.Document(
        title=_("Report on the execution of the plan of measures"),
        subtitle=_("%(region)s, %(year)s school year") % {"region": region.name, "year": year},
        issuer=_issuer(region),
        issued=today,
        landscape=True,
        blocks=[
            documents.Paragraph(_summary(len(plans), overall, today)),
            documents.Heading(_("Plans"), level=1),
            _plans_table(plans, tallies),
            documents.Heading(_("By municipality"), level=1),
            _municipalities_table(visible, plans, levels.get(Level.REGION), today),
            documents.Heading(_("Overdue measures"), level=1),
            _overdue_table(plans, today),
            documents.Paragraph(_HOW_COUNTED(), note=True),
        ],
    )


def _issuer(region) -> str:
    body = Body.objects.filter(region=region, kind=BodyKind.OIV).first()
    return body.name if body else region.name


def _summary(plans: int, overall: progress.Tally, today: datetime.date) -> str:
    parts = [
        ngettext("%(n)s plan", "%(n)s plans", plans) % {"n": typography.number(plans)},
        ngettext("%(n)s measure", "%(n)s measures", overall.total) % {"n": typography.number(overall.total)},
        ngettext("%(n)s accepted", "%(n)s accepted", overall.accepted) % {"n": typography.number(overall.accepted)},
        ngettext("%(n)s overdue", "%(n)s overdue", overall.overdue) % {"n": typography.number(overall.overdue)},
    ]
    return _("On %(date)s: %(parts)s.") % {"date": typography.ru_date(today), "parts": ", ".join(parts)}


def _tally_cells(tally: progress.Tally) -> list:
    share = tally.done_share
    return [
        tally.total,
        *(tally.of(status) for status in STATUS_COLUMNS),
        round(share, 1) if share is not None else None,
        tally.overdue,
    ]


def _tally_headers() -> list[str]:
    return [
        _("Measures"),
        *(str(status.label).capitalize() for status in STATUS_COLUMNS),
        _("Accepted, %"),
        _("Overdue"),
    ]


def _plan_label(plan: Plan) -> str:
    return f"{plan.owner_label}: {plan.title}"


def _plans_table(plans: list[Plan], tallies: dict[int, progress.Tally]) -> documents.Table:
    return documents.Table(
        headers=[_("Plan"), *_tally_headers()],
        rows=[[_plan_label(plan), *_tally_cells(tallies.get(plan.pk, progress.Tally()))] for plan in plans],
        widths=[4.0] + [1.0] * 9,
        empty_text=_("No plan of this school year is visible to you."),
    )


def _municipalities_table(
    visible: QuerySet[Plan], plans: list[Plan], regional: progress.Tally | None, today: datetime.date
) -> documents.Table:
    """One row per municipality (its own plans and its schools'), then the regional plans in a row of their own."""
    rows = [
        [row.municipality.name, row.own_plans + row.school_plans, *_tally_cells(row.tally)]
        for row in progress.by_municipality(visible, today)
    ]
    if regional is not None:
        count = sum(plan.level == Level.REGION for plan in plans)
        rows.append([_("Regional plans"), count, *_tally_cells(regional)])
    return documents.Table(
        headers=[_("Municipality"), _("Plans"), *_tally_headers()],
        rows=rows,
        widths=[3.0, 0.8] + [1.0] * 9,
        empty_text=_("No plan of this school year is visible to you."),
    )


OVERDUE_ROWS = 300


def _overdue_table(plans: list[Plan], today: datetime.date) -> documents.Table:
    rows = [
        [plan.owner_label, m.full_number, m.title, f"{m.due_date:%d.%m.%Y}", m.responsible]
        for plan in plans
        for m in sorted(plan.measures.all(), key=lambda m: (m.due_date or today, m.position))
        if m.is_overdue(today)
    ]
    caption = ""
    if len(rows) > OVERDUE_ROWS:  # a region's thousand plans would make a report of hundreds of pages
        caption = _("The first %(shown)d of %(total)d overdue measures; every plan's own file lists all of its.") % {
            "shown": OVERDUE_ROWS,
            "total": len(rows),
        }
        rows = rows[:OVERDUE_ROWS]
    return documents.Table(
        headers=[_("Plan"), "№", _("Measure"), _("Due"), _("Responsible")],
        rows=rows,
        caption=caption,
        widths=[2.0, 0.7, 5.0, 1.2, 3.0],
        empty_text=_("No measure is overdue."),
    )


def _HOW_COUNTED() -> str:
    return _(
        "A measure is overdue when it is planned, in progress or returned and its due date has passed; the due date "
        "is read from the deadline and the production calendar. The accepted share counts measures that are not "
        "cancelled. The figures show how the plans are carried out; they do not evaluate schools or municipalities."
    )
