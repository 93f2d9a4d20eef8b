"""The federal list as test fixtures, in the layout seen in use: several years in one sheet, empty cells where a work
has no marker, markers written as numbers, «+» and «да», a school the registry does not have (sch229999), a row of
another region (sch540001) and, in the committed file, a bad row (row 8: not a login, «abc» in «4 МА»).

`python -m tests.reports.federal_fixture` rewrites tests/fixtures/federal/perechen-2024-2025.xlsx.
"""

from pathlib import Path

import openpyxl

HEADER = ["Год", "Логин", "Муниципалитет", "ОО", "4 РУ", "4 МА", "5 РУ", "5 МА", "Количество маркеров"]
NORTH, STONE = "Городской округ Северогорск", "Каменский муниципальный район"
ROWS = [
    [2024, "sch220001", NORTH, "МБОУ «СОШ № 1»", 1, None, None, None, 1],
    [2024, "sch220002", STONE, "МКОУ «Каменская ООШ»", None, "+", None, "да", 2],
    [2025, "sch220001", NORTH, "МБОУ «СОШ № 1»", None, 2, None, None, 2],
    [2025, "sch229999", STONE, "МБОУ «Новая СОШ»", None, None, 1, None, 1],
    [2025, "sch220002", STONE, "МКОУ «Каменская ООШ»", None, None, None, 1, 1],
    [2025, "sch540001", "Соседний район", "МБОУ «Соседняя СОШ»", 1, None, None, None, 1],
]
BAD_ROW = [2025, "школа 7", NORTH, "МБОУ «СОШ № 7»", None, "abc", None, None, 1]
COMMITTED = Path(__file__).resolve().parent.parent / "fixtures" / "federal" / "perechen-2024-2025.xlsx"


def write_list(path: Path, rows: list[list], header: list[str] = HEADER) -> Path:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Перечень"
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def valid_list(folder: Path, name: str = "perechen.xlsx") -> Path:
    return write_list(folder / name, ROWS)


if __name__ == "__main__":
    write_list(COMMITTED, [*ROWS, BAD_ROW])
