"""What a document says, apart from how it is written out: blocks that the DOCX and PDF writers both render, so the
two formats of one document read the same."""

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from objectivity.core import typography

Cell = str | int | float | None


@dataclass(frozen=True)
class Heading:
    text: str
    level: int = 1  # 1 a section, 2 a subsection


@dataclass(frozen=True)
class Paragraph:
    text: str
    note: bool = False  # a remark in smaller italics (a source, a caveat)


@dataclass(frozen=True)
class Section:
    """A row of a table that spans every column: a section of a plan, a municipality of a list."""

    text: str


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: Sequence[Sequence[Any] | Section]  # cells: text, numbers (written in Russian typography) or None
    caption: str = ""
    widths: list[float] = field(default_factory=list)  # relative column widths; equal when empty
    empty_text: str = "Нет данных."

    def text_rows(self) -> list[list[str] | Section]:
        """Cells as written: numbers in Russian typography («10 235», «12,5»), no value as a dash."""
        return [row if isinstance(row, Section) else [cell_text(cell) for cell in row] for row in self.rows]

    def numeric_columns(self) -> set[int]:
        """Columns whose every value is a number: right-aligned, as tables of figures are."""
        data = [row for row in self.rows if not isinstance(row, Section)]
        return {
            i
            for i in range(len(self.headers))
            if data and all(isinstance(row[i], int | float) or row[i] is None for row in data)
        }


@dataclass(frozen=True)
class Chart:
    """A Vega-Lite spec, drawn by the same definition as on the pages. With fewer than two points there is nothing
    to see: the document says `empty_text` instead."""

    spec: dict
    caption: str
    empty_text: str = "Данных для диаграммы недостаточно."


@dataclass(frozen=True)
class PageBreak:
    pass


Block = Heading | Paragraph | Table | Chart | PageBreak


@dataclass(frozen=True)
class Signature:
    position: str  # «Министр образования …»
    name: str = ""  # empty: a line to sign on


@dataclass
class Document:
    title: str
    issuer: str  # the body that issued it: the running header of every page
    blocks: list[Block]
    subtitle: str = ""
    issued: date | None = None
    stamp: str = ""  # a line under the title in capitals' place, e.g. «Не является федеральным перечнем»
    # The approval block at the top right, above the title: «УТВЕРЖДЁН», «приказом министерства …», «от … № …».
    approval: list[str] = field(default_factory=list)
    landscape: bool = False
    signatures: list[Signature] = field(default_factory=list)

    @property
    def issued_text(self) -> str:
        return typography.ru_date(self.issued) if self.issued else ""


def cell_text(cell: Cell) -> str:
    if cell is None or cell == "":
        return typography.DASH
    if isinstance(cell, bool):
        return "да" if cell else "нет"
    if isinstance(cell, int):
        return typography.number(cell)
    if isinstance(cell, float):
        return typography.number(cell, 1)
    return str(cell)
