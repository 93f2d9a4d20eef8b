"""Imports of schools' «график проведения» and of the «ВПР с контролем объективности» sample.

Both are all or nothing: any bad row leaves the database as it was and the user gets the list of
problems (row, column, value, what was expected).

Schedule file columns: «логин», «предмет», «класс» (e.g. «4» or «4А»: the work's grade and the class),
«дата» (ДД.ММ.ГГГГ or an Excel date); optional «процедура» (ВПР by default).
Control-sample file columns: «логин», and «предмет» and «класс» unless the work is chosen on the page.
Values must lie in their domain: a known subject, a grade the procedure is written in, a date from the first
ВПР (FIRST_SCHEDULE_YEAR) to next year; a row outside is refused with its row, column, value and what was expected.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.db import transaction
from django.utils.translation import gettext as _

from objectivity.analysis.export_format import PROCEDURE_KINDS, parse_test_name
from objectivity.core.auditing import Action, event, record_many, snapshot
from objectivity.core.tabular import RawTable
from objectivity.orgs.models import Region, School
from objectivity.orgs.registry import RowProblem, normalise
from objectivity.results import reference as refdata
from objectivity.results.models import Assessment, ControlSample, FederalWindow, Period, ScheduleEntry

ALIASES = {
    "login": ("логин", "логин оо", "логин школы", "login"),
    "subject": ("предмет", "учебный предмет"),
    "class": ("класс", "параллель", "класс (параллель)"),
    "date": ("дата", "дата проведения"),
    "procedure": ("процедура",),
}
CLASS_RE = re.compile(r"^\s*(\d{1,2})\s*[-\s]?\s*([А-Яа-яЁёA-Za-z]{0,3})\s*$")
PROCEDURE_WORDS = {"впр": "vpr", "рпр": "rpr", "рдр": "rdr", "мпр": "mpr", "огэ": "oge", "егэ": "ege"}
# Grades (of the work) each procedure is written in (FORMATS.md §1, §4): ВПР in 4-8, 10 and 11 (11 in earlier
# years; in autumn pupils write the previous grade's work, and the class column gives the work's grade), ОГЭ
# at the end of grade 9, ЕГЭ in 11 (and 10 for subjects finished early). РПР, РДР, МПР: any grade 1-11.
GRADES = {"vpr": (4, 5, 6, 7, 8, 10, 11), "oge": (9,), "ege": (10, 11)}
ALL_GRADES = tuple(range(1, 12))
# Dates: the first ВПР were written in 2015, and schools set their dates at most for the coming year; a date
# outside (a two-digit «69» read as 1969, a typo such as 2205) is refused rather than creating a work.
FIRST_SCHEDULE_YEAR = 2015
YEARS_AHEAD = 1


@dataclass
class ListReport:
    file: str
    rows: int = 0
    created: int = 0
    unchanged: int = 0
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Rows:
    """Column lookup and problem collection for one uploaded table."""

    def __init__(self, table: RawTable, required: tuple[str, ...]):
        self.table = table
        self.problems: list[RowProblem] = []
        names = {normalise(alias): key for key, aliases in ALIASES.items() for alias in aliases}
        self.index: dict[str, int] = {}
        for i, label in enumerate(table.header):
            key = names.get(normalise(label))
            if key and key not in self.index:
                self.index[key] = i
        self.missing = [ALIASES[k][0] for k in required if k not in self.index]

    def cell(self, row: list[str], key: str) -> str:
        index = self.index.get(key)
        return row[index].strip() if index is not None and index < len(row) else ""

    def problem(self, line: int, key: str, value: str, message: str) -> None:
        column = self.table.header[self.index[key]] if key in self.index else ALIASES[key][0]
        self.problems.append(RowProblem(line, column, value, message))


def _missing_columns(report: ListReport, rows: _Rows) -> bool:
    if rows.missing:
        report.problems.append(
            RowProblem(
                1,
                ", ".join(rows.missing),
                "",
                _("required columns are missing: %(c)s") % {"c": ", ".join(rows.missing)},
            )
        )
    return bool(rows.missing)


def _school(rows: _Rows, line: int, row: list[str], schools: dict[str, School]) -> School | None:
    value = rows.cell(row, "login")
    school = schools.get(value.lower())
    if school is None:
        rows.problem(line, "login", value, _("no school with this login in the region's registry"))
    return school


def _schools_of(region: Region) -> dict[str, School]:
    return {s.login: s for s in School.objects.filter(municipality__region=region)}


def _grade_and_class(rows: _Rows, line: int, row: list[str]) -> tuple[int, str] | None:
    value = rows.cell(row, "class")
    match = CLASS_RE.match(value)
    if not match or not 1 <= int(match.group(1)) <= 11:
        rows.problem(line, "class", value, _("expected a grade with an optional letter, such as 4 or 4А"))
        return None
    return int(match.group(1)), f"{match.group(1)}{match.group(2).upper()}"


def _grade_of_procedure(rows: _Rows, line: int, row: list[str], grade: int, procedure: str) -> bool:
    allowed = GRADES.get(procedure, ALL_GRADES)
    if grade in allowed:
        return True
    name = dict(PROCEDURE_KINDS).get(procedure, procedure)
    rows.problem(
        line,
        "class",
        rows.cell(row, "class"),
        _("%(procedure)s is not written in grade %(grade)d; expected grade %(allowed)s")
        % {"procedure": name, "grade": grade, "allowed": ", ".join(str(g) for g in allowed)},
    )
    return False


SUBJECT_TEXT = re.compile(r"[А-Яа-яЁёA-Za-z][А-Яа-яЁёA-Za-z .,()-]*")  # words: no formula, markup or digits


def _subject(rows: _Rows, line: int, row: list[str]) -> str | None:
    value = rows.cell(row, "subject")
    code = parse_test_name(f"{value} 4 класс").subject if SUBJECT_TEXT.fullmatch(value) else None
    if code is None:
        rows.problem(line, "subject", value, _("unknown subject"))
    return code


def _date(rows: _Rows, line: int, row: list[str]) -> datetime.date | None:
    value = rows.cell(row, "date")
    for pattern in ("%d.%m.%Y", "%Y-%m-%d", "%Y-%m-%d %H:%M:%S", "%d.%m.%y"):
        try:
            day = datetime.datetime.strptime(value, pattern).date()
        except ValueError:
            continue
        last = datetime.date.today().year + YEARS_AHEAD
        if FIRST_SCHEDULE_YEAR <= day.year <= last:
            return day
        rows.problem(
            line,
            "date",
            value,
            _("the year %(year)d is not plausible; expected a date from %(first)d to %(last)d")
            % {"year": day.year, "first": FIRST_SCHEDULE_YEAR, "last": last},
        )
        return None
    rows.problem(line, "date", value, _("expected a date such as 15.04.2025"))
    return None


def _procedure(rows: _Rows, line: int, row: list[str]) -> str | None:
    value = rows.cell(row, "procedure")
    code = PROCEDURE_WORDS.get(normalise(value)) if value else "vpr"
    if code is None:
        rows.problem(line, "procedure", value, _("expected ВПР, РПР, РДР, МПР, ОГЭ or ЕГЭ"))
    return code


def _federal_windows() -> dict[tuple[str, int, str], FederalWindow]:
    """Every federal window by (procedure, year, period) (unique): a small table, read once per file."""
    return {(w.procedure, w.year, w.period): w for w in FederalWindow.objects.all()}


def _window_problem(rows: _Rows, line: int, key: dict, day: datetime.date, windows: dict) -> None:
    window = windows.get((key["procedure"], key["year"], key["period"]))
    if window is not None and not window.starts <= day <= window.ends:
        rows.problem(
            line,
            "date",
            f"{day:%d.%m.%Y}",
            _("outside the federal window %(from)s–%(to)s")
            % {"from": f"{window.starts:%d.%m.%Y}", "to": f"{window.ends:%d.%m.%Y}"},
        )


def import_schedule(table: RawTable, name: str, *, region: Region, by) -> ListReport:
    report = ListReport(file=name, rows=len(table.rows))
    rows = _Rows(table, ("login", "subject", "class", "date"))
    if _missing_columns(report, rows):
        return report
    schools, windows = _schools_of(region), _federal_windows()
    parsed = [
        p
        for line, row in zip(table.lines, table.rows, strict=True)
        if (p := _schedule_row(rows, line, row, schools, windows))
    ]
    report.problems = rows.problems
    if report.ok:
        _save_schedule(report, parsed, by=by, region=region)
    return report


def _schedule_row(rows: _Rows, line: int, row: list[str], schools: dict[str, School], windows: dict) -> tuple | None:
    school, subject = _school(rows, line, row, schools), _subject(rows, line, row)
    grade_class, day, procedure = _grade_and_class(rows, line, row), _date(rows, line, row), _procedure(rows, line, row)
    if school is None or subject is None or grade_class is None or day is None or procedure is None:
        return None
    if not _grade_of_procedure(rows, line, row, grade_class[0], procedure):
        return None
    period = Period.AUTUMN if day.month >= 8 else Period.SPRING
    key = {"procedure": procedure, "year": day.year, "period": period, "grade": grade_class[0], "subject": subject}
    _window_problem(rows, line, key, day, windows)
    return school, key, grade_class[1], day


SCHEDULE_FIELDS = ("school_id", "assessment_id", "class_label", "date")


@transaction.atomic
def _save_schedule(report: ListReport, parsed: list, *, by, region: Region) -> None:
    """Save in bulk (new lines inserted, changed dates updated), with an audit row for every work, line and date
    the file creates or changes, and one summing up the file."""
    audit: list = []
    works = _works_for(parsed, by=by, region=region, note=report.file, audit=audit)
    new, changed = _plan_lines(report, parsed, works, region)
    ScheduleEntry.objects.bulk_create(new, batch_size=2000)
    ScheduleEntry.objects.bulk_update([entry for entry, _old in changed], ["date"], batch_size=500)
    audit += [_row_event(by, Action.CREATE, e, None, snapshot(e, SCHEDULE_FIELDS), region, report.file) for e in new]
    audit += [
        _row_event(by, Action.UPDATE, e, {"date": str(old)}, {"date": str(e.date)}, region, report.file)
        for e, old in changed
    ]
    updated = len(changed)
    summary = {
        "rows": report.rows,
        "created": report.created,
        "updated": updated,
        "unchanged": report.unchanged - updated,
    }
    audit.append(
        event(
            by=by,
            action=Action.IMPORT,
            object_type="results.ScheduleEntry",
            object_repr=report.file,
            after=summary,
            scope=region,
        )
    )
    record_many(audit)


def _plan_lines(
    report: ListReport, parsed: list, works: dict[tuple, Assessment], region: Region
) -> tuple[list[ScheduleEntry], list[tuple[ScheduleEntry, datetime.date]]]:
    """The lines to insert and the existing ones whose date changes (with the old date); the region's lines of
    these works are read in one query. A line given twice keeps its last date, as it always did."""
    lines = {
        (e.school_id, e.assessment_id, e.class_label): e
        for e in ScheduleEntry.objects.filter(
            assessment__in=list(works.values()), school__municipality__region=region
        ).select_related("school", "assessment")
    }
    new: dict[tuple, ScheduleEntry] = {}
    old_dates: dict[tuple, datetime.date] = {}
    for school, key, class_label, day in parsed:
        assessment = works[tuple(sorted(key.items()))]
        line_key = (school.pk, assessment.pk, class_label)
        entry = new.get(line_key) or lines.get(line_key)
        if entry is None:
            new[line_key] = ScheduleEntry(school=school, assessment=assessment, class_label=class_label, date=day)
            report.created += 1
            continue
        report.unchanged += 1  # a line already there (its date updated if the file gives another)
        if line_key in lines:
            old_dates.setdefault(line_key, entry.date)
        entry.date = day
    changed = [(lines[k], old) for k, old in old_dates.items() if lines[k].date != old]
    return list(new.values()), changed


def _works_for(parsed: list, *, by, region: Region, note: str, audit: list) -> dict[tuple, Assessment]:
    """The works the rows name, by key: one lookup per work; a work new to the catalogue is created and audited."""
    works: dict[tuple, Assessment] = {}
    for _school, key, _class_label, _day in parsed:
        work_key = tuple(sorted(key.items()))
        if work_key in works:
            continue
        found = Assessment.objects.filter(**key).first()
        if found is None:
            found = refdata.assessment_for(**key)
            after = snapshot(found, ("procedure", "year", "period", "grade", "subject", "form"))
            audit.append(event(by=by, action=Action.CREATE, obj=found, after=after, note=note, scope=region))
        works[work_key] = found
    return works


def _row_event(by, action: str, row, before, after, region: Region, note: str):
    """The audit row of a schedule line or a sample entry, filed at its school without a query per row."""
    entry = event(by=by, action=action, obj=row, before=before, after=after, note=note, scope=region)
    entry.municipality_id, entry.school_id = row.school.municipality_id, row.school_id
    return entry


def import_control_sample(
    table: RawTable, name: str, *, region: Region, by, assessment: Assessment | None
) -> ListReport:
    report = ListReport(file=name, rows=len(table.rows))
    rows = _Rows(table, ("login",) if assessment else ("login", "subject", "class"))
    if _missing_columns(report, rows):
        return report
    schools, parsed = _schools_of(region), []
    works: dict[tuple[str, int], Assessment | None] = {}
    for line, row in zip(table.lines, table.rows, strict=True):
        school = _school(rows, line, row, schools)
        work = assessment or _work_of(rows, line, row, works)
        if school is not None and work is not None:
            parsed.append((work, school))
    report.problems = rows.problems
    if report.ok:
        _save_sample(report, parsed, by=by, region=region)
    return report


def _work_of(rows: _Rows, line: int, row: list[str], works: dict) -> Assessment | None:
    """The spring ВПР work of the row's subject and grade (`works` remembers those already looked up)."""
    subject, grade_class = _subject(rows, line, row), _grade_and_class(rows, line, row)
    if subject is None or grade_class is None or not _grade_of_procedure(rows, line, row, grade_class[0], "vpr"):
        return None
    if (subject, grade_class[0]) not in works:
        works[(subject, grade_class[0])] = Assessment.objects.filter(
            procedure="vpr", subject=subject, grade=grade_class[0], period=Period.SPRING
        ).first()
    work = works[(subject, grade_class[0])]
    if work is None:
        rows.problem(
            line, "subject", rows.cell(row, "subject"), _("no such work in the catalogue; choose the work on the page")
        )
    return work


@transaction.atomic
def _save_sample(report: ListReport, parsed: list, *, by, region: Region) -> None:
    """Add the entries the sample lacks (in bulk), each with its audit row; the ones already there are counted."""
    there = set(
        ControlSample.objects.filter(
            assessment__in={work.pk for work, _school in parsed}, school__municipality__region=region
        ).values_list("assessment_id", "school_id")
    )
    new: dict[tuple[int, int], ControlSample] = {}
    for work, school in parsed:
        key = (work.pk, school.pk)
        if key in there or key in new:
            report.unchanged += 1
        else:
            new[key] = ControlSample(assessment=work, school=school)
            report.created += 1
    ControlSample.objects.bulk_create(list(new.values()), batch_size=2000)
    fields = ("assessment_id", "school_id")
    audit = [_row_event(by, Action.CREATE, e, None, snapshot(e, fields), region, report.file) for e in new.values()]
    audit.append(
        event(
            by=by,
            action=Action.IMPORT,
            object_type="results.ControlSample",
            object_repr=report.file,
            after={"rows": report.rows, "created": report.created, "unchanged": report.unchanged},
            scope=region,
        )
    )
    record_many(audit)
