"""Import of the federal list of schools with markers: every row checked, then all or nothing.

A file may hold several years; its entries replace the region's entries of those years (the earlier lists stay as
history, and the audit row names what was replaced). A non-empty cell of a work's column marks the school on that
work. Schools the registry does not have are kept with the name and municipality the list gives, and reported.
Rows of another region's logins are left out and counted. A file whose entries are already the region's changes
nothing.
"""

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.db import connections, router
from django.utils import timezone
from django.utils.translation import gettext as _

from objectivity.core.actions import action
from objectivity.core.auditing import Action, record
from objectivity.core.bulk import bulk_insert
from objectivity.core.tabular import RawTable, read_table
from objectivity.orgs.models import Region, School
from objectivity.orgs.registry import LOGIN_RE, REGION_DIGITS_RE, RowProblem, name_problem
from objectivity.reports import federal_layout as layout
from objectivity.reports.federal_columns import Mapping, describe, problems
from objectivity.reports.models import FederalEntry, FederalList

FIRST_YEAR = 2015  # the first ВПР
MAX_MARKERS = 1000
NOT_MARKED = {"", "0", "-", "—", "–", "нет"}
MARKED_WORDS = {"+", "да", "x", "х", "v", "✓", "есть"}
MAX_EXAMPLES = 10


@dataclass
class FederalReport:
    file: str
    rows: int = 0
    entries: int = 0
    years: list[int] = field(default_factory=list)
    marked: dict[str, int] = field(default_factory=dict)  # year → schools marked on some work
    not_in_registry: list[dict] = field(default_factory=list)  # {"row", "year", "login", "municipality", "school"}
    skipped: int = 0  # rows of another region's logins
    skipped_examples: list[dict] = field(default_factory=list)
    replaced: dict[str, int] = field(default_factory=dict)  # year → entries of earlier lists replaced
    columns: str = ""
    problems: list[RowProblem] = field(default_factory=list)
    file_error: str = ""
    unchanged: bool = False
    list_id: int | None = None

    @property
    def ok(self) -> bool:
        return not self.problems and not self.file_error

    def summary(self) -> dict:
        """What the list keeps and the audit log records (problems aside: an imported file has none)."""
        keys = ("file", "rows", "entries", "years", "marked", "not_in_registry", "skipped", "skipped_examples")
        return {key: getattr(self, key) for key in (*keys, "replaced", "columns")}


@dataclass
class Parsed:
    line: int
    year: int
    login: str
    municipality_name: str
    school_name: str
    marks: dict[str, str]
    markers: int | None


class EntryParser:
    """One raw row → Parsed, collecting problems (row, column, value, what was expected) instead of raising."""

    def __init__(self, header: list[str], mapping: Mapping, region: Region, registry: dict[str, int]):
        self.header, self.mapping, self.region, self.registry = header, mapping, region, registry
        self.problems: list[RowProblem] = []
        self.last_year = timezone.localdate().year + 1
        self.works = sorted(mapping.works.items(), key=lambda item: item[1])  # in the file's order

    def cell(self, row: list[str], key: str) -> str:
        index = self.mapping.fields.get(key)
        return " ".join(row[index].split()) if index is not None else ""

    def problem(self, line: int, index: int | None, value: str, message: str) -> None:
        column = self.header[index] if index is not None else "—"
        self.problems.append(RowProblem(line, column, value[:80], message))

    def other_region(self, row: list[str]) -> str:
        """The two digits of another region's login («» for the region's own or a login that is no login)."""
        login = self.cell(row, "login").lower()
        digits = REGION_DIGITS_RE.match(login)
        own = self.region.code.zfill(2)[-2:]
        foreign = LOGIN_RE.match(login) and digits and self.region.code.isdigit() and digits.group(1) != own
        return digits.group(1) if foreign and digits else ""

    def parse(self, line: int, row: list[str]) -> Parsed | None:
        before = len(self.problems)
        login = self.login(line, row)
        parsed = Parsed(
            line=line,
            year=self.year(line, row),
            login=login,
            municipality_name=self.name(line, row, "municipality", 200),
            school_name=self.school_name(line, row, login),
            marks=self.marks(line, row),
            markers=self.markers(line, row),
        )
        return parsed if len(self.problems) == before else None

    def year(self, line: int, row: list[str]) -> int:
        if "year" not in self.mapping.fields and self.mapping.year:
            return self.mapping.year  # a file of one year, given on the mapping step or in --year
        value = self.cell(row, "year")
        text = value.removesuffix(".0")
        if not text.isascii() or not text.isdigit() or not FIRST_YEAR <= int(text) <= self.last_year:
            self.problem(
                line,
                self.mapping.fields["year"],
                value,
                _("“%(v)s” is not a year of ВПР; expected a year from %(first)d to %(last)d, like 2025")
                % {"v": value, "first": FIRST_YEAR, "last": self.last_year},
            )
            return 0
        return int(text)

    def login(self, line: int, row: list[str]) -> str:
        value = self.cell(row, "login")
        if not LOGIN_RE.match(value.lower()):
            self.problem(
                line,
                self.mapping.fields["login"],
                value,
                _("“%(v)s” is not a ФИС ОКО login (expected letters and digits, like sch220206)") % {"v": value},
            )
        return value.lower()

    def name(self, line: int, row: list[str], key: str, limit: int) -> str:
        value = self.cell(row, key)
        index = self.mapping.fields.get(key)
        if len(value) > limit:
            self.problem(line, index, value[:40] + "…", _("longer than %(n)d characters") % {"n": limit})
        elif value and (problem := name_problem(value)):
            self.problem(line, index, value, problem)
        return value

    def school_name(self, line: int, row: list[str], login: str) -> str:
        value = self.name(line, row, "school", 500)
        if not value and login not in self.registry and LOGIN_RE.match(login):
            index = self.mapping.fields.get("school", self.mapping.fields["login"])
            self.problem(
                line,
                index,
                value or login,
                _(
                    "the school %(login)s is not in the registry and the row gives no name; expected its name in «%(column)s»"
                )
                % {"login": login, "column": layout.FIELDS["school"]},
            )
        return value

    def marks(self, line: int, row: list[str]) -> dict[str, str]:
        marks = {}
        for key, index in self.works:
            value = row[index].strip()
            if not value:
                continue
            if is_marked(value):
                marks[key] = value
            elif value.lower() not in NOT_MARKED:
                self.problem(
                    line,
                    index,
                    value,
                    _(
                        "“%(v)s” is not a marker; expected an empty cell (no marker), a number of markers, «1», «+» or «да»"
                    )
                    % {"v": value},
                )
        return marks

    def markers(self, line: int, row: list[str]) -> int | None:
        value = self.cell(row, "markers")
        text = value.removesuffix(".0")
        if not value:
            return None
        if not text.isascii() or not text.isdigit() or int(text) > MAX_MARKERS:
            self.problem(
                line,
                self.mapping.fields["markers"],
                value,
                _("“%(v)s” is not a number of markers; expected a whole number from 0 to %(max)d or an empty cell")
                % {"v": value, "max": MAX_MARKERS},
            )
            return None
        return int(text)


def is_marked(value: str) -> bool:
    """A work's cell marks the school: a number of markers above 0, «+», «да» (an empty cell, «0», «нет» do not)."""
    text = value.lower().removesuffix(".0")
    return text in MARKED_WORDS or (text.isascii() and text.isdigit() and int(text) > 0)


def validate(table: RawTable, mapping: Mapping, region: Region, file_name: str) -> tuple[FederalReport, list[Parsed]]:
    report = FederalReport(file=file_name, rows=len(table.rows), columns=describe(mapping, table.header))
    if layout.is_own_export(table.header):
        report.file_error = own_export_error(file_name)
        return report, []
    if found := problems(mapping):
        report.file_error = _("File “%(name)s”: %(problems)s") % {"name": file_name, "problems": "; ".join(found)}
        return report, []
    registry = _registry(table, mapping, region)
    parser = EntryParser(table.header, mapping, region, registry)
    parsed: list[Parsed] = []
    first_line: dict[tuple[int, str], int] = {}
    for line, row in zip(table.lines, table.rows, strict=True):
        if digits := parser.other_region(row):
            _skip(report, line, parser.cell(row, "login"), digits)
        elif (entry := parser.parse(line, row)) is not None:
            _keep_once(parser, parsed, first_line, entry)
    report.problems = parser.problems
    _count(report, parsed, registry)
    return report, parsed


def own_export_error(file_name: str) -> str:
    return _(
        "File “%(name)s” is this system's own export of its markers in the federal layout (it says «%(note)s»), "
        "not the list the region received"
    ) % {"name": file_name, "note": layout.NOT_FEDERAL}


def _registry(table: RawTable, mapping: Mapping, region: Region) -> dict[str, int]:
    """Login → school id, for the logins of the file that the region's registry has."""
    index = mapping.fields.get("login")
    logins = {row[index].strip().lower() for row in table.rows} if index is not None else set()
    return registry_of(region, logins)


def registry_of(region: Region, logins) -> dict[str, int]:
    schools = School.objects.filter(municipality__region=region)
    return (
        dict(schools.filter(login__in=logins).values_list("login", "pk"))
        if len(logins) < 900
        else {login: pk for login, pk in schools.values_list("login", "pk") if login in logins}
    )  # a long IN list costs more than reading the region's registry


def _skip(report: FederalReport, line: int, login: str, digits: str) -> None:
    report.skipped += 1
    if len(report.skipped_examples) < MAX_EXAMPLES:
        report.skipped_examples.append({"row": line, "login": login, "region": digits})


def _keep_once(parser: EntryParser, parsed: list[Parsed], first_line: dict, entry: Parsed) -> None:
    earlier = first_line.setdefault((entry.year, entry.login), entry.line)
    if earlier == entry.line:
        parsed.append(entry)
        return
    parser.problem(
        entry.line,
        parser.mapping.fields["login"],
        entry.login,
        _("the login repeats row %(row)d of the same year %(year)d; expected one row per school and year")
        % {"row": earlier, "year": entry.year},
    )


def _count(report: FederalReport, parsed: list[Parsed], registry: dict[str, int]) -> None:
    report.entries = len(parsed)
    report.years = sorted({entry.year for entry in parsed})
    for year in report.years:
        report.marked[str(year)] = sum(1 for entry in parsed if entry.year == year and entry.marks)
    report.not_in_registry = [
        {"row": e.line, "year": e.year, "login": e.login, "municipality": e.municipality_name, "school": e.school_name}
        for e in parsed
        if e.login not in registry
    ]


@action
def import_federal_list(
    *, by, region: Region, table: RawTable, mapping: Mapping, file_name: str, sha256: str, original: str = ""
) -> FederalReport:
    """Validate every row and, if all are valid, replace the region's entries of the file's years (atomic)."""
    report, parsed = validate(table, mapping, region, file_name)
    if not report.ok:
        return report
    if not report.entries:
        report.file_error = _("File “%(name)s” has no row of the region") % {"name": file_name}
        return report
    Region.objects.select_for_update().filter(pk=region.pk).first()  # one import of the region's list at a time
    earlier = FederalEntry.objects.filter(region=region, year__in=report.years)
    registry = registry_of(region, {entry.login for entry in parsed})
    if _same_entries(earlier, parsed, registry):
        report.unchanged = True
        report.list_id = earlier.order_by("-federal_list_id").values_list("federal_list_id", flat=True).first()
        return report
    history = _history(earlier)
    report.replaced = {year: data["entries"] for year, data in history.items()}
    earlier.delete()
    kept = FederalList.objects.create(
        region=region, file_name=file_name, original=original, sha256=sha256, created_by=by,
        mapping={**mapping.as_json(), "header": table.header}, years=report.years, summary=report.summary(),
    )  # fmt: skip
    _insert_entries(kept, parsed, registry)
    report.list_id = kept.pk
    record(by=by, action=Action.IMPORT, obj=kept, before={"replaced": history} if history else None,
           after={**report.summary(), "sha256": sha256})  # fmt: skip
    return report


STORED = ("year", "login", "municipality_name", "school_name", "marks", "markers", "school_id")


def _fingerprint(year, login, municipality, school, marks: dict, markers, school_id) -> tuple:
    return (year, login, municipality, school, tuple(sorted(marks.items())), markers, school_id)


def _same_entries(earlier, parsed: list[Parsed], registry: dict[str, int]) -> bool:
    """The file holds exactly the region's entries of its years, each tied to the same school."""
    stored = {_fingerprint(*values) for values in earlier.values_list(*STORED)}
    incoming = {
        _fingerprint(p.year, p.login, p.municipality_name, p.school_name, p.marks, p.markers, registry.get(p.login))
        for p in parsed
    }
    return len(stored) == len(parsed) and stored == incoming


def _history(earlier) -> dict[str, dict]:
    """Per year, what the replaced entries said: login → the works marked, and which files they came from."""
    history: dict[str, dict] = {}
    rows = earlier.order_by("year", "login").values_list("year", "login", "marks", "federal_list__file_name")
    for year, login, marks, file_name in rows:
        kept = history.setdefault(str(year), {"files": [], "marked": {}})
        if file_name not in kept["files"]:
            kept["files"].append(file_name)
        kept["marked"][login] = sorted(marks)
    return {year: {**data, "entries": len(data["marked"])} for year, data in history.items()}


ENTRY_COLUMNS = ("federal_list_id", "region_id", "year", "login", "municipality_name", "school_name", "school_id",
                 "marks", "markers")  # fmt: skip


def _insert_entries(kept: FederalList, parsed: list[Parsed], registry: dict[str, int]) -> None:
    """The entries in one statement per batch: on SQLite plain rows through executemany (model instances and
    Django's INSERT compiler took two thirds of a 40,000-row import); elsewhere core.bulk (COPY on PostgreSQL)."""
    connection = connections[router.db_for_write(FederalEntry)]
    if connection.vendor != "sqlite":
        bulk_insert(
            [FederalEntry(**dict(zip(ENTRY_COLUMNS, row, strict=True))) for row in _rows(kept, parsed, registry)]
        )
        return
    table = connection.ops.quote_name(FederalEntry._meta.db_table)
    columns = ", ".join(connection.ops.quote_name(c) for c in ENTRY_COLUMNS)
    marks = ENTRY_COLUMNS.index("marks")
    rows = [
        (*row[:marks], json.dumps(row[marks], ensure_ascii=False), *row[marks + 1 :])
        for row in _rows(kept, parsed, registry)
    ]
    with connection.cursor() as cursor:
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(ENTRY_COLUMNS))})", rows)


def _rows(kept: FederalList, parsed: list[Parsed], registry: dict[str, int]) -> list[tuple]:
    return [
        (kept.pk, kept.region_id, p.year, p.login, p.municipality_name, p.school_name, registry.get(p.login), p.marks,
         p.markers)
        for p in parsed
    ]  # fmt: skip


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as source:
        for chunk in iter(lambda: source.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def keep_original(path: Path, name: str) -> str:
    """The file kept under DATA_DIR/uploads/federal (an upload is there already; a console file is copied)."""
    folder = Path(settings.UPLOAD_DIR) / "federal"
    if path.resolve().is_relative_to(folder.resolve()):
        return str(path)
    target = folder / f"{timezone.now():%Y%m%d-%H%M%S}-{sha256_of(path)[:12]}{Path(name).suffix.lower()}"
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(path, target)
    return str(target)


def import_file(path: Path, name: str, region: Region, *, by, mapping: Mapping) -> FederalReport:
    """Read the file (limits checked, TableFileError when it cannot be read) and import it with `mapping`; the
    file is kept when its entries are saved."""
    table = read_table(path, name)
    kept = keep_original(path, name)
    report = import_federal_list(
        by=by, region=region, table=table, mapping=mapping, file_name=name, sha256=sha256_of(path), original=kept
    )
    if (not report.ok or report.unchanged) and kept != str(path):
        Path(kept).unlink(missing_ok=True)
    return report
