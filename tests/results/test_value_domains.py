"""Hostile files: every value within its domain, impossible values excluded and named, footers recognised.

A total of −5 or 99 999, a task scored 99 in a work whose maxima are not known, «Итого строк: 500» under
the data: none of them may reach statistics, reference data or the list of unknown schools.
"""

import datetime

import polars as pl
import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from objectivity.analysis.export_format import REGIONAL_LEADING
from objectivity.analysis.schema import task_column
from objectivity.core.tabular import RawTable
from objectivity.orgs.models import School
from objectivity.orgs.registry import MAX_PUPILS_PER_GRADE, RowParser, map_columns
from objectivity.results.current_rows import current_pupils, statistics_rows
from objectivity.results.models import Assessment, ResultImport, ScheduleEntry
from objectivity.results.normalise import Rules, normalise
from objectivity.results.readers import FileRejected, RawSheet
from objectivity.results.recognise import MAX_PLAUSIBLE_TASK, MAX_PLAUSIBLE_TOTAL, Layout, body, detect
from objectivity.results.schedules import FIRST_SCHEDULE_YEAR, import_schedule
from tests.results.test_import import REGIONAL, _problems, _rewrite_xlsx, run
from tests.results.test_import import sample_schools as sample_schools  # noqa: F401 (fixture)


def _by_row(outcome) -> dict[int, list[dict]]:
    out: dict[int, list[dict]] = {}
    for p in _problems(outcome):
        out.setdefault(p["source_row"], []).append(p)
    return out


# ---- 1. totals and task scores within 0..maximum -----------------------------------------------


def test_short_csv_negative_and_huge_totals_are_excluded(world, sample_schools, tmp_path):
    path = tmp_path / "ВПР осень 2022 математика 4 класс.csv"
    path.write_text("user,otc,sum\nsch229001,4,12\nsch229001,5,-5\nsch229002,3,99999\nsch229002,4,7\n")
    outcome = run(path, world, period="autumn")
    assert outcome.status == "imported", outcome.message
    problems = _by_row(outcome)
    assert set(problems) == {3, 4}
    negative, huge = problems[3][0], problems[4][0]
    assert negative["excluding"] and negative["column"] == "sum" and negative["value"] == "-5"
    assert huge["excluding"] and huge["column"] == "sum" and huge["value"] == "99999"
    assert "0" in negative["message"] and str(MAX_PLAUSIBLE_TOTAL) in huge["message"]
    assessment = Assessment.objects.get(year=2022, grade=4, subject="ma", period="autumn")
    pupils = current_pupils(world.region, assessment)
    valid = pupils.filter(pl.col("valid"))
    assert sorted(valid["total"].to_list()) == [7, 12]
    assert outcome.summary["excluded"] == 2


def test_exam_pupil_totals_out_of_domain_are_excluded(world, sample_schools, tmp_path):
    path = tmp_path / "ОГЭ 2025 математика 9 класс.csv"
    path.write_text(
        "логин ОО;код участника;первичный балл;отметка\n"
        "sch229001;1;17;4\n"
        "sch229001;2;-3;2\n"
        "sch229002;3;500;5\n"
        "sch229002;4;25;9\n",
        encoding="utf-8",
    )
    outcome = run(path, world)
    assert outcome.status == "imported", outcome.message
    problems = _by_row(outcome)
    excluded = {row for row, items in problems.items() if any(p["excluding"] for p in items)}
    assert excluded == {3, 4}
    assert {p["value"] for row in (3, 4) for p in problems[row]} == {"-3", "500"}
    # A mark «9» is outside 2..5: a warning, the mark is left empty, the row stays.
    assert [(p["value"], p["excluding"]) for p in problems[5]] == [("9", False)]
    pupils = current_pupils(world.region, Assessment.objects.get(procedure="oge", year=2025, subject="ma"))
    assert sorted(pupils.filter(pl.col("valid"))["total"].to_list()) == [17, 25]
    assert pupils.filter(pl.col("source_row") == 5)["file_mark"].to_list() == [None]


def test_negative_total_is_excluded_when_the_maximum_is_known(world, sample_schools):
    def spoil(rows):
        rows[1][8] = "-1"
        return rows

    outcome = run(_rewrite_xlsx(REGIONAL, spoil), world, name=REGIONAL.name)
    row = _by_row(outcome)[2]
    assert any(p["excluding"] and p["value"] == "-1" and "20" in p["message"] for p in row), row


def test_task_score_above_the_plausible_bound_is_excluded_without_reference(world, sample_schools):
    """ВПР 2023 has no reference data: a task scored 99 (the total agreeing) is excluded, not a new maximum."""

    def spoil(rows):
        row = rows[1]
        first = 0 if row[9] in ("X", "Х") else int(row[9])
        row[9], row[8] = "99", str(int(row[8]) - first + 99)
        return rows

    name = "Проведение работы по математике, 4 класс. ВПР 2023.xlsx"
    outcome = run(_rewrite_xlsx(REGIONAL, spoil), world, name=name)
    assert outcome.status == "imported", outcome.message
    row = _by_row(outcome)[2]
    assert any(p["excluding"] and p["value"] == "99" and p["column"] == "балл за 1" for p in row), row
    imported = ResultImport.objects.get()
    reference = imported.reference
    assert reference.inferred
    assert all(c["max"] <= MAX_PLAUSIBLE_TASK for c in reference.columns), reference.columns
    assert reference.max_total <= MAX_PLAUSIBLE_TOTAL
    stats = statistics_rows(world.region, imported.assessment)
    assert 2 not in stats["source_row"].to_list()


def test_total_above_the_plausible_bound_is_excluded_without_reference(world, sample_schools):
    def spoil(rows):
        rows[1][8] = "150"
        rows[1][9:24] = ["10"] * 15  # 15 tasks of 10 points: each within the bound, the total is not
        return rows

    name = "Проведение работы по математике, 4 класс. ВПР 2023.xlsx"
    outcome = run(_rewrite_xlsx(REGIONAL, spoil), world, name=name)
    row = _by_row(outcome)[2]
    assert any(p["excluding"] and p["value"] == "150" for p in row), row
    assert ResultImport.objects.get().reference.columns[0]["max"] <= 2


def test_a_header_maximum_beyond_any_real_task_rejects_the_school_export(world, sample_schools, tmp_path):
    from tests.results.test_import import SCHOOL

    def spoil(rows):
        for row in rows:
            for i, cell in enumerate(row):
                if cell and cell.startswith("1 ("):
                    row[i] = "1 (99б)"
                    return rows
        raise AssertionError("no task header")

    outcome = run(_rewrite_xlsx(SCHOOL, spoil), world, name=SCHOOL.name)
    assert outcome.status == "rejected" and "99" in outcome.message, outcome.message


# ---- 3. footer lines --------------------------------------------------------------------------


FOOTERS = ["-- конец выгрузки --", "Итого строк: 500", "Конец"]


def test_trailing_junk_lines_of_a_csv_are_a_footer(world, sample_schools, tmp_path):
    path = tmp_path / "ВПР осень 2022 математика 4 класс.csv"
    body_lines = "sch229001,4,12\nsch229002,3,7\n"
    path.write_text("user,otc,sum\n" + body_lines + "\n".join(FOOTERS) + "\n,,\n", encoding="utf-8")
    outcome = run(path, world, period="autumn")
    assert outcome.status == "imported", outcome.message
    s = outcome.summary
    assert s["rows"] == 2 and s["excluded"] == 0, s
    assert s["unknown_schools"] == []
    assert s["warnings_by_reason"] == {"footer": 3}
    footer = [p for p in _problems(outcome) if p["code"] == "footer"]
    assert [(p["source_row"], p["value"]) for p in footer] == [(4, FOOTERS[0]), (5, FOOTERS[1]), (6, FOOTERS[2])]
    assert not any(p["excluding"] for p in footer)


def test_trailing_junk_lines_of_a_workbook_are_a_footer(world, sample_schools):
    def add_footer(rows):
        return [*rows, [FOOTERS[0]], [None, FOOTERS[1]], ["Конец", "выгрузки"]]

    outcome = run(_rewrite_xlsx(REGIONAL, add_footer), world, name=REGIONAL.name)
    s = outcome.summary
    assert s["rows"] == 64 and s["unknown_schools"] == [{"school_login": "sch229003", "rows": 31}]
    assert s["excluded_by_reason"] == {"total_mismatch": 1}
    assert s["warnings_by_reason"].get("footer") == 3
    footer = [p for p in _problems(outcome) if p["code"] == "footer"]
    assert [p["source_row"] for p in footer] == [66, 67, 68]
    assert footer[2]["value"] == "Конец выгрузки"


def test_junk_in_the_middle_of_the_data_stays_an_error(world, sample_schools, tmp_path):
    path = tmp_path / "ВПР осень 2022 математика 4 класс.csv"
    path.write_text("user,otc,sum\nsch229001,4,12\nИтого строк: 500\nsch229002,3,7\n", encoding="utf-8")
    outcome = run(path, world, period="autumn")
    s = outcome.summary
    assert s["rows"] == 3 and s["excluded"] == 1 and "footer" not in s["warnings_by_reason"]
    assert s["excluded_by_reason"].get("bad_login") == 1


def test_a_login_like_last_line_is_data_not_a_footer(world, sample_schools, tmp_path):
    """An absent pupil of a mistyped school at the end is a data row (an error), not a footer."""
    path = tmp_path / "ВПР осень 2022 математика 4 класс.csv"
    path.write_text("user,otc,sum\nsch229001,4,12\nsch22900x,4,\n", encoding="utf-8")
    outcome = run(path, world, period="autumn")
    assert outcome.summary["rows"] == 2 and outcome.summary["excluded_by_reason"] == {"bad_login": 1}


# ---- 4. schedules and the registry --------------------------------------------------------------


def _table(header, *rows):
    return RawTable(header=list(header), rows=[list(r) for r in rows], lines=list(range(2, len(rows) + 2)))


@pytest.mark.parametrize(
    ("cls", "day", "procedure", "column"),
    [
        ("4А", "15.04.1990", "", "Дата"),
        ("4А", "15.04.2999", "", "Дата"),
        ("4А", "15.04.69", "", "Дата"),
        ("9А", "15.04.2025", "ВПР", "Класс"),
        ("5", "15.04.2025", "ОГЭ", "Класс"),
        ("0", "15.04.2025", "", "Класс"),
        ("12", "15.04.2025", "", "Класс"),
        ("-4", "15.04.2025", "", "Класс"),
    ],
)
def test_schedule_rows_outside_the_domain_are_refused(world, cls, day, procedure, column):
    report = import_schedule(
        _table(("Логин", "Предмет", "Класс", "Дата", "Процедура"), ("sch220001", "Математика", cls, day, procedure)),
        "g.csv",
        region=world.region,
        by=None,
    )
    assert not report.ok and ScheduleEntry.objects.count() == 0
    assert [p.column for p in report.problems] == [column], report.problems
    assert all(p.message and p.row == 2 for p in report.problems)


def test_registry_pupil_counts_must_be_plain_whole_numbers(world):
    header = ["логин", "полное наименование", "муниципалитет", "4 класс", "5 класс", "6 класс"]
    fields, grades = map_columns(header)
    parser = RowParser(header, fields, grades, world.region)
    row = ["sch220009", "МБОУ СОШ", "Город", "²", "-5", "5001"]
    assert parser.parse(2, row) is None
    assert [p.value for p in parser.problems] == ["²", "-5", "5001"]


# ---- property-based: hostile rows never crash, kept rows are in their domain --------------------

HOSTILE_TEXT = st.one_of(
    st.just(""),
    st.text(max_size=12),
    st.integers(min_value=-(10**20), max_value=10**20).map(str),
    st.integers(min_value=-5, max_value=120).map(str),  # near the bounds, so that some rows are kept
    st.sampled_from(["=1+1", '=HYPERLINK("x")', "+7", "-0", "1,5", "1e3", "X", "Х", "не пройд.", "отсутствовал"]),
    st.sampled_from(["٣", "²", "１２", "\u00a012", " 7 ", "NaN", "inf", "нет отметки", "sch229001", "СОШ 5"]),
)
LOGIN = st.one_of(st.sampled_from(["sch229001", "sch229002", "edu220001", "SCH549999"]), HOSTILE_TEXT)

REGIONAL_HEADER = [
    *REGIONAL_LEADING,
    "балл за 1",
    "балл за 2",
    "балл за 3",
]
HEADERS = {
    "regional": REGIONAL_HEADER,
    "narrow": ["user", "otc", "sum"],
    "exam": ["логин ОО", "код участника", "первичный балл", "отметка"],
    "exam_test_score": ["логин", "код участника", "первичный балл", "тестовый балл"],
    "school": ["ОО", "Код участника", "Класс", "Вариант", "1 (2б)", "2 (1б)", "3 (4б)", "Первичный балл", "Отметка"],
}


def _sheet(header: list[str], rows: list[list[str]]) -> RawSheet:
    width = len(header)
    cells = [header, *[(r + [""] * width)[:width] for r in rows]]
    frame = pl.DataFrame([pl.Series(f"column_{i}", [r[i] for r in cells], dtype=pl.String) for i in range(width)])
    return RawSheet(name="hostile.csv", frame=frame, first_line=1)


def _limits(rules: Rules, n_tasks: int) -> tuple[int, list[int]]:
    total = rules.max_total if rules.max_total is not None else MAX_PLAUSIBLE_TOTAL
    tasks = [
        (rules.task_max[i] if i < len(rules.task_max) and rules.task_max[i] is not None else MAX_PLAUSIBLE_TASK)
        for i in range(n_tasks)
    ]
    return total, tasks


HOSTILE_ROW = st.tuples(LOGIN, st.lists(HOSTILE_TEXT, min_size=0, max_size=12)).map(lambda r: [r[0], *r[1]])
# A row whose total is the sum of its scores (so only the domain can exclude it): scores near the bounds.
CONSISTENT_ROW = st.tuples(
    st.sampled_from(["sch229001", "sch229002", "edu220001"]),
    st.integers(min_value=1, max_value=10**6),
    st.lists(st.integers(min_value=-2, max_value=14), min_size=3, max_size=3),
    st.sampled_from(["2", "5", "", "нет отметки", "7", "=1+1"]),
)


def _shaped(kind: str, row) -> list[str]:
    if isinstance(row, list):
        return row
    login, n, scores, mark = row
    total = str(sum(scores))
    if kind == "regional":
        return [login, "СПО", str(n), str(40000 + n), mark, "м", "А", "1", total, *map(str, scores)]
    if kind == "narrow":
        return [login, mark, total]
    if kind == "school":
        return [login, str(40000 + n), "А", "1", *map(str, scores), total, mark]
    return [login, str(40000 + n), total, mark]


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    kind=st.sampled_from(sorted(HEADERS)),
    rows=st.lists(st.one_of(HOSTILE_ROW, CONSISTENT_ROW, CONSISTENT_ROW), min_size=1, max_size=12),
    max_total=st.one_of(st.none(), st.integers(min_value=1, max_value=60)),
    task_max=st.lists(st.one_of(st.none(), st.integers(min_value=1, max_value=5)), min_size=3, max_size=3),
)
def test_hostile_rows_never_crash_the_normaliser_and_kept_rows_are_in_domain(kind, rows, max_total, task_max):
    header = HEADERS[kind]
    sheet = _sheet(header, [_shaped(kind, row) for row in rows])
    try:
        layout: Layout = detect(sheet)
        rules = Rules(region_code="22", task_max=task_max, max_total=max_total)
        result = normalise(body(sheet, layout), layout, rules)
    except FileRejected as exc:  # the importer's own Russian error
        assert str(exc)
        return
    pupils, problems = result.pupils, result.problems
    assert pupils.height + problems.filter(pl.col("code") == "footer").height <= len(rows)
    assert problems["message"].str.len_chars().min() or problems.is_empty()
    footer = problems.filter(pl.col("code") == "footer")["source_row"]
    assert footer.is_empty() or pupils.is_empty() or footer.min() > pupils["source_row"].max()
    total_limit, task_limits = _limits(rules, len(layout.tasks))
    kept = pupils.filter(pl.col("valid"))
    present = kept.filter(~pl.col("absent"))
    event("some rows kept" if kept.height else "every row excluded")
    assert present["total"].null_count() == 0
    if present.height:
        assert present["total"].min() >= 0 and present["total"].max() <= total_limit
    for i, limit in enumerate(task_limits, start=1):
        scores = kept[task_column(i)]
        if scores.drop_nulls().len():
            assert scores.min() >= 0 and scores.max() <= limit
    assert kept["school_login"].str.contains(r"^[a-z]{2,5}\d{4,8}$").all()
    low, high = (0, 100) if kind == "exam_test_score" else (2, 5)
    marks = kept["file_mark"].drop_nulls()
    assert marks.is_empty() or (marks.min() >= low and marks.max() <= high)
    journal = kept["journal_mark"].drop_nulls()
    assert journal.is_empty() or (journal.min() >= 2 and journal.max() <= 5)


def _mostly(valid: list[str], odd: list[str]) -> st.SearchStrategy[str]:
    """A plausible value three times in five, else an odd or a hostile one (so that some files are saved)."""
    good = st.sampled_from(valid)
    return st.one_of(good, good, good, st.sampled_from(odd), HOSTILE_TEXT)


SCHEDULE_ROW = st.tuples(
    _mostly(["sch220001", "SCH220002 "], ["sch540001", "sch22000x"]),
    _mostly(["Математика", "русский язык", "Окружающий мир"], ["Астрология", "ВПР"]),
    _mostly(["4", "4А", "5б", "7 - В", "11"], ["9Б", "2", "0", "12", "-4", "4АБВГ"]),
    st.one_of(
        st.dates(min_value=datetime.date(2014, 1, 1), max_value=datetime.date(2030, 12, 31)).map(
            lambda d: f"{d:%d.%m.%Y}"
        ),
        st.sampled_from(["2025-04-17", "31.12.9999", "01.01.1900", "29.02.2023", "15.04.69", "45000"]),
        HOSTILE_TEXT,
    ),
    _mostly(["", "ВПР", "РПР"], ["ОГЭ", "ЕГЭ", "ГВЭ"]),
)
# Every cell plausible on its own; a grade the procedure is not written in is the only way to be refused.
CLEAN_ROW = st.tuples(
    st.sampled_from(["sch220001", "SCH220002 "]),
    st.sampled_from(["Математика", "русский язык", "Окружающий мир"]),
    st.sampled_from(["4", "4А", "5б", "7 - В", "9", "11"]),
    st.dates(min_value=datetime.date(2015, 1, 1), max_value=datetime.date.today()).map(lambda d: f"{d:%d.%m.%Y}"),
    st.sampled_from(["", "ВПР", "РПР", "ОГЭ", "ЕГЭ"]),
)


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(rows=st.lists(st.one_of(CLEAN_ROW, CLEAN_ROW, SCHEDULE_ROW), min_size=1, max_size=3))
def test_hostile_schedule_rows_never_crash_and_kept_rows_are_in_domain(world, rows):
    report = import_schedule(
        _table(("Логин", "Предмет", "Класс", "Дата", "Процедура"), *rows), "g.csv", region=world.region, by=None
    )
    assert all(isinstance(p.message, str) and p.message for p in report.problems)
    assert report.ok or report.created + report.unchanged == 0
    event("saved" if report.ok else "refused")
    last = datetime.date.today().year + 1
    for entry in ScheduleEntry.objects.select_related("assessment"):
        assert FIRST_SCHEDULE_YEAR <= entry.date.year <= last
        assert 1 <= entry.assessment.grade <= 11
        if entry.assessment.procedure == "vpr":
            assert entry.assessment.grade not in (1, 2, 3, 9)
        if entry.assessment.procedure == "oge":
            assert entry.assessment.grade == 9


@pytest.mark.django_db
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(cells=st.lists(st.one_of(st.integers(0, 6000).map(str), HOSTILE_TEXT), min_size=3, max_size=3))
def test_hostile_registry_pupil_counts_never_crash(world, cells):
    header = ["логин", "полное наименование", "муниципалитет", "4 класс", "5 класс", "9 класс"]
    fields, grades = map_columns(header)
    parser = RowParser(header, fields, grades, world.region)
    values = parser.parse(2, ["sch220009", "МБОУ СОШ", "Город", *cells])
    assert all(isinstance(p.message, str) for p in parser.problems)
    if values is not None:
        assert all(0 <= n <= MAX_PUPILS_PER_GRADE for n in values["pupils_by_grade"].values())
    assert School.objects.filter(login="sch220009").count() == 0
