"""The shipped plan templates: the four seed plans, one YAML file each in `seeds/`.

A template is a whole plan as its authors wrote it: the plan's own heading, its level, the school year it was
made for, its sections (a seed without sections has one unnamed section) and its measures. Wording is kept as
in the seed; only extraction artefacts were mended when the files were written, and people's names replaced by
their roles. The deadline stays the text the seed has; `objectivity.plans.deadlines` reads it.

File layout:

    key: region-2021-22
    title: План мероприятий …
    level: region                     # school | municipality | region | recommended
    source: 003_e7d9d5eb2654da44.txt  # the seed the template was transcribed from
    school_year: 2021                 # the year the school year starts in; absent when the seed has none
    approved_by: Приказ …             # optional: the order that approved the plan
    sections:
      - number: "I."
        title: Выявление …
        measures:
          - {number: "1.", title: …, deadline: "30.11.2021", responsible: …, participants: …, result: …}
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SEEDS_DIR = Path(__file__).resolve().parent / "seeds"
LEVELS = ("school", "municipality", "region", "recommended")

_TEMPLATE_KEYS = {"key", "title", "level", "source", "school_year", "approved_by", "sections"}
_SECTION_KEYS = {"number", "title", "measures"}
_MEASURE_KEYS = {"number", "title", "deadline", "responsible", "participants", "result"}


class TemplateError(ValueError):
    """A template file that cannot be read; the message names the file and the place."""


@dataclass(frozen=True)
class Measure:
    number: str  # as in the seed ("1.", "4"); empty when the seed does not number its measures
    section: str  # the number of the measure's section; empty for a seed without sections
    title: str
    deadline: str = ""  # the seed's text, exactly as written
    responsible: str = ""
    participants: str = ""
    result: str = ""  # the expected result or the form of report


@dataclass(frozen=True)
class Section:
    number: str
    title: str
    measures: tuple[Measure, ...]


@dataclass(frozen=True)
class Template:
    key: str
    title: str
    level: str
    source: str
    school_year: int | None  # the year the school year starts in (2021 for 2021/22)
    approved_by: str
    sections: tuple[Section, ...]

    @property
    def measures(self) -> tuple[Measure, ...]:
        return tuple(measure for section in self.sections for measure in section.measures)


def load_templates(directory: Path | None = None) -> tuple[Template, ...]:
    """Every template in `directory` (the shipped seeds by default), ordered by source."""
    if directory is None:
        return _shipped()
    return _load_directory(directory)


def template(key: str) -> Template:
    """The shipped template named `key`."""
    for found in _shipped():
        if found.key == key:
            return found
    raise TemplateError(f"no shipped plan template has the key {key!r}")


@functools.cache
def _shipped() -> tuple[Template, ...]:
    return _load_directory(SEEDS_DIR)


def _load_directory(directory: Path) -> tuple[Template, ...]:
    templates = sorted((load_template_file(path) for path in directory.glob("*.yaml")), key=lambda t: t.source)
    seen: set[str] = set()
    for found in templates:
        if found.key in seen:
            raise TemplateError(f"{directory}: two templates have the key {found.key!r}")
        seen.add(found.key)
    return tuple(templates)


def load_template_file(path: Path) -> Template:
    """One template file, validated: a malformed file raises TemplateError naming the file and the place."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise TemplateError(f"{path.name}: not valid YAML: {error}") from error
    return parse_template(data, name=path.name)


def parse_template(data: Any, *, name: str = "template") -> Template:
    where = name
    mapping = _mapping(data, where, _TEMPLATE_KEYS)
    level = _text(mapping, "level", where, required=True)
    if level not in LEVELS:
        raise TemplateError(f"{where}: level must be one of {', '.join(LEVELS)}, not {level!r}")
    school_year = mapping.get("school_year")
    if school_year is not None and (
        not isinstance(school_year, int) or isinstance(school_year, bool) or not 1990 <= school_year <= 2100
    ):
        raise TemplateError(f"{where}: school_year must be the year the school year starts in, not {school_year!r}")
    sections_data = mapping.get("sections")
    if not isinstance(sections_data, list) or not sections_data:
        raise TemplateError(f"{where}: sections must be a non-empty list")
    sections = tuple(_section(item, f"{where}: section {index}") for index, item in enumerate(sections_data, 1))
    if not any(section.measures for section in sections):
        raise TemplateError(f"{where}: the template has no measures")
    return Template(
        key=_text(mapping, "key", where, required=True),
        title=_text(mapping, "title", where, required=True),
        level=level,
        source=_text(mapping, "source", where, required=True),
        school_year=school_year,
        approved_by=_text(mapping, "approved_by", where),
        sections=sections,
    )


def _section(data: Any, where: str) -> Section:
    mapping = _mapping(data, where, _SECTION_KEYS)
    number = _text(mapping, "number", where)
    measures_data = mapping.get("measures")
    if not isinstance(measures_data, list) or not measures_data:
        raise TemplateError(f"{where}: measures must be a non-empty list")
    measures = tuple(_measure(item, number, f"{where}, measure {index}") for index, item in enumerate(measures_data, 1))
    return Section(number=number, title=_text(mapping, "title", where), measures=measures)


def _measure(data: Any, section: str, where: str) -> Measure:
    mapping = _mapping(data, where, _MEASURE_KEYS)
    return Measure(
        number=_text(mapping, "number", where),
        section=section,
        title=_text(mapping, "title", where, required=True),
        deadline=_text(mapping, "deadline", where),
        responsible=_text(mapping, "responsible", where),
        participants=_text(mapping, "participants", where),
        result=_text(mapping, "result", where),
    )


def _mapping(data: Any, where: str, allowed: set[str]) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise TemplateError(f"{where}: expected a mapping, found {type(data).__name__}")
    unknown = sorted(str(key) for key in data if key not in allowed)
    if unknown:
        raise TemplateError(f"{where}: unknown field(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    return data


def _text(mapping: dict[str, Any], key: str, where: str, *, required: bool = False) -> str:
    value = mapping.get(key)
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise TemplateError(f"{where}: {key} must be text, found {type(value).__name__} {value!r}")
    value = " ".join(value.split())
    if required and not value:
        raise TemplateError(f"{where}: {key} is required")
    return value
