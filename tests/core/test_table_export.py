"""core.table_export: a page's table read back from its HTML as the user reads it, numbers as numbers."""

import io

import openpyxl
import pytest
from django.http import Http404

from objectivity.core.table_export import parse_number, read_table, table_xlsx

PAGE = """<table data-table="other"><tbody><tr><td>не та</td></tr></tbody></table>
<table class="data" data-table="marks"><thead><tr><th>Уровень</th><th class="num">Участников</th><th class="barcol"></th>
<th>«2», %</th><th>«3», %</th></tr></thead>
<tbody><tr><td>МБОУ «СОШ&nbsp;№&nbsp;1» <span class="muted">sch220001</span></td><td class="num">10&nbsp;235</td>
<td><span class="bar"></span></td><td>12,5</td><td>−3</td></tr>
<tr><td>=1+1</td><td class="num">&lt; 5</td><td></td><td colspan="2">скрыто: меньше 5 участников</td></tr></tbody></table>"""


def test_a_table_is_read_as_shown_without_its_bars():
    head, rows = read_table(PAGE, "marks")
    assert head == ["Уровень", "Участников", "«2», %", "«3», %"]
    assert rows == [
        ["МБОУ «СОШ № 1» sch220001", "10 235", "12,5", "−3"],
        ["=1+1", "< 5", "скрыто: меньше 5 участников", ""],
    ]
    assert read_table(PAGE, "absent") is None


@pytest.mark.parametrize(
    ("text", "number"),
    [("10 235", 10235), ("12,5", 12.5), ("−3,25", -3.25), ("0", 0), ("2026", 2026), ("0123", None), ("12,5 %", None),
     ("sch220001", None), ("1 2", None)],
)  # fmt: skip
def test_numbers_as_typography_writes_them(text, number):
    assert parse_number(text) == number


def test_the_workbook_keeps_text_as_text_and_numbers_as_numbers():
    sheet = openpyxl.load_workbook(io.BytesIO(table_xlsx(PAGE, "marks", "t.xlsx").content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1] == ("МБОУ «СОШ № 1» sch220001", 10235, 12.5, -3)
    assert rows[2][0] == "=1+1" and sheet["A3"].data_type == "s"
    with pytest.raises(Http404):
        table_xlsx(PAGE, "absent", "t.xlsx")


def test_a_page_answers_with_its_table_and_the_rules_of_the_page(world, client):
    from django.urls import reverse

    client.force_login(world.users["region_admin"])
    response = client.get(reverse("home"), {"table": "municipalities", "format": "xlsx"})
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    rows = list(openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(values_only=True))
    assert [r[0] for r in rows[1:]] == ["Городской округ Северогорск", "Каменский муниципальный район"]
    assert client.get(reverse("home"), {"table": "nope", "format": "xlsx"}).status_code == 404
    client.force_login(world.users["expert"])  # the page's own rules: an expert may not see the audit
    assert client.get(reverse("audit-list"), {"table": "x", "format": "xlsx"}).status_code == 403
