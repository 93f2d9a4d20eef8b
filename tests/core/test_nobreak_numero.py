"""School names on pages keep «№» with its number («СОШ №\u00a01», never «СОШ №» at a line's end); data and
exports keep the name as it was loaded."""

import io

import openpyxl
from django.template import Context, Template
from django.urls import reverse

NAME = "МБОУ «СОШ №\u00a01»"  # the world's school, «МБОУ «СОШ № 1»» in the registry
BROKEN = "МБОУ «СОШ № 1»"


def render(value) -> str:
    return Template("{% load ru %}{{ value|nobreak_numero }}").render(Context({"value": value}))


def test_the_filter_binds_the_number_and_still_escapes():
    assert render("СОШ № 17 и № 5") == "СОШ №\u00a017 и №\u00a05"
    assert render("<b>№ 1</b>") == "&lt;b&gt;№\u00a01&lt;/b&gt;"
    assert render(None) == "" and render("Гимназия") == "Гимназия"


def test_the_school_page_and_the_list_bind_the_number(world, client):
    client.force_login(world.users["region_analyst"])
    page = client.get(reverse("school-detail", args=[world.school.pk])).content.decode()
    assert f"<h1>{NAME}</h1>" in page
    listing = client.get(reverse("school-list")).content.decode()
    assert NAME in listing and BROKEN not in listing


def test_the_export_keeps_the_name_as_loaded(world, client):
    client.force_login(world.users["region_analyst"])
    response = client.get(reverse("school-list"), {"format": "xlsx"})
    cells = {c for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.values for c in row}
    assert BROKEN in cells and NAME not in cells
