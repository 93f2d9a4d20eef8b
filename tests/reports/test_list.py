"""The list of schools with signs: who sees which rows, the two methods side by side, earlier years, small cells,
filters, and the XLSX, DOCX and PDF of exactly the rows shown; the command line writes the same."""

import io

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from objectivity.detection.actions import stored_settings
from objectivity.detection.models import DetectionRun, Finding
from objectivity.detection.signs import keep_signs
from objectivity.results.models import Assessment
from tests.opened import docx_text, libreoffice_pdf, pdf_text

URL = reverse("school-list-of-signs")


def _work(year, grade=4, subject="ma"):
    return Assessment.objects.get_or_create(year=year, grade=grade, subject=subject)[0]


def _run(world, year, findings, region=None):
    region = region or world.region
    run = DetectionRun.objects.create(
        region=region,
        year=year,
        thresholds=stored_settings(by=world.users["region_admin"], region=region, year=year),
        status="done",
    )
    for school, work, fields in findings:
        run.assessments.add(work)
        base = {"n": 20, "status": "ok", "probability": 0.0, "risk": "low", "flagged": False}
        Finding.objects.create(run=run, assessment=work, school=school, **{**base, **fields})
    keep_signs(run)  # as a run's save does
    return run


OURS_HIGH = {
    "flagged": True,
    "risk": "high",
    "probability": 0.9,
    "reasons": [
        {
            "code": "fioco_mean",
            "mean": 17.2,
            "ci_low": 16.0,
            "ci_high": 18.4,
            "n": 20,
            "region_mean": 12.0,
            "region_ci_high": 12.3,
            "z": 1.96,
        }
    ],
}


@pytest.fixture
def listed(world):
    """2026: the home school with our sign (maths 4) and a ФИОКО marker (Russian 5); the other school with a marker
    only. 2025: the home school with our sign. No run in 2024."""
    maths, russian = _work(2026), _work(2026, 5, "ru")
    _run(world, 2025, [(world.school, _work(2025), OURS_HIGH)])
    _run(
        world,
        2026,
        [
            (world.school, maths, OURS_HIGH),
            (world.school, russian, {"fioco_mean": 1}),
            (world.other_school, maths, {"fioco_spearman": 1}),
        ],
    )
    _run(world, 2026, [(world.foreign_school, maths, OURS_HIGH)], region=world.foreign_region)  # another region's list
    return world


def _rows(response):
    return [
        [str(c.value or "") for c in row]
        for row in openpyxl.load_workbook(io.BytesIO(response.content)).active.iter_rows(min_row=2)
    ]


def test_the_region_sees_every_school_with_a_sign_of_either_method(listed, client):
    client.force_login(listed.users["region_analyst"])
    page = client.get(URL).content.decode()
    assert "МБОУ «СОШ №\u00a01»" in page and "МКОУ «Каменская ООШ»" in page and "sch540001" not in page
    assert "МБОУ «СОШ № 1»" not in page  # «№» keeps its number on the page (not in the exports)
    assert "Математика, 4 класс — высокий" in page  # ours, in words
    assert "завышенные значения среднего балла: русский язык 5 кл." in page  # the published method, beside it
    assert "несоответствие результатов ВПР и школьных отметок" in page
    assert "В перечне 2025" in page and "В перечне 2024" in page
    assert reverse("school-detail", args=[listed.school.pk]) in page  # a school's row opens its card


def test_earlier_years_say_yes_no_or_no_data(listed, client):
    client.force_login(listed.users["region_analyst"])
    rows = {r[1]: r for r in _rows(client.get(URL, {"format": "xlsx"}))}
    assert rows["МБОУ «СОШ № 1»"][-2:] == ["да", "нет данных"]
    assert rows["МКОУ «Каменская ООШ»"][-2:] == ["нет", "нет данных"]


@pytest.mark.parametrize(
    ("who", "shown", "hidden"),
    [
        ("municipal_coordinator", "МБОУ «СОШ № 1»", "МКОУ «Каменская ООШ»"),
        ("school_admin", "МБОУ «СОШ № 1»", "МКОУ «Каменская ООШ»"),
    ],
)
def test_a_municipality_and_a_school_see_their_own_rows_only(listed, client, who, shown, hidden):
    client.force_login(listed.users[who])
    page = client.get(URL).content.decode().replace("\u00a0", " ")
    assert shown in page and hidden not in page
    names = [r[1] for r in _rows(client.get(URL, {"format": "xlsx"}))]
    assert names == [shown]


def test_another_region_sees_its_own_list_and_an_observer_is_refused(listed, client):
    client.force_login(listed.users["outsider"])
    assert [r[2] for r in _rows(client.get(URL, {"format": "xlsx"}))] == ["sch540001"]
    client.force_login(listed.users["public_observer"])
    assert client.get(URL).status_code == 403


def test_without_a_completed_run_the_page_says_where_the_list_comes_from(world, client):
    client.force_login(world.users["region_analyst"])
    page = client.get(URL).content.decode()
    assert "Завершённого расчёта признаков пока нет" in page and 'data-test="export-docx"' not in page


def test_filters_choose_the_method_and_the_export_has_exactly_the_filtered_rows(listed, client):
    client.force_login(listed.users["region_analyst"])
    only_fioco = _rows(client.get(URL, {"method": "fioco", "format": "xlsx"}))
    assert [r[1] for r in only_fioco] == ["МБОУ «СОШ № 1»", "МКОУ «Каменская ООШ»"]
    assert only_fioco[0][3] == ""  # the school's row shows only the findings that pass: no sign of ours
    ours = _rows(client.get(URL, {"method": "ours", "format": "xlsx"}))
    assert [r[1] for r in ours] == ["МБОУ «СОШ № 1»"]
    one = _rows(client.get(URL, {"method": "one", "risk": "high", "format": "xlsx"}))
    assert [r[1] for r in one] == ["МБОУ «СОШ № 1»"]
    assert _rows(client.get(URL, {"method": "both", "format": "xlsx"})) == []


def test_a_small_work_shows_its_reasons_only_to_its_school(listed, client):
    Finding.objects.filter(school=listed.school, flagged=True, run__year=2026).update(n=3)
    client.force_login(listed.users["municipal_coordinator"])
    page = client.get(URL).content.decode()
    assert "меньше 5 участников" in page and "17,2" not in page
    client.force_login(listed.users["school_admin"])
    assert "17,2" in client.get(URL).content.decode()


def test_docx_and_pdf_hold_the_rows_grouped_by_municipality(listed, client):
    client.force_login(listed.users["region_analyst"])
    docx = client.get(URL, {"format": "docx"})
    assert docx["Content-Disposition"].endswith(".docx")
    text = docx_text(docx.content)
    for expected in (
        "Перечень ОО с признаками необъективных результатов",
        "Городской округ Северогорск",
        "Каменский муниципальный район",
        "МБОУ «СОШ № 1»",
        "Математика, 4 класс — высокий",
    ):
        assert expected in text, expected
    pdf = pdf_text(client.get(URL, {"format": "pdf", "method": "ours"}).content)
    assert "МБОУ «СОШ № 1»" in pdf and "Каменская" not in pdf and "Стр. 1 из 1" in pdf


def test_the_command_writes_the_list_in_each_format(listed, tmp_path):
    out = {fmt: tmp_path / f"list.{fmt}" for fmt in ("xlsx", "docx", "pdf")}
    for fmt, path in out.items():
        call_command("report", "list", "--year", "2026", "--format", fmt, "--out", str(path), "--region", "22")
    rows = list(openpyxl.load_workbook(out["xlsx"]).active.iter_rows(min_row=2, values_only=True))
    assert [r[1] for r in rows] == ["МБОУ «СОШ № 1»", "МКОУ «Каменская ООШ»"]
    assert "МКОУ «Каменская ООШ»" in docx_text(out["docx"].read_bytes())
    assert "МКОУ «Каменская ООШ»" in pdf_text(out["pdf"].read_bytes())
    assert "МКОУ «Каменская ООШ»" in pdf_text(libreoffice_pdf(out["docx"].read_bytes()))
    with pytest.raises(CommandError, match="нет завершённого расчёта признаков за 2019"):
        call_command(
            "report", "list", "--year", "2019", "--format", "pdf", "--out", str(tmp_path / "x.pdf"), "--region", "22"
        )
