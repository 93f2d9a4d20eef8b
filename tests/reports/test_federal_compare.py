"""The federal list beside our findings: agreement per work counted by hand on a small example, each of our methods
apart, the schools on one list only with links to their evidence, who sees what; and our markers in the federal
layout, opened with openpyxl."""

import io
from urllib.parse import unquote

import openpyxl
import pytest
from django.urls import reverse

from objectivity.detection.actions import stored_settings
from objectivity.detection.models import DetectionRun, Finding
from objectivity.reports.federal_compare import TOTAL, cohen_kappa, compare
from objectivity.reports.models import FederalEntry, FederalList
from objectivity.results.models import Assessment
from tests.factories import SchoolFactory


def test_cohen_kappa_matches_the_worked_example():
    """Wikipedia, «Cohen's kappa», worked example: 50 proposals, both yes 20, A yes B no 5, A no B yes 10, both no
    15 → p_o = 0.7, p_e = 0.5, κ = 0.4."""
    assert cohen_kappa(20, 5, 10, 15) == pytest.approx(0.4)
    assert cohen_kappa(3, 0, 0, 0) is None  # everyone marked by both: chance agreement is total
    assert cohen_kappa(0, 0, 0, 0) is None


@pytest.fixture
def compared(world):
    """2025, maths 4: schools A (home school), B (other school), C and D, judged; E with too few data.
    The federal list marks A, B and E on maths 4, and A on Russian 5 (not in our run); also a school not in the
    registry. Ours: the published method fires on A and C; the combination of layers on B only. C has a sign on
    Russian 6 too, a work the federal list has no column for."""
    a, b = world.school, world.other_school
    c = SchoolFactory(municipality=world.municipality, login="sch220003", short_name="МБОУ «СОШ № 3»")
    d = SchoolFactory(municipality=world.other_municipality, login="sch220004", short_name="МБОУ «СОШ № 4»")
    e = SchoolFactory(municipality=world.municipality, login="sch220005", short_name="МБОУ «СОШ № 5»")
    maths = Assessment.objects.get_or_create(year=2025, grade=4, subject="ma")[0]
    admin = world.users["region_admin"]
    run = DetectionRun.objects.create(
        region=world.region, year=2025, status="done",
        thresholds=stored_settings(by=admin, region=world.region, year=2025),
    )  # fmt: skip
    run.assessments.add(maths)
    for school, fields in [
        (a, {"fioco_mean": 1}),
        (b, {"flagged": True, "risk": "high"}),
        (c, {"fioco_spearman": 1, "fioco_cohort": "rise"}),
        (d, {}),
        (e, {"status": "small", "n": 3}),
    ]:
        values = {"n": 20, "status": "ok", "probability": 0.0, "risk": "low", "flagged": False, **fields}
        Finding.objects.create(run=run, assessment=maths, school=school, **values)
    russian_6 = Assessment.objects.get_or_create(year=2025, grade=6, subject="ru")[0]  # no column in the federal list
    Finding.objects.create(run=run, assessment=russian_6, school=c, n=20, status="ok", probability=0.9, risk="high",
                           flagged=True, fioco_mean=1)  # fmt: skip
    columns = {"works": {"4-ma": 4, "5-ru": 5}}
    kept = FederalList.objects.create(region=world.region, file_name="перечень.xlsx", sha256="0" * 64, mapping=columns)
    for school, marks in [(a, {"4-ma": "1", "5-ru": "1"}), (b, {"4-ma": "+"}), (e, {"4-ma": "да"})]:
        FederalEntry.objects.create(federal_list=kept, region=world.region, year=2025, login=school.login,
                                    school=school, marks=marks)  # fmt: skip
    FederalEntry.objects.create(federal_list=kept, region=world.region, year=2025, login="sch229999",
                                school_name="МБОУ «Новая СОШ»", marks={"4-ma": "1"})  # fmt: skip
    world.run = run
    return world


def _counts(comparison, work, method):
    row = next(a for a in comparison.agreement if a.work == work and a.method == method)
    return (row.both, row.federal_only, row.ours_only, row.neither), row


def test_agreement_is_counted_for_each_of_our_methods_apart(compared):
    comparison = compare(compared.users["region_analyst"], 2025)
    counts, fioco = _counts(comparison, "4-ma", "fioco")
    assert counts == (1, 1, 1, 1)  # A both; B federal only; C ours only; D neither (E not judged)
    assert fioco.share == pytest.approx(0.5) and fioco.kappa == pytest.approx(0.0)  # p_o = p_e = 0.5
    counts, layers = _counts(comparison, "4-ma", "layers")
    assert counts == (1, 1, 0, 2)  # B both; A federal only; D and C neither
    assert layers.share == pytest.approx(0.75) and layers.kappa == pytest.approx(0.5)  # p_e = (2·1 + 2·3) / 16
    assert _counts(comparison, TOTAL, "layers")[0] == (1, 1, 0, 2)  # Russian 6 is not compared: the list has no column
    assert comparison.not_covered == ["6-ru"]
    outside = sorted((r.login, r.work) for r in comparison.outside)
    assert outside == [("sch220001", "5-ru"), ("sch220005", "4-ma"), ("sch229999", "4-ma")]


def test_a_municipality_compares_its_own_schools(compared):
    comparison = compare(compared.users["municipal_coordinator"], 2025)
    assert _counts(comparison, "4-ma", "fioco")[0] == (1, 0, 1, 0)  # A and C: the other municipality's B, D unseen
    assert compare(compared.users["outsider"], 2025).agreement == []


def test_the_page_shows_both_methods_and_links_to_the_evidence(compared, client):
    client.force_login(compared.users["region_analyst"])
    page = client.get(reverse("federal-compare"), {"year": 2025}).content.decode()
    assert 'data-test="agreement-fioco"' in page and 'data-test="agreement-layers"' in page
    assert reverse("school-findings", args=[compared.run.pk, compared.other_school.pk]) in page  # B: one list only
    assert "Каппа Коэна" in page and "0,5" in page and "МБОУ «Новая СОШ»" in page and "нет в реестре" in page


def test_the_comparison_exports_to_excel(compared, client):
    client.force_login(compared.users["region_analyst"])
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("federal-compare-xlsx", args=[2025])).content))
    assert book.sheetnames == ["Согласие", "Только в одном перечне", "Вне сравнения"]
    rows = list(book["Согласие"].iter_rows(min_row=2, values_only=True))
    assert ("Математика, 4 класс", 1, 1, 0, 2, 4, 0.75, 0.5) in [r[:1] + r[2:] for r in rows]


def test_ours_in_the_federal_layout_says_it_is_not_the_federal_list(compared, client):
    client.force_login(compared.users["region_analyst"])
    response = client.get(reverse("federal-ours-xlsx", args=[2025]))
    assert "не является федеральным перечнем" in unquote(response["Content-Disposition"])
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert "не является федеральным перечнем" in rows[0][0].lower()
    assert list(rows[1]) == ["Год", "Логин", "Муниципалитет", "ОО", "4 МА", "6 РУ", "Количество маркеров"]
    assert [list(r) for r in rows[2:]] == [
        [2025, "sch220001", "Городской округ Северогорск", "МБОУ «СОШ № 1»", 1, None, 1],
        [2025, "sch220003", "Городской округ Северогорск", "МБОУ «СОШ № 3»", 2, 1, 3],
    ]  # B's sign is of the combination of layers, not a marker: not in this layout


def test_ours_without_a_run_of_the_year_is_not_found(compared, client):
    client.force_login(compared.users["region_analyst"])
    assert client.get(reverse("federal-ours-xlsx", args=[2019])).status_code == 404


def test_a_year_without_our_run_says_the_comparison_needs_one(compared, client):
    FederalEntry.objects.filter(year=2025).update(year=2024)
    client.force_login(compared.users["region_analyst"])
    page = client.get(reverse("federal-compare"), {"year": 2024}).content.decode()
    assert 'data-test="no-run"' in page and "Нет завершённого расчёта признаков за 2024 год" in page
    assert 'data-test="export-ours"' not in page
