"""The shipped templates say what the four seed plans say: every measure, in order, with its number, title and
deadline (and, where the seed names no people, its responsible, participants and result), checked against the
seeds' own text.

The seeds are text extractions of office documents and are not part of the product: CI keeps them in ../shared
beside the repository. This test reads them there and skips when they are absent. Before comparing, both sides
are normalised the same way (whitespace collapsed, no space before a comma or full stop, one after a comma), and
the seed's known extraction artefacts are mended the way the templates mend them (MENDS below, one by one).
"""

import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from objectivity.plans.templates import LEVELS, Template, load_templates

CANDIDATES = (
    Path(__file__).resolve().parents[2].parent / "shared" / "seed-plans",
    Path("/work/shared/seed-plans"),
)
SEEDS = next((path for path in CANDIDATES if path.is_dir()), None)

# Counted by reading each seed: 000 numbers its measures 1, 2, 4, 5 / 1, 2, 4 / 1, 2 (no measure 3 twice).
EXPECTED = {
    "school-2020-21": ("school", 2020, 3, 9),
    "municipality-2023-24": ("municipality", 2023, 1, 9),
    "region-2021-22": ("region", 2021, 5, 20),
    "recommended-measures": ("recommended", None, 1, 13),
}

# The extraction artefacts each seed has, mended as the templates mend them (raw seed text → mended text).
MENDS = {
    "000": {
        "»в 2020": "» в 2020",  # the heading: a missing space after the school's name
        "[bookmark: _GoBack]": "",  # a Word bookmark left in a cell
        "октябрь\nапрель": "октябрь, апрель",  # two months on two lines of one cell
    },
    "002": {"педагогическиеработники": "педагогические работники"},
    "003": {
        "$4, 5-x$": "4, 5-х",  # a formula artefact, Latin «x» for the Cyrillic ending
        "результато\t0В": "результатов",  # a word broken into two cells
        "\tІ. ": "\tI. ",  # a Cyrillic «І» in a Roman numeral
        "III.Повышение": "III. Повышение",
        "IV.Профилактические": "IV. Профилактические",
    },
    "004": {},
}

ROMAN = re.compile(r"^([IVX]+\.)\s*(.*)$", re.S)
NUMBER = re.compile(r"^\d+\.?$")
PERSON = re.compile(r"[А-ЯЁ][а-яё]+\s*[А-ЯЁ]\.\s*[А-ЯЁ]\.")  # «Асканакова Е.М.», «ЯзароваГ.И.»


def normalised(text: str) -> str:
    text = " ".join(text.split())
    text = re.sub(r"\s+([,.;:)])", r"\1", text)
    text = re.sub(r"\(\s+", "(", text)
    return re.sub(r",(?=[^\s\d])", ", ", text)


@dataclass
class Item:
    kind: str  # "section" or "measure"
    cells: list[str] = field(default_factory=list)

    def extend(self, cells: list[str]) -> None:
        for index, cell in enumerate(cells):
            if not cell.strip():
                continue
            while len(self.cells) <= index:
                self.cells.append("")
            self.cells[index] = f"{self.cells[index]} {cell}".strip()


def read_rows(text: str) -> list[Item]:
    """A table extracted one row a line (002, 003, 004), cells by tabs; a row may go on over further lines whose
    first cell is empty (or, in 004, begins with a small letter), each cell continuing the cell above it."""
    items: list[Item] = []
    started = False
    for line in text.splitlines():
        if not line.strip():
            continue
        cells = line.split("\t")
        if not started:
            started = "\t" in line  # the header row
            continue
        first, rest = cells[0].strip(), [cell.strip() for cell in cells[1:]]
        heading = first or (rest[0] if rest else "")
        if ROMAN.match(heading):
            items.append(Item("section", [heading]))
        elif NUMBER.match(first) or (first and first[0].isupper()):
            items.append(Item("measure", [first, *rest]))
        elif items:
            target = items[-1]
            target.extend([" ".join(cells).strip()] if target.kind == "section" else cells)
    return items


def read_blocks(text: str) -> list[Item]:
    """A table extracted one cell a line (000): each cell begins with a tab, a cell's further lines do not, and
    rows are separated by blank lines. A row of two cells is a section, of four a measure."""
    blocks: list[list[str]] = [[]]
    for line in text.splitlines():
        if not line.strip():
            blocks.append([])
        elif line.startswith("\t"):
            blocks[-1].append(line[1:])
        elif blocks[-1]:
            blocks[-1][-1] += "\n" + line
    header = next(index for index, cells in enumerate(blocks) if cells and cells[0].startswith("№"))
    items = []
    for cells in blocks[header + 1 :]:
        if len(cells) == 2:
            items.append(Item("section", [f"{cells[0].strip()} {cells[1].strip()}"]))
        elif len(cells) == 4:
            items.append(Item("measure", [cell.strip() for cell in cells]))
    return items


def seed_text(template: Template) -> str:
    assert SEEDS is not None
    text = (SEEDS / template.source).read_text(encoding="utf-8")
    for raw, mended in MENDS[template.source[:3]].items():
        assert raw in text, f"{template.source}: the artefact {raw!r} is no longer in the seed"
        text = text.replace(raw, mended)
    return text


def seed_items(template: Template) -> list[Item]:
    text = seed_text(template)
    return read_blocks(text) if template.source.startswith("000") else read_rows(text)


def templates() -> list[Template]:
    return list(load_templates())


def test_the_four_seeds_are_shipped_with_their_counts():
    found = {t.key: (t.level, t.school_year, len(t.sections), len(t.measures)) for t in templates()}
    assert found == EXPECTED
    assert sorted(t.level for t in templates()) == sorted(LEVELS)


def test_no_person_is_named_in_a_template():
    named = [
        (t.key, m.number, text)
        for t in templates()
        for m in t.measures
        for text in (m.responsible, m.participants, m.result)
        if PERSON.search(text)
    ]
    assert named == []


def test_the_templates_keep_no_extraction_artefact():
    texts = [
        text
        for t in templates()
        for s in t.sections
        for text in (t.title, s.title, *(v for m in s.measures for v in vars(m).values()))
    ]
    spoilt = [text for text in texts if re.search(r"\$|\s[,.;:]|\s{2}|[a-z]|І|[а-я]{3}[А-Я]", text)]
    assert spoilt == []


needs_seeds = pytest.mark.skipif(
    SEEDS is None, reason="the seed plans (../shared/seed-plans) are not beside the repository"
)


@needs_seeds
@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_the_heading_is_the_seeds(key):
    template = next(t for t in templates() if t.key == key)
    assert normalised(template.title).lower() in normalised(seed_text(template)).lower()
    if template.approved_by:
        # «Приложение к приказу … от 15.09.2021 № __1157___»: the order's number and date are the seed's.
        assert all(part in seed_text(template) for part in re.findall(r"\d[\d.]*\d", template.approved_by))


@needs_seeds
@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_sections_are_the_seeds(key):
    template = next(t for t in templates() if t.key == key)
    seed = [normalised(item.cells[0]) for item in seed_items(template) if item.kind == "section"]
    shipped = [normalised(f"{s.number} {s.title}") for s in template.sections if s.number or s.title]
    assert shipped == seed


@needs_seeds
@pytest.mark.parametrize("key", sorted(EXPECTED))
def test_every_measure_is_the_seeds(key):
    template = next(t for t in templates() if t.key == key)
    seed = [item.cells for item in seed_items(template) if item.kind == "measure"]
    assert len(seed) == EXPECTED[key][3] == len(template.measures)
    for cells, measure in zip(seed, template.measures, strict=True):
        if template.level == "recommended":  # no numbers, no deadlines: title, participants, expected result
            title, participants, result = (normalised(cell) for cell in cells)
            assert (normalised(measure.title), measure.number, measure.deadline) == (title, "", "")
            assert normalised(measure.participants) == participants
            assert normalised(measure.result) == result
            continue
        number, title, deadline, responsible, *result = (normalised(cell) for cell in cells)
        assert (measure.number, normalised(measure.title)) == (number, title)
        assert normalised(measure.deadline) == deadline, measure.title
        if template.level != "school":  # the school's seed names people; its template names their roles instead
            assert normalised(measure.responsible) == responsible, measure.title
        assert normalised(measure.result) == (result[0] if result else "")


@needs_seeds
def test_the_seed_reader_sees_the_seeds_own_rows():
    """The reader is not fooled by a broken line: a continuation never starts a measure of its own."""
    region = next(t for t in templates() if t.level == "region")
    first = next(item for item in seed_items(region) if item.kind == "measure")
    assert first.cells[1].endswith("текущей и промежуточной аттестации")
    assert first.cells[3] == "ГАУ ДПО «Амурский областной институт развития образования»"
