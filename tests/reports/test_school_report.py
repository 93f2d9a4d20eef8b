"""The school report: one school and one work on one page and as DOCX/PDF; marks, tasks by level and the journal
comparison counted by hand from the run's figures; both methods side by side; who may see it; a work of fewer
than 5 participants shows no figure of the school outside it; the analyst's numbers never reach the school."""

import io

import docx
import pytest
from django.urls import reverse

from objectivity.detection.models import DetectionRun, EvidenceFigures, Finding
from tests.opened import docx_text, libreoffice_pdf, pdf_text, pdf_to_pngs
from tests.reports.test_list import _work, listed  # noqa: F401  (a fixture)

# The school's figures: 20 pupils at scores 0..4 as [0, 2, 3, 5, 10] with cut scores 1, 2, 3, so marks «2» 0 %,
# «3» 10 %, «4» 15 %, «5» 75 %; tasks 1 and 2 basic (50 %, 70 %: 60 % on average), task 3 advanced (20 %).
SCHOOL_FIGURES = {
    "n": 20,
    "scores": [0, 2, 3, 5, 10],
    "journal": [18, 11.1, 55.6, 33.3],
    "tasks": [[1, 50.0], [2, 70.0], [3, 20.0]],
    "history": [["2025, 3 кл.", 55.0], ["2026, 4 кл.", 81.2]],
}
WIDER_FIGURES = {"n": 400, "scores": [40, 80, 120, 80, 80], "journal": [380, 20.0, 70.0, 10.0],
                 "tasks": [[1, 40.0], [2, 60.0], [3, 30.0]]}  # fmt: skip
REGION_EXTRA = {"cuts": [1, 2, 3], "task_labels": ["1 (Б)", "2 (Б)", "3 (П)"], "history": [["2026, 4 кл.", 50.0]]}
LAYER_DETAILS = {"p_journal": 0.0123, "stat_journal": 3.1, "probability_low": 0.6, "probability_high": 0.95}


@pytest.fixture
def report(listed):  # noqa: F811
    """The home school's maths 4 of 2026 (our sign, high risk, and the mean marker's reason) with its figures."""
    run = DetectionRun.objects.get(region=listed.region, year=2026)
    work = run.assessments.get(subject="ma")
    units = {
        f"s{listed.school.pk}": SCHOOL_FIGURES,
        f"m{listed.municipality.pk}": WIDER_FIGURES,
        "region": {**WIDER_FIGURES, **REGION_EXTRA},
    }
    for unit, figures in units.items():
        EvidenceFigures.objects.create(run=run, assessment=work, unit=unit, figures=figures)
    Finding.objects.filter(run=run, school=listed.school, assessment=work).update(details=LAYER_DETAILS)
    listed.url = reverse("school-report", args=[listed.school.pk, work.pk])
    listed.run, listed.work = run, work
    return listed


def _get(client, user, url, **params):
    client.force_login(user)
    return client.get(url, params)


def test_marks_tasks_by_level_and_the_journal_are_counted_from_the_runs_figures(report, client):
    context = _get(client, report.users["municipal_coordinator"], report.url).context
    school = next(r for r in context["marks"] if r["level"] == "МБОУ «СОШ № 1»")
    assert (school["n"], school["share_2"], school["share_3"], school["share_4"], school["share_5"]) == (
        20, 0.0, 10.0, 15.0, 75.0)  # fmt: skip
    assert [(r["label"], r["tasks"], r["values"]) for r in context["tasks"]] == [
        ("базовый (Б)", 2, [60.0, 50.0, 50.0]),
        ("повышенный (П)", 1, [20.0, 30.0, 30.0]),
    ]
    assert [r["level"] for r in context["journal"]] == [
        "МБОУ «СОШ № 1»", "Городской округ Северогорск", "Демонстрационный край"]  # fmt: skip
    assert list(context["charts"]) == ["marks", "scores", "tasks", "journal", "history"]


def test_both_methods_side_by_side_and_the_earlier_lists(report, client):
    page = _get(client, report.users["municipal_coordinator"], report.url).content.decode()
    fioco = page[page.index('data-test="fioco"') : page.index('data-test="ours"')]
    ours = page[page.index('data-test="ours"') : page.index('data-test="listed"')]
    assert "завышенные значения среднего балла" in fioco and "средний балл 17,2" in fioco  # the marker's reason
    assert "высокий" in ours and "средний балл 17,2" not in ours  # never merged into our reasons
    assert "Как читать этот отчёт" in page and "рейтинг" not in page
    listed_years = _get(client, report.users["municipal_coordinator"], report.url).context["report"].listed
    assert listed_years == [(2026, "да"), (2025, "да"), (2024, "нет данных")]


@pytest.mark.parametrize(
    ("who", "school", "status"),
    [
        ("municipal_coordinator", "other_school", 404),  # another municipality's school
        ("school_admin", "school", 200),  # its own report, through the list's permission
        ("school_admin", "other_school", 404),
        ("outsider", "school", 404),  # another region
        ("public_observer", "school", 403),
    ],
)
def test_who_may_see_a_report(report, client, who, school, status):
    work = report.work
    Finding.objects.get_or_create(
        run=report.run, assessment=work, school=report.other_school,
        defaults={"n": 20, "status": "ok", "probability": 0.0, "risk": "low"},
    )  # fmt: skip
    url = reverse("school-report", args=[getattr(report, school).pk, work.pk])
    assert _get(client, report.users[who], url).status_code == status


def test_the_analysts_numbers_stay_with_the_analyst(report, client):
    analyst = _get(client, report.users["region_analyst"], report.url).content.decode()
    assert "0,0123" in analyst and 'data-test="analyst"' in analyst
    for who in ("school_admin", "municipal_coordinator"):
        page = _get(client, report.users[who], report.url).content.decode()
        assert "0,0123" not in page and 'data-test="analyst"' not in page, who
    for fmt in ("docx", "pdf"):
        document = _get(client, report.users["region_analyst"], report.url, format=fmt).content
        text = docx_text(document) if fmt == "docx" else pdf_text(document)
        assert "0,0123" not in text and "Вероятность" not in text, fmt


def test_docx_and_pdf_hold_the_same_sections_with_charts(report, client, tmp_path):
    docx_response = _get(client, report.users["municipal_coordinator"], report.url, format="docx")
    assert docx_response["Content-Disposition"].endswith(".docx")
    text = docx_text(docx_response.content)
    for expected in ("МБОУ «СОШ № 1»", "Статистика по отметкам", "75,0", "базовый (Б)", "Понизили, %",
                     "Маркеры опубликованной методики (ФИОКО)", "Признаки по сочетанию слоёв", "высокий",
                     "требующие проверки", "В перечне ОО"):  # fmt: skip
        assert expected in text, expected
    images = docx.Document(io.BytesIO(docx_response.content)).inline_shapes
    assert len(images) == 5  # marks, scores, tasks, journal, history
    pdf = _get(client, report.users["municipal_coordinator"], report.url, format="pdf").content
    assert "Статистика по отметкам" in pdf_text(pdf) and "75,0" in pdf_text(pdf)
    assert pdf_to_pngs(pdf, tmp_path)
    assert "Статистика по отметкам" in pdf_text(libreoffice_pdf(docx_response.content))


def _small(report, n=3):
    """The school wrote the work with `n` participants."""
    Finding.objects.filter(run=report.run, school=report.school, assessment=report.work).update(n=n)
    figures = EvidenceFigures.objects.get(run=report.run, unit=f"s{report.school.pk}")
    figures.figures = {**figures.figures, "n": n}
    figures.save()


def test_a_work_of_three_pupils_shows_no_figure_of_the_school_outside_it(report, client):
    _small(report)
    coordinator = report.users["municipal_coordinator"]
    response = _get(client, coordinator, report.url)
    page, context = response.content.decode(), response.context
    assert "меньше 5 (показывается только самой ОО)" in page
    assert all("МБОУ «СОШ № 1»" not in row["level"] for row in context["marks"] + context["journal"])
    for chart in context["charts"].values():
        assert "МБОУ «СОШ № 1»" not in str(chart["spec"]), chart["title"]
    assert "75,0" not in page and "33,3" not in page and "81,2" not in page  # its shares, journal and path
    assert "средний балл 17,2" not in page  # nor the numbers behind its signs
    for fmt, read in (("docx", docx_text), ("pdf", pdf_text)):
        text = read(_get(client, coordinator, report.url, format=fmt).content)
        assert "меньше 5" in text and "75,0" not in text and "33,3" not in text and "17,2" not in text, fmt
    own = _get(client, report.users["school_admin"], report.url).content.decode()
    assert "75,0" in own and "средний балл 17,2" in own  # the school sees its own


def test_the_schools_path_over_the_years_skips_a_year_of_fewer_than_five_outside_it(report, client):
    def path_steps(user):
        spec = _get(client, user, report.url).context["charts"]["history"]["spec"]
        return [v["step"] for v in spec["data"]["values"] if v["level"] == "МБОУ «СОШ № 1»"]

    coordinator, school = report.users["municipal_coordinator"], report.users["school_admin"]
    assert path_steps(coordinator) == ["2026, 4 кл."]  # 2025: no count known, so not shown outside the school
    assert path_steps(school) == ["2025, 3 кл.", "2026, 4 кл."]
    run_2025 = DetectionRun.objects.get(region=report.region, year=2025)
    _run_finding(run_2025, report.school, _work(2025, grade=3), n=12)
    assert path_steps(coordinator) == ["2025, 3 кл.", "2026, 4 кл."]
    Finding.objects.filter(run=run_2025, assessment__grade=3).update(n=4)
    assert path_steps(coordinator) == ["2026, 4 кл."]


def _run_finding(run, school, work, n):
    run.assessments.add(work)
    Finding.objects.create(run=run, assessment=work, school=school, n=n, status="ok", probability=0.0, risk="low")


def test_a_work_without_a_finding_of_the_school_is_not_found(report, client):
    url = reverse("school-report", args=[report.school.pk, _work(2026, 6, "ru").pk])
    assert _get(client, report.users["region_analyst"], url).status_code == 404
