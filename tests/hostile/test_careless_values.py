"""Careless but honest values the hostile corpus brought up: read as meant where that is certain, else refused."""

from objectivity.core.tabular import column_letters, decode_text, sniff_delimiter
from objectivity.orgs.registry import RowParser, map_columns, name_problem


def test_a_title_line_above_the_header_does_not_decide_the_delimiter():
    text = "ВПР 2023 Математика 4 класс\nМБОУ СОШ № 1 (sch220001)\nОО;Код участника;1 (1б);Первичный балл\n"
    assert sniff_delimiter(text) == ";"
    assert sniff_delimiter("логин;имя\nsch220001;Школа\nsch220002,Школа\n") == ";"  # one stray row does not win


def test_excel_unicode_text_is_read():
    raw = "\ufeffлогин\tимя\r\nsch220001\tШкола\r\n".encode("utf-16-le")
    assert decode_text(raw, "x.csv").splitlines()[1] == "sch220001\tШкола"


def test_names_must_be_plain_text_and_a_dash_is_no_short_name(world):
    assert not name_problem("МБОУ «СОШ № 1» г. Барнаула")
    assert all(name_problem(v) for v in ('=HYPERLINK("x")', "@SUM(1)", "-", "12345", "Школа<script>", "Школа\x07"))
    header = ["логин", "полное наименование", "краткое наименование", "муниципалитет"]
    fields, grades = map_columns(header)
    parser = RowParser(header, fields, grades, world.region)
    values = parser.parse(2, ["sch220009", "МБОУ «СОШ № 9»", "-", "Город"])
    assert values is not None and values["short_name"] == "МБОУ «СОШ № 9»", parser.problems


def test_column_letters():
    assert [column_letters(i) for i in (0, 25, 26, 1022, 16383)] == ["A", "Z", "AA", "AMI", "XFD"]
