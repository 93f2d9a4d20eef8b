"""Which column of a federal list file holds what: guessed from the headers, confirmed or changed by the user.

Layouts vary between years and senders, so a file is read through a mapping, never by positions: each column is a
field (year, login, municipality, school, number of markers), a work («4 РУ»), or left unread.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext as _

from objectivity.reports import federal_layout as layout


@dataclass
class Mapping:
    fields: dict[str, int] = field(default_factory=dict)  # field → column index
    works: dict[str, int] = field(default_factory=dict)  # work key («4-ru») → column index
    year: int | None = None  # the year of every row, for a file of one year without a «Год» column

    def as_json(self) -> dict:
        return {"fields": self.fields, "works": self.works, "year": self.year}

    @classmethod
    def from_json(cls, data: dict) -> "Mapping":
        return cls(dict(data.get("fields", {})), dict(data.get("works", {})), data.get("year"))

    def meaning(self, index: int) -> str:
        """What column `index` is read as: a field's or a work's key, or «»."""
        named = {i: key for key, i in self.fields.items()} | {i: key for key, i in self.works.items()}
        return named.get(index, "")


@dataclass
class Guess:
    mapping: Mapping
    unrecognised: list[str]  # non-empty headers that are neither a field nor a work


def guess(header: list[str]) -> Guess:
    """A field or a work for each header the layout knows; the first column wins when two say the same."""
    mapping, unrecognised = Mapping(), []
    for index, label in enumerate(header):
        key = layout.field_of_header(label)
        work = None if key else layout.work_of_header(label)
        if key and key not in mapping.fields:
            mapping.fields[key] = index
        elif work and work not in mapping.works:
            mapping.works[work] = index
        elif label.strip():
            unrecognised.append(label)
    return Guess(mapping, unrecognised)


def problems(mapping: Mapping) -> list[str]:
    """Why the mapping cannot be read (empty when it can): a required field or every work is missing. A file
    without a year column is read when the year of the whole file is given."""
    found = [
        _("no column is given for the field «%(field)s»") % {"field": layout.FIELDS[key]}
        for key in layout.REQUIRED
        if key not in mapping.fields and not (key == "year" and mapping.year)
    ]
    if not mapping.works:
        found.append(_("no column is given for a work (such as «4 РУ»)"))
    return found


def describe(mapping: Mapping, header: list[str]) -> str:
    """«Год» → Год; «4 РУ» → Русский язык, 4 класс; …: what each column was read as, in the file's order."""
    named = [(i, layout.FIELDS[key]) for key, i in mapping.fields.items()]
    named += [(i, layout.work_label(key)) for key, i in mapping.works.items()]
    return "; ".join(f"«{header[i]}» → {meaning}" for i, meaning in sorted(named) if i < len(header))


def choices() -> list[tuple[str, str]]:
    """What a column can be read as, for the mapping page: not read, a field, or a work."""
    fields = [(key, label) for key, label in layout.FIELDS.items()]
    works = [(key, f"{layout.work_header(key)} — {layout.work_label(key)}") for key in layout.every_work()]
    return [("", _("— not read —")), *fields, *works]


def from_choices(chosen: dict[int, str]) -> Mapping:
    """The mapping from the page's choices (column index → a field's or a work's key)."""
    mapping = Mapping()
    for index, key in sorted(chosen.items()):
        if key in layout.FIELDS:
            mapping.fields[key] = index
        elif key:
            mapping.works[key] = index
    return mapping
