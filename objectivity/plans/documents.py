"""Plans as documents: a plan in the tabular form of the seeds (DOCX, PDF) and as a workbook (XLSX), both of which
`plans.plan_import` reads back; and «Отчёт об исполнении плана мероприятий» of a region's plans for the ОИВ.

The plan's table headers and the «Участники:» / «Форма отчёта:» lines are a file format, read back by the import,
so they are Russian constants here rather than translated messages.
"""

import datetime
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from objectivity.core import documents, typography
from objectivity.core.xlsx import write_table
from objectivity.orgs.models import Body, BodyKind
from objectivity.plans.access import visible_plans
from objectivity.plans.models import Measure, Plan, PlanVersion, Status

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
        stamp=approval_line(version),
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


def approval_line(version: PlanVersion | None) -> str:
    """«УТВЕРЖДЁН приказом министерства … от 15.09.2021 № 1157», or a line saying no order is given."""
    label = version.order_label if version else ""
    if not label:
        return _("No approving order is given")
    first, _space, rest = label.partition(" ")
    if first.lower() == "приказ" and rest:
        return _("APPROVED by the order %(order)s") % {"order": rest}
    return _("APPROVED: %(order)s") % {"order": label}


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


@dataclass
class Tally:
    """Measures of a plan (or of several) counted by status, with how many are overdue today."""

    by_status: Counter = field(default_factory=Counter)
    overdue: int = 0

    def add(self, measure: Measure, today: datetime.date) -> None:
        self.by_status[measure.status] += 1
        self.overdue += measure.is_overdue(today)

    def merge(self, other: "Tally") -> None:
        self.by_status.update(other.by_status)
        self.overdue += other.overdue

    @property
    def total(self) -> int:
        return sum(self.by_status.values())

    @property
    def accepted_share(self) -> float | None:
        """Accepted (снято с контроля) among the measures not cancelled, in per cent; None when there are none."""
        counted = self.total - self.by_status[Status.CANCELLED]
        return 100 * self.by_status[Status.ACCEPTED] / counted if counted else None


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
    plans = list(
        visible_plans(user)
        .filter(region=region, school_year=school_year)
        .select_related("region", "municipality", "school")
        .prefetch_related("measures")
    )
    tallies = {plan.pk: _tally(plan.measures.all(), today) for plan in plans}
    overall = Tally()
    for tally in tallies.values():
        overall.merge(tally)
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
            _municipalities_table(plans, tallies),
            documents.Heading(_("Overdue measures"), level=1),
            _overdue_table(plans, today),
            documents.Paragraph(_HOW_COUNTED(), note=True),
        ],
    )


def _tally(measures: Iterable[Measure], today: datetime.date) -> Tally:
    tally = Tally()
    for measure in measures:
        tally.add(measure, today)
    return tally


def _issuer(region) -> str:
    body = Body.objects.filter(region=region, kind=BodyKind.OIV).first()
    return body.name if body else region.name


def _summary(plans: int, overall: Tally, today: datetime.date) -> str:
    parts = [
        ngettext("%(n)s plan", "%(n)s plans", plans) % {"n": typography.number(plans)},
        ngettext("%(n)s measure", "%(n)s measures", overall.total) % {"n": typography.number(overall.total)},
        ngettext("%(n)s accepted", "%(n)s accepted", overall.by_status[Status.ACCEPTED])
        % {"n": typography.number(overall.by_status[Status.ACCEPTED])},
        ngettext("%(n)s overdue", "%(n)s overdue", overall.overdue) % {"n": typography.number(overall.overdue)},
    ]
    return _("On %(date)s: %(parts)s.") % {"date": typography.ru_date(today), "parts": ", ".join(parts)}


def _tally_cells(tally: Tally) -> list:
    share = tally.accepted_share
    return [
        tally.total,
        *(tally.by_status[status] for status in STATUS_COLUMNS),
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


def _plans_table(plans: list[Plan], tallies: dict[int, Tally]) -> documents.Table:
    return documents.Table(
        headers=[_("Plan"), *_tally_headers()],
        rows=[[_plan_label(plan), *_tally_cells(tallies[plan.pk])] for plan in plans],
        widths=[4.0] + [1.0] * 9,
        empty_text=_("No plan of this school year is visible to you."),
    )


def _municipalities_table(plans: list[Plan], tallies: dict[int, Tally]) -> documents.Table:
    """One row per municipality (its own plan and its schools'), the regional plans in a row of their own."""
    groups: dict[str, tuple[int, Tally]] = {}
    for plan in plans:
        name = plan.municipality.name if plan.municipality else _("Regional plans")
        count, tally = groups.get(name, (0, Tally()))
        tally.merge(tallies[plan.pk])
        groups[name] = (count + 1, tally)
    return documents.Table(
        headers=[_("Municipality"), _("Plans"), *_tally_headers()],
        rows=[[name, count, *_tally_cells(tally)] for name, (count, tally) in sorted(groups.items())],
        widths=[3.0, 0.8] + [1.0] * 9,
        empty_text=_("No plan of this school year is visible to you."),
    )


def _overdue_table(plans: list[Plan], today: datetime.date) -> documents.Table:
    rows = [
        [plan.owner_label, _measure_number(m), m.title, f"{m.due_date:%d.%m.%Y}", m.responsible]
        for plan in plans
        for m in sorted(plan.measures.all(), key=lambda m: (m.due_date or today, m.position))
        if m.is_overdue(today)
    ]
    return documents.Table(
        headers=[_("Plan"), "№", _("Measure"), _("Due"), _("Responsible")],
        rows=rows,
        widths=[2.0, 0.7, 5.0, 1.2, 3.0],
        empty_text=_("No measure is overdue."),
    )


def _measure_number(measure: Measure) -> str:
    return " ".join(part for part in (measure.section_number, measure.number) if part)


def _HOW_COUNTED() -> str:
    return _(
        "A measure is overdue when it is planned, in progress or returned and its due date has passed; the due date "
        "is read from the deadline and the production calendar. The accepted share counts measures that are not "
        "cancelled. The figures show how the plans are carried out; they do not evaluate schools or municipalities."
    )
