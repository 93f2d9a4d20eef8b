"""Files of the synthetic region, laid out as a region really receives them.

- `<year>/Проведение работы по …, N класс. ВПР YYYY.xlsx`: the ФИС ОКО regional export (FORMATS.md §1),
  header `export_format.regional_header(K)`, every cell text, with the quirks of real exports: absent pupils
  as «отсутствовал» with empty scores, `X`/`Х`/«не пройд.» for some zero scores, «нет отметки» or an
  empty journal mark, class letters and sex in mixed case, «НЕТ»/«нет»/empty for no class;
- `schools.xlsx`: the registry in the layout the registry import reads;
- `truth.csv`: the manipulated schools; `reference.yaml`: each test's columns, maxima and scale.

Workbooks are written by a small OOXML writer (shared strings, rows built with polars): xlsxwriter
writes ~300,000 cells a second, too slow for a 300,000-row test.
"""

from __future__ import annotations

import zipfile
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from xml.sax.saxutils import escape

import numpy as np
import polars as pl
import yaml

from objectivity.analysis import export_format
from objectivity.analysis.schema import task_column
from objectivity.analysis.synth_core import Array, TestSpec, not_taught, stream

Progress = Callable[[int, str], None]
# «X» for a task left blank, as real ВПР 2021 grade 6-8 exports write it: a tenth of the zero cells in
# Russian and a fifth in maths (of the zeros of a generated region: 0.065 and 0.17, which come out near those), more on the tasks most pupils miss, and clustered by class (the class's
# teacher or operator writes blanks as X, or as 0): each class draws its own rate from a Beta law.
X_AMONG_ZEROS = {"ru": (0.13, 1.87), "ma": (0.5, 2.5)}  # Beta(a, b) per class: mean 0.065 and 0.17
X_DEFAULT = (0.3, 2.7)
CYRILLIC_X = 0.07  # of X codes written «Х» (Cyrillic)
NOT_PASSED_ALONE = 0.003  # of the other zero cells written «не пройд.» one by one
OTHER_TEXTBOOKS = {
    "ru": (("Рамзаева Т.Г.", "Русский язык. {g} класс"), ("Рыбченкова Л.М.", "Русский язык. {g} класс")),
    "ma": (("Истомина Н.Б.", "Математика. {g} класс"), ("Рудницкая В.Н.", "Математика. {g} класс")),
}
SCHOOL_TYPE_LABELS = {
    "sosh": "СОШ",
    "oosh": "ООШ",
    "nosh": "НОШ",
    "lyceum": "Лицей",
    "gymnasium": "Гимназия",
    "centre": "Центр образования",
    "boarding": "Школа-интернат",
    "evening": "Вечерняя школа",
    "special": "Коррекционная школа",
}
SETTLEMENT_LABELS = {"city": "город", "town": "пгт", "village": "село"}
REGISTRY_FLAGS = (("is_small", "малокомплектная"), ("is_branch", "филиал"), ("is_advanced", "углублённое изучение"))


# --- a minimal text-only workbook ----------------------------------------------------------------

_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG = "http://schemas.openxmlformats.org/package/2006"
_XML = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PARTS = {
    "[Content_Types].xml": f'<Types xmlns="{_PKG}/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    "</Types>",
    "_rels/.rels": f'<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
    "xl/workbook.xml": f'<workbook xmlns="{_MAIN}" xmlns:r="{_REL}"><sheets>'
    '<sheet name="Лист1" sheetId="1" r:id="rId1"/></sheets></workbook>',
    "xl/_rels/workbook.xml.rels": f'<Relationships xmlns="{_PKG}/relationships">'
    f'<Relationship Id="rId1" Type="{_REL}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{_REL}/sharedStrings" Target="sharedStrings.xml"/>'
    f'<Relationship Id="rId3" Type="{_REL}/styles" Target="styles.xml"/></Relationships>',
    "xl/styles.xml": f'<styleSheet xmlns="{_MAIN}"><fonts count="1"><font><sz val="11"/><name val="Calibri"/></font>'
    '</fonts><fills count="2"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/>'
    '</fill></fills><borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles></styleSheet>',
}
CHUNK_ROWS = 50_000


def _letters(index: int) -> str:
    """Spreadsheet column name of a 0-based index: 0 → A, 26 → AA."""
    name, index = "", index + 1
    while index:
        index, rest = divmod(index - 1, 26)
        name = chr(65 + rest) + name
    return name


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=(2020, 1, 1, 0, 0, 0))  # fixed: the same data gives the same bytes
    info.compress_type = zipfile.ZIP_DEFLATED
    return info


def write_text_workbook(table: pl.DataFrame, path: Path) -> None:
    """One sheet: the column names as the header row, then every non-null value as a text cell."""
    table = table.select(pl.all().cast(pl.String))
    strings = pl.concat([pl.Series(table.columns), *table.iter_columns()]).drop_nulls().unique(maintain_order=True)
    numbers = pl.Series(range(len(strings)), dtype=pl.UInt32)
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compresslevel=1) as archive:
        for name, text in _PARTS.items():
            archive.writestr(_entry(name), _XML + text)
        items = "".join(f"<si><t>{escape(s)}</t></si>" for s in strings.to_list())
        archive.writestr(
            _entry("xl/sharedStrings.xml"),
            f'{_XML}<sst xmlns="{_MAIN}" count="{len(strings)}" uniqueCount="{len(strings)}">{items}</sst>',
        )
        with archive.open(_entry("xl/worksheets/sheet1.xml"), "w") as sheet:
            last = f"{_letters(max(table.width - 1, 0))}{table.height + 1}"
            sheet.write(f'{_XML}<worksheet xmlns="{_MAIN}"><dimension ref="A1:{last}"/><sheetData>'.encode())
            header = pl.DataFrame([pl.Series(c, [c]) for c in table.columns])
            sheet.write(_rows_xml(header, 1, strings, numbers).encode())
            for start in range(0, table.height, CHUNK_ROWS):
                sheet.write(_rows_xml(table.slice(start, CHUNK_ROWS), start + 2, strings, numbers).encode())
            sheet.write(b"</sheetData></worksheet>")


def _rows_xml(chunk: pl.DataFrame, first_row: int, strings: pl.Series, numbers: pl.Series) -> str:
    """`<row>` elements of a chunk; a cell refers to its text in the shared strings table."""
    row = pl.int_range(first_row, first_row + chunk.height).cast(pl.String)
    cells = [
        pl.when(pl.col(name).is_null())
        .then(pl.lit(""))
        .otherwise(
            pl.concat_str(
                pl.lit(f'<c r="{_letters(i)}'),
                row,
                pl.lit('" t="s"><v>'),
                pl.col(name).replace_strict(strings, numbers, default=None).cast(pl.String),
                pl.lit("</v></c>"),
            )
        )
        for i, name in enumerate(chunk.columns)
    ]
    xml = chunk.select(pl.concat_str(pl.lit('<row r="'), row, pl.lit('">'), *cells, pl.lit("</row>")).alias("xml"))
    return str(xml["xml"].str.join("").item())


# --- the regional export -----------------------------------------------------------------------


def write_regional_xlsx(frame: pl.DataFrame, spec: TestSpec, path: Path, region_label: str, *, seed: int = 0) -> None:
    """The ФИС ОКО regional workbook of one test, from its pupil frame (quirks drawn from `seed`)."""
    write_text_workbook(regional_cells(frame, spec, region_label, seed=seed), path)


def regional_cells(frame: pl.DataFrame, spec: TestSpec, region_label: str, *, seed: int = 0) -> pl.DataFrame:
    """The text of every cell of the regional export, headed `export_format.regional_header(K)`."""
    rng = stream(seed, "render", spec.year, spec.grade, spec.subject)
    school = frame["school_login"].rank("dense").cast(pl.Int64).to_numpy() - 1
    n_schools = int(school.max(initial=-1)) + 1
    styles = _school_styles(rng, school, n_schools, len(frame))
    header = export_format.regional_header(len(spec.columns))
    cells = [
        pl.col("school_login"),
        pl.lit(region_label),
        pl.col("row_number").cast(pl.String),
        pl.col("participant_code"),
        _journal_text(styles["no_mark_word"]),
        _cased(pl.col("sex"), styles["upper_sex"]),
        _class_text(styles),
        pl.when(pl.col("absent")).then(pl.lit(export_format.ABSENT_VARIANT)).otherwise(pl.col("variant")),
        pl.col("total").cast(pl.String),
        *_score_texts(rng, frame, spec, seed),
        *_textbook_texts(rng, spec, school, n_schools),
    ]
    return frame.select(cell.alias(name) for cell, name in zip(cells, header, strict=True))


def _school_styles(rng: np.random.Generator, school: Array, n_schools: int, rows: int) -> dict[str, pl.Series]:
    """How each school's operator typed things, with a few rows typed otherwise."""
    flip = rng.random((2, rows)) < 0.03
    upper_class = (rng.random(n_schools) < 0.35)[school] ^ flip[0]
    upper_sex = (rng.random(n_schools) < 0.5)[school] ^ flip[1]
    no_class = np.array(["НЕТ", "нет", ""])[rng.choice(3, n_schools, p=[0.45, 0.35, 0.2])][school]
    no_mark = np.where(rng.random(rows) < 0.5, export_format.NO_JOURNAL_MARK, "")
    return {
        "upper_class": pl.Series(upper_class),
        "upper_sex": pl.Series(upper_sex),
        "no_class_word": pl.Series(no_class).replace("", None),
        "no_mark_word": pl.Series(no_mark).replace("", None),
    }


def _cased(value: pl.Expr, upper: pl.Series) -> pl.Expr:
    return pl.when(pl.lit(upper)).then(value.str.to_uppercase()).otherwise(value.str.to_lowercase())


def _class_text(styles: Mapping[str, pl.Series]) -> pl.Expr:
    letter = _cased(pl.col("class_letter"), styles["upper_class"])
    return pl.when(pl.col("class_letter").is_null()).then(pl.lit(styles["no_class_word"])).otherwise(letter)


def _journal_text(no_mark_word: pl.Series) -> pl.Expr:
    mark = pl.col("journal_mark").cast(pl.String)
    return pl.when(mark.is_null()).then(pl.lit(no_mark_word)).otherwise(mark)


def _score_texts(rng: np.random.Generator, frame: pl.DataFrame, spec: TestSpec, seed: int = 0) -> list[pl.Expr]:
    """Scores as text; some zeros written as «X» (Latin), «Х» (Cyrillic) or «не пройд.».

    «не пройд.» marks the zeros of the class × column cells `synth_core.not_taught` draws (the generator
    zeroes those cells with realism "real-2021") and a few zeros elsewhere; «X» is drawn per zero cell at
    its class's rate, weighted towards the columns with most zeros.
    """
    columns = [task_column(j + 1) for j in range(len(spec.columns))]
    zero = frame.select((pl.col(c) == 0).fill_null(False) for c in columns).to_numpy().astype(bool)
    present = ~frame["absent"].to_numpy().astype(bool)
    keys = frame.select(pl.concat_str(pl.col("school_login"), pl.lit("|"), pl.col("class_letter").fill_null("")))
    unique, index = np.unique(keys.to_series().to_numpy().astype(str), return_inverse=True)
    index = np.asarray(index).ravel()
    not_passed = not_taught(seed, spec, unique.tolist())[index]
    a, b = X_AMONG_ZEROS.get(spec.subject, X_DEFAULT)
    class_rate = rng.beta(a, b, len(unique))[index]
    zeros_by_column = zero[present].mean(axis=0) if present.any() else np.ones(len(columns))
    weight = np.clip(zeros_by_column / max(float(zeros_by_column.mean()), 1e-9), 0.3, 2.5)
    chance = rng.random(zero.shape)
    cyrillic = rng.random(zero.shape) < CYRILLIC_X
    alone = rng.random(zero.shape) < NOT_PASSED_ALONE
    x = ~not_passed & ~alone & (chance < np.minimum(class_rate[:, None] * weight, 0.95))
    words = np.where(not_passed | alone, export_format.NOT_DONE[2], np.where(x, np.where(cyrillic, "Х", "X"), ""))
    texts = []
    for j, name in enumerate(columns):
        score = pl.col(name)
        word = pl.lit(pl.Series(words[:, j]))
        texts.append(pl.when((score == 0) & (word != "")).then(word).otherwise(score.cast(pl.String)))
    return texts


def _textbook_texts(rng: np.random.Generator, spec: TestSpec, school: Array, n_schools: int) -> list[pl.Expr]:
    """«Учебник», and the author and title of another textbook where the school named «Другой»."""
    others = OTHER_TEXTBOOKS.get(spec.subject, (("", ""),))
    pick = rng.choice(len(others), n_schools)[school]
    other = pl.col("textbook") == "Другой"
    author = pl.Series([others[i][0] for i in pick], dtype=pl.String)
    title = pl.Series([others[i][1].format(g=spec.grade) for i in pick], dtype=pl.String)
    return [pl.col("textbook"), pl.when(other).then(pl.lit(author)), pl.when(other).then(pl.lit(title))]


# --- the region's other files ------------------------------------------------------------------


def registry_cells(schools: pl.DataFrame) -> pl.DataFrame:
    """schools.xlsx: `логин, полное наименование, …, 4 класс … 11 класс`, as the registry import reads it."""
    flags = [
        pl.when(pl.col(name)).then(pl.lit("да")).otherwise(pl.lit("нет")).alias(label) for name, label in REGISTRY_FLAGS
    ]
    grades = [
        pl.when(pl.col(f"pupils_{g}") > 0).then(pl.col(f"pupils_{g}").cast(pl.String)).alias(f"{g} класс")
        for g in range(4, 12)
    ]
    return schools.select(
        pl.col("login").alias("логин"),
        pl.col("full_name").alias("полное наименование"),
        pl.col("short_name").alias("краткое наименование"),
        pl.col("municipality").alias("муниципалитет"),
        pl.col("school_type").replace_strict(SCHOOL_TYPE_LABELS, default="Другое").alias("тип"),
        pl.col("settlement").replace_strict(SETTLEMENT_LABELS, default="город").alias("тип поселения"),
        *flags,
        *grades,
    )


def reference_document(specs: Sequence[TestSpec]) -> dict[str, object]:
    """reference.yaml: each test's columns (maximum, level), maximum and scale of marks."""
    return {
        "tests": [
            {
                "procedure": "vpr",
                "year": spec.year,
                "period": spec.period,
                "grade": spec.grade,
                "subject": spec.subject,
                "form": "paper",
                "max_total": spec.max_total,
                "scale": {str(mark): cut for mark, cut in zip((3, 4, 5), spec.cuts, strict=True)},
                "source": spec.source,
                "columns": [
                    {
                        "number": c.number,
                        "label": c.label,
                        "max": c.max,
                        "level": c.level,
                        "auto": False,
                        "criterion": c.criterion,
                    }
                    for c in spec.columns
                ],
            }
            for spec in specs
        ]
    }


def write_region_files(
    schools: pl.DataFrame,
    results: Mapping[TestSpec, pl.DataFrame],
    truth: pl.DataFrame,
    out_dir: Path,
    region_label: str,
    seed: int,
    progress: Progress | None = None,
) -> list[Path]:
    """Every file of the region under `out_dir`; the workbooks' progress is reported by rows written."""
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = [out_dir / "schools.xlsx", out_dir / "truth.csv", out_dir / "reference.yaml"]
    write_text_workbook(registry_cells(schools), paths[0])
    truth.write_csv(paths[1])
    document = yaml.safe_dump(
        reference_document(list(results)), allow_unicode=True, sort_keys=False, default_flow_style=None
    )
    paths[2].write_text(document, encoding="utf-8")
    total, done = max(1, sum(len(f) for f in results.values())), 0
    for spec, frame in results.items():
        name = export_format.regional_file_name(subject=spec.subject, grade=spec.grade, year=spec.year)
        if progress:
            progress(100 * done // total, name)
        paths.append(out_dir / str(spec.year) / name)
        write_regional_xlsx(frame, spec, paths[-1], region_label, seed=seed)
        done += len(frame)
    if progress:
        progress(100, "")
    return paths
