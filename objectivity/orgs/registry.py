"""Import of the school registry (CSV/XLSX): validate every row, then apply all or nothing.

Re-import updates schools by login. A file with any bad row changes nothing and returns a
row-by-row list of problems in Russian.
"""

import functools
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from objectivity.core.auditing import Action, event, record_many
from objectivity.core.tabular import RawTable, column_letters, read_table
from objectivity.orgs.models import Municipality, Region, School, SchoolType, Settlement
from objectivity.orgs.registry_columns import describe

LOGIN_RE = re.compile(r"^[a-z]{2,5}\d{4,8}$")
MAX_PUPILS_PER_GRADE = 5000
PUPILS_RE = re.compile(r"[0-9]{1,6}")  # ASCII digits only: «²» or «٣» pass str.isdigit() yet are no count

COLUMN_ALIASES = {
    "login": ("логин", "логин оо", "логин школы", "login"),
    "full_name": ("полное наименование", "полное название", "наименование оо", "полное наименование оо"),
    "short_name": ("краткое наименование", "краткое название", "сокращённое наименование"),
    "municipality": ("муниципалитет", "муниципальное образование", "муниципальный район", "мо"),
    "school_type": ("тип", "тип оо", "вид оо"),
    "settlement": ("тип поселения", "местность", "тип местности", "поселение"),
    "is_small": ("малокомплектная",),
    "is_branch": ("филиал",),
    "is_advanced": ("углублённое изучение", "с углублённым изучением предметов", "уиоп"),
    "email": ("электронная почта", "e-mail", "email"),
}
REQUIRED = ("login", "full_name", "municipality")
NO_MUNICIPALITY = "Муниципалитет не указан"  # schools of a file with no municipality column go here
REGION_DIGITS_RE = re.compile(r"^[a-z]+(\d\d)")
MAX_SKIPPED_EXAMPLES = 10
GRADE_HEADER_RE = re.compile(r"^(?:обучающихся|учащихся|кол-во обучающихся)?\s*(\d{1,2})\s*(?:класс|кл\.?)")

TYPE_WORDS = [
    (SchoolType.LYCEUM, ("лицей",)),
    (SchoolType.GYMNASIUM, ("гимназия",)),
    (SchoolType.BOARDING, ("интернат",)),
    (SchoolType.EVENING, ("вечерн", "в(с)ош", "всош")),
    (SchoolType.SPECIAL, ("коррекц", "адаптирован")),
    (SchoolType.CENTRE, ("центр образования", "цо")),
    (SchoolType.NOSH, ("нош", "начальная")),
    (SchoolType.OOSH, ("оош", "основная")),
    (SchoolType.SOSH, ("сош", "средняя", "школа")),
    (SchoolType.OTHER, ("другое", "иное")),
]
SETTLEMENT_WORDS = [
    (Settlement.TOWN, ("пгт", "посёлок городского типа", "поселок городского типа", "рабочий посёлок")),
    (Settlement.CITY, ("город", "городская", "г.", "г")),
    (Settlement.VILLAGE, ("село", "сельская", "сельская местность", "деревня", "посёлок", "поселок", "с.")),
]
YES = {"да", "1", "+", "true", "yes", "д"}
NO = {"нет", "0", "-", "false", "no", "н", ""}


def normalise(text: str) -> str:
    return " ".join(text.strip().lower().replace("ё", "е").split())


@dataclass
class RowProblem:
    row: int
    column: str
    value: str
    message: str

    def as_text(self) -> str:
        return _("Row %(row)d, column “%(column)s”: %(message)s") % {
            "row": self.row,
            "column": self.column,
            "message": self.message,
        }


@dataclass
class RegistryReport:
    file: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    new_municipalities: list[str] = field(default_factory=list)
    problems: list[RowProblem] = field(default_factory=list)
    file_error: str = ""
    skipped: int = 0  # rows of another region, left out
    skipped_examples: list[dict] = field(default_factory=list)  # {"row", "login", "reason"}
    no_municipality: bool = False  # the file has no municipality column: schools go to NO_MUNICIPALITY
    columns: str = ""  # which column was read as which field, when the file is not in the known layout

    @property
    def ok(self) -> bool:
        return not self.problems and not self.file_error

    def as_dict(self) -> dict:
        return {
            "file": self.file,
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "new_municipalities": self.new_municipalities,
            "file_error": self.file_error,
            "problems": [p.__dict__ for p in self.problems],
            "skipped": self.skipped,
            "skipped_examples": self.skipped_examples,
            "no_municipality": self.no_municipality,
            "no_municipality_name": NO_MUNICIPALITY if self.no_municipality else "",
            "columns": self.columns,
        }


def map_columns(header: list[str]) -> tuple[dict[str, int], dict[int, int]]:
    """Field → column index, and grade → column index, from header labels."""
    wanted = {normalise(alias): key for key, aliases in COLUMN_ALIASES.items() for alias in aliases}
    fields: dict[str, int] = {}
    grades: dict[int, int] = {}
    for index, label in enumerate(header):
        key = wanted.get(normalise(label).replace("ё", "е"))
        if key and key not in fields:
            fields[key] = index
            continue
        match = GRADE_HEADER_RE.match(normalise(label))
        if match and 1 <= int(match.group(1)) <= 11:
            grades[int(match.group(1))] = index
    return fields, grades


def _word_patterns(words) -> list[tuple[str, re.Pattern[str]]]:
    """One compiled pattern per choice: any of its keys at the start of a word."""
    out = []
    for choice, keys in words:
        alternatives = "|".join(re.escape(normalise(key)) for key in keys)
        out.append((choice, re.compile(rf"(?:^|[\s«\"(№-])(?:{alternatives})")))
    return out


TYPE_PATTERNS = _word_patterns(TYPE_WORDS)
SETTLEMENT_PATTERNS = _word_patterns(SETTLEMENT_WORDS)


@functools.lru_cache(maxsize=4096)
def _choice_of(text: str, patterns_key: str):
    patterns = TYPE_PATTERNS if patterns_key == "type" else SETTLEMENT_PATTERNS
    return next((choice for choice, pattern in patterns if pattern.search(text)), None)


def _choice(value: str, patterns_key: str, inferred_from: str = ""):
    return _choice_of(normalise(value or inferred_from), patterns_key)


def _bool(value: str) -> bool | None:
    text = normalise(value)
    return True if text in YES else False if text in NO else None


class RowParser:
    """Turns one raw row into school values, collecting problems instead of raising."""

    def __init__(self, header: list[str], fields: dict[str, int], grades: dict[int, int], region: Region):
        self.header, self.fields, self.grades, self.region = header, fields, grades, region
        self.problems: list[RowProblem] = []

    def cell(self, row: list[str], key: str) -> str:
        index = self.fields.get(key)
        return row[index].strip() if index is not None else ""

    def problem(self, line: int, key_or_index, value: str, message: str) -> None:
        index = self.fields.get(key_or_index) if isinstance(key_or_index, str) else key_or_index
        column = self.header[index] if index is not None else str(key_or_index)
        self.problems.append(RowProblem(line, column, value, message))

    def parse(self, line: int, row: list[str]) -> dict[str, Any] | None:
        before = len(self.problems)
        values: dict[str, Any] = {
            "login": self.login(line, row),
            "full_name": self.required_text(line, row, "full_name", 500),
            "municipality": self.municipality(line, row),
            "school_type": self.school_type(line, row),
            "settlement": self.settlement(line, row),
            "is_small": self.flag(line, row, "is_small"),
            "is_branch": self.flag(line, row, "is_branch"),
            "is_advanced": self.flag(line, row, "is_advanced"),
            "email": self.cell(row, "email")[:254],
            "pupils_by_grade": self.pupils(line, row),
        }
        values["short_name"] = self.short_name(line, row, str(values["full_name"]))
        return values if len(self.problems) == before else None

    def municipality(self, line: int, row: list[str]) -> str:
        if "municipality" not in self.fields:
            return NO_MUNICIPALITY
        return self.required_text(line, row, "municipality", 200)

    def login(self, line: int, row: list[str]) -> str:
        value = self.cell(row, "login")
        login = value.lower()
        if not LOGIN_RE.match(login):
            self.problem(
                line,
                "login",
                value,
                _("“%(v)s” is not a ФИС ОКО login (expected letters and digits, like sch220206)") % {"v": value},
            )
        return login

    def other_region(self, row: list[str]) -> str:
        """Why the row belongs to another region («» when it is the region's own or cannot tell)."""
        login = self.cell(row, "login").lower()
        digits = REGION_DIGITS_RE.match(login)
        code = self.region.code.zfill(2)[-2:]
        if LOGIN_RE.match(login) and digits and self.region.code.isdigit() and digits.group(1) != code:
            return _("the login belongs to region %(code)s, while the registry is loaded for region %(region)s") % {
                "code": digits.group(1),
                "region": self.region.code,
            }
        label = self.cell(row, "region")
        if "region" in self.fields and label and not same_region(label, self.region.name):
            return _("the region «%(label)s» is not %(region)s") % {"label": label, "region": self.region.name}
        return ""

    def required_text(self, line: int, row: list[str], key: str, limit: int) -> str:
        value = " ".join(self.cell(row, key).split())
        if not value:
            self.problem(line, key, value, _("the value is empty; it is required"))
        elif len(value) > limit:
            self.problem(line, key, value[:40] + "…", _("longer than %(n)d characters") % {"n": limit})
        elif problem := name_problem(value):
            self.problem(line, key, value[:80], problem)
        return value

    def short_name(self, line: int, row: list[str], full_name: str) -> str:
        value = " ".join(self.cell(row, "short_name").split())
        value = "" if not value.strip("-—– ") else value  # «-» is how a table says «none»: the full name is used
        if value and (problem := name_problem(value)):
            self.problem(line, "short_name", value[:80], problem)
        return (value or full_name)[:200]

    def school_type(self, line: int, row: list[str]) -> str:
        value = self.cell(row, "school_type")
        choice = _choice(value, "type", inferred_from=self.cell(row, "full_name"))
        if choice is None:
            if value:
                self.problem(
                    line,
                    "school_type",
                    value,
                    _(
                        "“%(v)s” is not a known school type; expected one of: СОШ, ООШ, НОШ, лицей, гимназия, школа-интернат, центр образования, вечерняя, коррекционная, другое"
                    )
                    % {"v": value},
                )
            return SchoolType.OTHER
        return choice

    def settlement(self, line: int, row: list[str]) -> str:
        value = self.cell(row, "settlement")
        if not value:
            return Settlement.CITY
        choice = _choice(value, "settlement")
        if choice is None:
            self.problem(
                line,
                "settlement",
                value,
                _("“%(v)s” is not a settlement type; expected город, пгт or село") % {"v": value},
            )
            return Settlement.CITY
        return choice

    def flag(self, line: int, row: list[str], key: str) -> bool:
        value = self.cell(row, key)
        parsed = _bool(value)
        if parsed is None:
            self.problem(line, key, value, _("“%(v)s” is not yes/no; expected да or нет") % {"v": value})
        return bool(parsed)

    def pupils(self, line: int, row: list[str]) -> dict[str, int]:
        out: dict[str, int] = {}
        for grade, index in sorted(self.grades.items()):
            value = row[index].strip().replace("\u00a0", "").replace(" ", "")
            if not value:
                continue
            if value.endswith(".0"):
                value = value[:-2]
            if not PUPILS_RE.fullmatch(value) or int(value) > MAX_PUPILS_PER_GRADE:
                self.problem(
                    line,
                    index,
                    row[index],
                    _("“%(v)s” is not a number of pupils (an integer from 0 to %(max)d)")
                    % {"v": row[index], "max": MAX_PUPILS_PER_GRADE},
                )
                continue
            out[str(grade)] = int(value)
        return out


FORMULA_START = ("=", "+", "-", "@")  # what makes a spreadsheet read a cell as a formula
MARKUP = re.compile(r"[<>\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")  # markup and control characters


def name_problem(value: str) -> str:
    """Why `value` cannot be a school's or a municipality's name («» when it can): no letters, a formula's start,
    markup or control characters. Names are shown on pages and written to exports: they must be plain text."""
    if not any(ch.isalpha() for ch in value):
        return _("“%(v)s” has no letters; expected a name") % {"v": value[:80]}
    if value.startswith(FORMULA_START):
        return _("“%(v)s” begins with «%(sign)s», like a spreadsheet formula; a name cannot") % {
            "v": value[:80],
            "sign": value[0],
        }
    if found := MARKUP.search(value):
        return _("“%(v)s” contains «%(char)s», which a name cannot contain") % {
            "v": value[:80],
            "char": found.group(0) if found.group(0).isprintable() else f"U+{ord(found.group(0)):04X}",
        }
    return ""


def new_login_problem(login: str, region: Region) -> str:
    """Why `login` cannot be added to `region`'s registry as a new school («» when it can): the same rules as a
    registry file's rows (a ФИС ОКО login, of this region's code, not registered in another region)."""
    if not LOGIN_RE.match(login):
        return _("“%(v)s” is not a ФИС ОКО login (expected letters and digits, like sch220206)") % {"v": login}
    digits = REGION_DIGITS_RE.match(login)
    code = region.code.zfill(2)[-2:]
    if digits and region.code.isdigit() and digits.group(1) != code:
        return _("the login belongs to region %(code)s, while the registry is loaded for region %(region)s") % {
            "code": digits.group(1),
            "region": region.code,
        }
    other = School.objects.filter(login=login).exclude(municipality__region=region).first()
    if other is not None:
        return _("a school with this login is registered in another region (%(r)s)") % {
            "r": other.municipality.region.name
        }
    return ""


def same_region(label: str, name: str) -> bool:
    """«СПО Алтайский край» and «Алтайский кр.» name the region «Алтайский край»; «Новосибирская обл.» does not."""
    label, name = normalise(label), normalise(name)
    stem = name.split()[0][:6] if name else ""
    return name in label or label in name or (len(stem) >= 4 and stem in label)


def repeated_column(table: RawTable, file_name: str) -> str:
    """Why the header cannot be read when it names a field or a grade twice (which of the two columns holds the
    value cannot be told), else «»."""
    wanted = {normalise(alias) for aliases in COLUMN_ALIASES.values() for alias in aliases}
    seen: dict[str, list[int]] = {}
    for index, label in enumerate(table.header):
        text = normalise(label)
        if text in wanted or GRADE_HEADER_RE.match(text):
            seen.setdefault(text, []).append(index)
    for label, at in seen.items():
        if len(at) > 1:
            return _(
                "File “%(name)s”, row %(row)d: the header names «%(label)s» in columns %(columns)s; which one to read "
                "cannot be told: leave one of them"
            ) % {
                "name": file_name,
                "row": table.header_line,
                "label": label,
                "columns": ", ".join(column_letters(i) for i in at),
            }
    return ""


def is_known_layout(header: list[str]) -> bool:
    """The header names every required column by one of our aliases: no mapping step is needed."""
    fields, _grades = map_columns(header)
    return all(key in fields for key in REQUIRED)


def validate(
    table: RawTable, region: Region, file_name: str, progress=None, *, columns: dict[str, int] | None = None
) -> tuple[RegistryReport, list[dict]]:
    """Check every row. `columns` (field → column index) is a confirmed mapping; without it the header
    must be in the known layout."""
    report = RegistryReport(file=file_name, rows=len(table.rows))
    fields, grades = map_columns(table.header)
    if columns is None and (repeated := repeated_column(table, file_name)):
        report.file_error = repeated
        return report, []
    if columns is not None:
        fields = {key: index for key, index in columns.items() if 0 <= index < len(table.header)}
        grades = {g: i for g, i in grades.items() if i not in fields.values()}
        report.columns = describe(fields, table.header)
        report.no_municipality = "municipality" not in fields
    needed = [key for key in REQUIRED if key not in fields and (columns is None or key != "municipality")]
    if needed:
        labels = ", ".join(f"«{COLUMN_ALIASES[k][0]}»" for k in needed)
        report.file_error = _("File “%(name)s”: required columns are missing: %(cols)s. Columns found: %(found)s") % {
            "name": file_name,
            "cols": labels,
            "found": ", ".join(f"«{h}»" for h in table.header if h) or "—",
        }
        report.file_error += " " + _(
            "Say which column holds which field: on the import page, or with --columns on the command line."
        )
        return report, []
    parser = RowParser(table.header, fields, grades, region)
    parsed: list[dict] = []
    first_line_of: dict[str, int] = {}
    for i, (line, row) in enumerate(zip(table.lines, table.rows, strict=True)):
        if reason := parser.other_region(row):
            _skip(report, line, parser.cell(row, "login"), reason)
            continue
        values = parser.parse(line, row)
        if values is not None:
            if values["login"] in first_line_of:
                parser.problem(
                    line,
                    "login",
                    values["login"],
                    _("the login repeats row %(row)d") % {"row": first_line_of[values["login"]]},
                )
            else:
                first_line_of[values["login"]] = line
                parsed.append(values)
        if progress and i % 5000 == 0:
            progress(
                5 + 60 * i // max(1, len(table.rows)),
                _("Checking rows: %(i)d of %(n)d") % {"i": i, "n": len(table.rows)},
            )
    _check_other_regions(parser, parsed, region, first_line_of)
    report.problems = parser.problems
    return report, parsed


def _skip(report: RegistryReport, line: int, login: str, reason: str) -> None:
    report.skipped += 1
    if len(report.skipped_examples) < MAX_SKIPPED_EXAMPLES:
        report.skipped_examples.append({"row": line, "login": login, "reason": reason})


def _check_other_regions(parser: RowParser, parsed: list[dict], region: Region, lines: dict[str, int]) -> None:
    logins = [v["login"] for v in parsed]
    foreign = School.objects.filter(login__in=logins).exclude(municipality__region=region)
    for login, region_name in foreign.values_list("login", "municipality__region__name").iterator():
        parser.problem(
            lines[login],
            "login",
            login,
            _("a school with this login is registered in another region (%(r)s)") % {"r": region_name},
        )


SCHOOL_FIELDS = (
    "full_name",
    "short_name",
    "school_type",
    "settlement",
    "is_small",
    "is_branch",
    "is_advanced",
    "email",
    "pupils_by_grade",
)


def apply(parsed: list[dict], region: Region, report: RegistryReport, *, by) -> None:
    """Create and update schools (and new municipalities) with an audit row for each change."""
    municipalities, audit = _municipalities_for(parsed, region, report, by)
    existing = {s.login: s for s in School.objects.filter(login__in=[v["login"] for v in parsed])}
    creates, changes = [], []
    for values in parsed:
        municipality = municipalities[values["municipality"]]
        school = existing.get(values["login"])
        if school is None:
            creates.append(
                School(login=values["login"], municipality=municipality, **{f: values[f] for f in SCHOOL_FIELDS})
            )
        elif diff := _assign(school, values, municipality):
            changes.append((school, *diff))
        else:
            report.unchanged += 1
    School.objects.bulk_create(creates, batch_size=2000)
    _save_changes(changes)
    report.created, report.updated = len(creates), len(changes)
    audit += [_school_event(by, Action.CREATE, s, region, None, _school_values(s), report.file) for s in creates]
    audit += [_school_event(by, Action.UPDATE, s, region, b, a, report.file) for s, b, a in changes]
    summary = {k: v for k, v in report.as_dict().items() if k != "problems"}
    audit.append(
        event(
            by=by,
            action=Action.IMPORT,
            scope=region,
            object_type="orgs.Registry",
            object_repr=report.file,
            after=summary,
        )
    )
    record_many(audit)


def _municipalities_for(parsed: list[dict], region: Region, report: RegistryReport, by):
    """The region's municipalities by name, creating those the file names for the first time."""
    municipalities = {m.name: m for m in Municipality.objects.filter(region=region)}
    audit = []
    for name in dict.fromkeys(v["municipality"] for v in parsed):
        if name not in municipalities:
            municipalities[name] = Municipality.objects.create(region=region, name=name)
            report.new_municipalities.append(name)
            audit.append(
                event(by=by, action=Action.CREATE, obj=municipalities[name], after={"name": name}, note=report.file)
            )
    return municipalities, audit


def _school_values(school: School) -> dict:
    return {"login": school.login, "municipality_id": school.municipality_id} | {
        f: getattr(school, f) for f in SCHOOL_FIELDS
    }


def _assign(school: School, values: dict, municipality: Municipality) -> tuple[dict, dict] | None:
    """Set the new values on `school`; return (before, after) of the fields that changed, or None."""
    new = {f: values[f] for f in SCHOOL_FIELDS} | {"municipality_id": municipality.pk}
    before = {f: getattr(school, f) for f in new if getattr(school, f) != new[f]}
    if not before:
        return None
    for name in before:
        setattr(school, name, new[name])
    return before, {f: new[f] for f in before}


def _save_changes(changes: list[tuple[School, dict, dict]]) -> None:
    """bulk_update per set of changed fields: writing only what changed keeps the UPDATEs small."""
    groups: dict[tuple[str, ...], list[School]] = {}
    for school, _before, after in changes:
        groups.setdefault(tuple(sorted(after)), []).append(school)
    for fields, schools in groups.items():
        names = [("municipality" if f == "municipality_id" else f) for f in fields]
        School.objects.bulk_update(schools, names, batch_size=500)


def _school_event(by, action, school: School, region: Region, before, after, note: str):
    entry = event(by=by, action=action, obj=school, before=before, after=after, note=note, scope=region)
    entry.municipality_id, entry.school_id = school.municipality_id, school.pk
    return entry


def import_registry(
    path: Path, file_name: str, region: Region, *, by, progress=None, columns: dict[str, int] | None = None
) -> RegistryReport:
    """Read, validate and, if every row is valid, apply the registry in one transaction.

    `columns` (field → column index) is the mapping confirmed by the user when the header is not
    in the known layout; rows of another region are left out and counted."""

    def report_progress(percent: int, message: str) -> None:
        if progress:
            progress(percent, message)

    report_progress(1, _("Reading the file"))
    table = read_table(path, file_name)
    report, parsed = validate(table, region, file_name, report_progress, columns=columns)
    if not report.ok:
        return report
    report_progress(70, _("Saving %(n)d schools") % {"n": len(parsed)})
    with transaction.atomic():
        apply(parsed, region, report, by=by)
    report_progress(100, _("Done"))
    return report
