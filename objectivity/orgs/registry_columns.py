"""Which column of a registry file holds which field: the known layout, a mapping, or a guess.

Real registries seldom use our headers (one in use reads `логин, имя, регион`, where «регион» holds
the municipality). The known layout is read as it is; any other header is mapped by the user (the web
page or `--columns`), helped by guesses from the header words and, for «регион», from the values.
"""

import re
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from objectivity.core.tabular import RawTable

# Field → its Russian name (as on the mapping page and in `--columns`).
FIELDS: dict[str, str] = {
    "login": "логин",
    "full_name": "полное наименование",
    "short_name": "краткое наименование",
    "municipality": "муниципалитет",
    "region": "регион",
    "school_type": "тип",
    "settlement": "тип поселения",
    "is_small": "малокомплектная",
    "is_branch": "филиал",
    "is_advanced": "углублённое изучение",
    "email": "электронная почта",
}
NEEDED = ("login", "full_name")  # without a municipality the schools go to «Муниципалитет не указан»
# Words in a header that point to a field, tried in this order (the first field that matches wins).
HEADER_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("login", ("логин", "login", "код оо в фис", "идентификатор")),
    ("short_name", ("краткое", "сокращ", "short")),
    ("email", ("e-mail", "email", "почта", "mail")),
    ("municipality", ("муницип", "район", "округ", "моуо", "территор", "городской", "мо ")),
    ("region", ("регион", "субъект", "region")),
    ("settlement", ("поселен", "местност")),
    ("school_type", ("тип ", "вид оо", "вид учрежд")),
    ("is_small", ("малокомплект",)),
    ("is_branch", ("филиал",)),
    ("is_advanced", ("углубл", "уиоп")),
    ("full_name", ("полное", "наименование", "название", "имя", "школа", "оо", "name")),
)
_PLACE_WORDS = re.compile(r"(район|округ|\bг\.|город|муницип|\bмо\b|поселок|посёлок|\bс\.)", re.IGNORECASE)


@dataclass
class ColumnPlan:
    fields: dict[str, int]  # field → column index
    notes: list[str] = field(default_factory=list)  # what was guessed, in Russian
    problems: list[str] = field(default_factory=list)  # why the plan cannot be used

    @property
    def ok(self) -> bool:
        return not self.problems


def _words(text: str) -> str:
    return " ".join(text.strip().lower().replace("ё", "е").split()) + " "


def field_of(name: str) -> str | None:
    """A field key from its English key or its Russian name («логин», «муниципалитет»…)."""
    wanted = _words(name).strip()
    for key, label in FIELDS.items():
        if wanted in (key, _words(label).strip()):
            return key
    return None


def guess(table: RawTable) -> ColumnPlan:
    """Fields from header words; a «регион» column whose values are many places is the municipality."""
    fields: dict[str, int] = {}
    notes: list[str] = []
    doubts: list[str] = []
    for index, header in enumerate(table.header):
        first = _field_from_header(header, {})
        if first in fields and first in (*NEEDED, "municipality"):
            doubts.append(
                _("both «%(a)s» and «%(b)s» look like the field «%(field)s»")
                % {"a": table.header[fields[first]], "b": header, "field": FIELDS[first]}
            )
            continue
        key = _field_from_header(header, fields)
        if key is None:
            continue
        if key == "region" and "municipality" not in fields and _looks_like_places(table, index):
            key = "municipality"
            notes.append(
                _("column «%(header)s» holds %(n)d different places (such as %(examples)s): taken as the municipality")
                % {"header": header, "n": len(_distinct(table, index)), "examples": _examples(table, index)}
            )
        fields[key] = index
    plan = ColumnPlan(fields=fields, notes=notes)
    plan.notes[:0] = [describe(plan.fields, table.header)]
    plan.problems = doubts + missing(fields)
    return plan


def _field_from_header(header: str, taken: dict[str, int]) -> str | None:
    text = _words(header)
    for key, words in HEADER_WORDS:
        if key not in taken and any(word in text for word in words):
            return key
    return None


def _distinct(table: RawTable, index: int) -> list[str]:
    return list(dict.fromkeys(row[index].strip() for row in table.rows if row[index].strip()))


def _examples(table: RawTable, index: int, n: int = 3) -> str:
    return ", ".join(f"«{value}»" for value in _distinct(table, index)[:n])


def _looks_like_places(table: RawTable, index: int) -> bool:
    values = _distinct(table, index)
    placelike = sum(1 for v in values if _PLACE_WORDS.search(v))
    return len(values) > 3 and placelike >= len(values) / 2


def describe(fields: dict[str, int], header: list[str]) -> str:
    pairs = sorted(fields.items(), key=lambda item: item[1])
    return _("columns: %(pairs)s") % {"pairs": ", ".join(f"«{header[i]}» → {FIELDS[key]}" for key, i in pairs) or "—"}


def missing(fields: dict[str, int]) -> list[str]:
    return [
        _("no column is given for the field «%(field)s»") % {"field": FIELDS[key]}
        for key in NEEDED
        if key not in fields
    ]


def parse_option(text: str, header: list[str]) -> ColumnPlan:
    """`--columns "логин=логин,имя=полное наименование,регион=муниципалитет"`: file header = field."""
    fields: dict[str, int] = {}
    problems = []
    by_header = {_words(h).strip(): i for i, h in enumerate(header)}
    for item in filter(None, (part.strip() for part in text.split(","))):
        column, _sep, name = item.partition("=")
        index, key = by_header.get(_words(column).strip()), field_of(name)
        if index is None:
            problems.append(
                _("«%(column)s» is not a column of the file; its columns: %(header)s")
                % {"column": column.strip(), "header": ", ".join(f"«{h}»" for h in header)}
            )
        elif key is None:
            problems.append(
                _("«%(name)s» is not a field of the registry; fields: %(fields)s")
                % {"name": name.strip(), "fields": ", ".join(FIELDS.values())}
            )
        elif key in fields:
            problems.append(_("the field «%(field)s» is given twice") % {"field": FIELDS[key]})
        else:
            fields[key] = index
    return ColumnPlan(fields=fields, notes=[describe(fields, header)], problems=problems or missing(fields))


def report_notes(result: dict) -> list[str]:
    """What a registry import left out or assumed, in Russian lines (command line and job page)."""
    lines = []
    if result.get("columns"):
        lines.append(_("Read as %(columns)s") % {"columns": result["columns"]})
    if result.get("skipped"):
        examples = "; ".join(
            _("row %(row)d, %(login)s: %(reason)s") % example for example in result.get("skipped_examples", [])
        )
        lines.append(
            _("Rows of another region left out: %(n)d (%(examples)s)") % {"n": result["skipped"], "examples": examples}
        )
    if result.get("no_municipality"):
        lines.append(
            _(
                "The file names no municipality: its schools are put in the municipality «%(name)s». Load a registry "
                "with municipalities later (schools are matched by login) or move the schools on their pages."
            )
            % {"name": result.get("no_municipality_name", "")}
        )
    return lines
