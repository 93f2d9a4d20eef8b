"""Results pages as users meet them: import several files, read the outcome, browse a work, manage
imports and reference data."""

import io
import re
from pathlib import Path

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from objectivity.core.models import Job
from objectivity.orgs.models import School
from objectivity.results.models import Assessment, ImportStatus, ResultImport
from tests.factories import MunicipalityFactory, SchoolFactory

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "results"
REGIONAL = FIXTURES / "Проведение работы по математике, 4 класс. ВПР 2021 (пример).xlsx"
SCHOOL = FIXTURES / "Индивидуальные результаты ВПР 2023 Математика 4 класс (пример, реконструкция).xlsx"


@pytest.fixture
def schools(world):
    municipality = MunicipalityFactory(region=world.region, name="Пример муниципальный район")
    return [
        SchoolFactory(municipality=municipality, login=login, short_name=name, pupils_by_grade={"4": 30})
        for login, name in (("sch229001", "СОШ № 1"), ("sch229002", "ООШ № 2"), ("edu229001", "СОШ № 9"))
    ]


def upload(path: Path, name: str | None = None) -> SimpleUploadedFile:
    return SimpleUploadedFile(name or path.name, path.read_bytes())


def import_through_page(client, *files, **fields):
    response = client.post(reverse("results-import"), {"uploads": list(files), **fields})
    assert response.status_code == 302, response.content.decode()[:2000]
    return Job.objects.get(pk=response.url.rstrip("/").split("/")[-1])


def test_several_files_at_once_with_one_rejected(world, schools, client, django_capture_on_commit_callbacks):
    client.force_login(world.users["region_analyst"])
    with django_capture_on_commit_callbacks(execute=True):
        job = import_through_page(
            client, upload(REGIONAL), upload(SCHOOL), SimpleUploadedFile("пусто.csv", "имя;значение\n1;2\n".encode())
        )
    job.refresh_from_db()
    assert job.status == "done" and job.progress == 100
    statuses = [o["status"] for o in job.result["outcomes"]]
    assert statuses == ["imported", "imported", "rejected"]
    page = client.get(reverse("job-detail", args=[job.pk])).content.decode()
    assert page.count('data-test="outcome-imported"') == 2 and "пусто.csv" in page
    # Staged uploads are gone: the import keeps its own copy of each original.
    from django.conf import settings

    assert not [p for p in (settings.UPLOAD_DIR / "results-staging").rglob("*") if p.is_file()]


def test_hand_set_work_overrides_the_file_name(world, schools, client, django_capture_on_commit_callbacks):
    client.force_login(world.users["region_admin"])
    with django_capture_on_commit_callbacks(execute=True):
        import_through_page(client, upload(REGIONAL, "выгрузка.xlsx"), year=2022, grade=4, subject="ma")
    assert str(ResultImport.objects.get().assessment) == "ВПР 2022 · Математика · 4 класс"


def test_wrong_kind_of_upload_is_refused_before_anything_is_stored(world, client):
    client.force_login(world.users["region_admin"])
    response = client.post(reverse("results-import"), {"uploads": [SimpleUploadedFile("итоги.docx", b"x")]})
    assert response.status_code == 200 and "итоги.docx" in response.content.decode()
    assert not Job.objects.exists()


@override_settings(MAX_UPLOAD_MB=0)
def test_upload_size_limit(world, client):
    client.force_login(world.users["region_admin"])
    response = client.post(reverse("results-import"), {"uploads": [upload(REGIONAL)]})
    assert "больше 0 МБ" in response.content.decode() and not Job.objects.exists()


def _imported(world, path=REGIONAL):
    from objectivity.results.importer import import_results

    outcome = import_results(path, path.name, region=world.region, by=world.users["region_admin"])
    return ResultImport.objects.get(pk=outcome.import_id)


def test_import_page_shows_summary_quality_and_participation(world, schools, client):
    item = _imported(world)
    client.force_login(world.users["region_analyst"])
    page = client.get(reverse("import-detail", args=[item.pk])).content.decode()
    assert 'data-test="rows">64<' in page and 'data-test="excluded">1<' in page
    assert "sch229003" in page and "СОШ №\u00a01" in page  # unknown school listed; participation per school
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("import-quality", args=[item.pk])).content))
    assert book.sheetnames == ["Сводка", "Проблемные строки", "Неизвестные ОО", "Участие"]
    participation = list(book["Участие"].iter_rows(values_only=True))
    assert participation[0][0] == "Логин ОО" and participation[1][:2] == ("sch229001", "СОШ № 1")


def test_unknown_school_is_added_from_the_import(world, schools, client):
    item = _imported(world)
    client.force_login(world.users["region_admin"])
    response = client.post(
        reverse("import-add-schools", args=[item.pk]),
        {"name_sch229003": "СОШ № 3", "municipality_sch229003": world.municipality.pk},
    )
    assert response.status_code == 302
    from objectivity.results.current_rows import statistics_rows

    assert "sch229003" in set(statistics_rows(world.region, item.assessment)["school_login"])


def test_adding_schools_needs_registry_rights_and_passes_the_registrys_rules(world, schools, client):
    """A regional analyst imports results but may not write the registry; a formula, a malformed login or another
    region's login is never offered for adding, and posting it anyway adds nothing."""
    item = _imported(world)
    foreign = world.foreign_school.login
    item.summary["unknown_schools"] += [{"school_login": s, "rows": 1} for s in ("=1+1", "sch230002", foreign)]
    item.save(update_fields=["summary"])
    url = reverse("import-add-schools", args=[item.pk])
    fields = {"name_sch229003": "СОШ № 3", "municipality_sch229003": world.municipality.pk}
    client.force_login(world.users["region_analyst"])
    assert "Добавить их в реестр" not in client.get(reverse("import-detail", args=[item.pk])).content.decode()
    assert client.post(url, fields).status_code == 403
    assert not School.objects.filter(login="sch229003").exists()
    client.force_login(world.users["region_admin"])
    page = client.get(url).content.decode()
    refused = page.split('data-test="refused"')[1].split("</div>")[0]
    assert "=1+1" in refused and "sch230002" in refused and foreign in refused and "sch229003" not in refused
    hostile = {f"name_{s}": "Школа" for s in ("=1+1", "sch230002", foreign)}
    hostile |= {f"municipality_{s}": world.municipality.pk for s in ("=1+1", "sch230002", foreign)}
    assert client.post(url, hostile | {"name_sch229003": "123", "municipality_sch229003": world.municipality.pk})
    assert not School.objects.filter(login__in=["=1+1", "sch230002", "sch229003"]).exists()
    assert School.objects.get(login=foreign).municipality.region == world.foreign_region
    assert client.post(url, fields).status_code == 302 and School.objects.filter(login="sch229003").exists()


def test_withdraw_through_the_page(world, schools, client):
    item = _imported(world)
    client.force_login(world.users["region_analyst"])
    client.post(reverse("import-withdraw", args=[item.pk]))
    item.refresh_from_db()
    assert item.status == ImportStatus.WITHDRAWN
    page = client.get(reverse("work-detail", args=[item.assessment_id])).content.decode()
    assert "Результатов этой работы в регионе нет" in page


def test_work_page_for_the_region_and_a_school(world, schools, client):
    item = _imported(world)
    client.force_login(world.users["region_analyst"])
    page = client.get(reverse("work-detail", args=[item.assessment_id]), {"school": schools[1].pk}).content.decode()
    for block in ("marks", "scores", "tasks", "journal"):
        assert f'data-test="{block}"' in page
    assert "ООШ № 2" in page and "Пример муниципальный район" in page and "vega-embed.js" in page


def test_work_page_figures_follow_the_registry_and_the_reference(world, schools, client):
    """The rows that count and the figures of the region and the municipality are kept between requests
    (current_rows.counted_rows): a school moved to another municipality and a new scale of marks show at once."""
    from objectivity.results.actions import save_reference

    item = _imported(world)
    client.force_login(world.users["region_analyst"])
    url = reverse("work-detail", args=[item.assessment_id])
    school, municipality, region = client.get(url, {"school": schools[1].pk}).context["view"].levels
    assert municipality.label == "Пример муниципальный район" and municipality.n > school.n
    moved = School.objects.get(pk=schools[1].pk)
    moved.municipality = world.municipality
    moved.save()
    view = client.get(url, {"school": moved.pk}).context["view"]
    school, municipality, region = view.levels
    assert (municipality.label, municipality.n) == (world.municipality.name, school.n)
    by_level = {row["level"]: row for row in view.marks}
    assert {k: v for k, v in by_level[municipality.label].items() if k != "level"} == {
        k: v for k, v in by_level[school.label].items() if k != "level"
    }
    before = {row["level"]: row for row in client.get(url).context["view"].marks}[region.label]
    current = item.assessment.reference()
    scale = {"max_total": current.max_total, "columns": current.columns, "cut3": 1, "cut4": 2, "cut5": 3}
    save_reference(by=world.users["region_admin"], assessment=item.assessment, values=scale)  # only the cuts differ
    after = {row["level"]: row for row in client.get(url).context["view"].marks}[region.label]
    assert after["n"] == before["n"] and after["share_5"] > before["share_5"]


def test_small_cells_are_hidden_outside_the_school(world, client, tmp_path):
    """A school with 3 participants: its own organiser sees the numbers, the municipality does not."""
    from objectivity.results.importer import import_results

    tiny = world.school  # sch220001, in the coordinator's municipality
    csv = "user,otc,sum\n" + "".join(f"{tiny.login},4,{s}\n" for s in (8, 12, 16))
    csv += "".join(f"{world.other_school.login},3,{s}\n" for s in range(5, 15))
    path = tmp_path / "ВПР 2021 математика 4 класс.csv"
    path.write_text(csv)
    import_results(path, path.name, region=world.region, by=None)
    work = Assessment.objects.get(year=2021, grade=4, subject="ma")
    client.force_login(world.users["municipal_coordinator"])
    page = client.get(reverse("work-detail", args=[work.pk]), {"school": tiny.pk}).content.decode()
    assert "скрыто: меньше 5 участников" in page
    charts = re.findall(r'<script id="[^"]+" type="application/json">(.*?)</script>', page, re.S)
    assert charts and not any(tiny.short_name in c or "\\u041c\\u0411\\u041e\\u0423" in c for c in charts)
    client.force_login(world.users["school_admin"])
    own = client.get(reverse("work-detail", args=[work.pk])).context["view"].levels[0]
    assert (own.label, own.n, own.suppressed) == ("МБОУ «СОШ № 1»", 3, False)


def test_reference_data_edit_makes_a_version(world, client):
    work = Assessment.objects.get(year=2021, grade=4, subject="ma")
    client.force_login(world.users["region_admin"])
    response = client.post(
        reverse("reference-detail", args=[work.pk]),
        {
            "max_total": 20,
            "cut3": 6,
            "cut4": 10,
            "cut5": 15,
            "columns": "1; 1; Б\n2; 2; П; auto; крит",
            "source": "ФИОКО",
        },
    )
    assert response.status_code == 302
    current = work.reference()
    assert current.version == 2 and current.columns[1] == {
        "number": 2,
        "label": "2",
        "max": 2,
        "level": "П",
        "auto": True,
        "criterion": True,
    }
    assert current.columns[0]["criterion"] is None  # unmarked: info_of decides
    bad = client.post(reverse("reference-detail", args=[work.pk]), {"cut3": 10, "cut4": 6, "cut5": 15, "source": "x"})
    assert "«3» &lt; «4» &lt; «5»" in bad.content.decode() and work.reference().version == 2


def test_catalogue_yaml_round_trip_through_the_pages(world, client):
    client.force_login(world.users["region_admin"])
    exported = client.get(reverse("catalogue-export")).content
    assert b"max_total: 38" in exported
    edited = exported.replace(b"max_total: 38", b"max_total: 39")
    response = client.post(reverse("catalogue-import"), {"file": SimpleUploadedFile("c.yaml", edited)})
    assert response.status_code == 302
    assert Assessment.objects.get(year=2021, grade=4, subject="ru").reference().max_total == 39
    broken = client.post(
        reverse("catalogue-import"), {"file": SimpleUploadedFile("c.yaml", b"tests:\n  - {year: 20}\n")}
    )
    assert "поле «year»" in broken.content.decode()


def test_work_list_filters_and_export(world, schools, client):
    _imported(world)
    _imported(world, SCHOOL)
    client.force_login(world.users["oiv_official"])
    everything = client.get(reverse("results-home"))
    assert everything.context["page"].paginator.count == 2
    only_2023 = client.get(reverse("results-home"), {"year": 2023})
    assert [a.year for a in only_2023.context["page"].object_list] == [2023]
    export = client.get(reverse("results-home"), {"year": 2021, "format": "xlsx"})
    rows = list(openpyxl.load_workbook(io.BytesIO(export.content)).active.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][0] == "ВПР 2021 · Математика · 4 класс"


def test_catalogue_excel_round_trip_through_the_pages(world, client):
    client.force_login(world.users["region_admin"])
    exported = client.get(reverse("catalogue-export-xlsx")).content
    book = openpyxl.load_workbook(io.BytesIO(exported))
    assert book.sheetnames == ["Работы", "Столбцы"]
    sheet = book["Работы"]
    header = [c.value for c in sheet[1]]
    for row in sheet.iter_rows(min_row=2):
        if (row[1].value, row[3].value, row[4].value) == (2025, 4, "Русский язык"):  # a scale, no columns
            assert [row[0].value, row[2].value, row[5].value] == ["ВПР", "весна", "бумажная"]  # words, not codes
            row[header.index("«5»")].value = 22
    columns = book["Столбцы"]
    columns.append(["ВПР", 2025, "весна", 4, "русский язык", 1, "1", 1, "Б", ""])  # the words, in any case
    columns.append(["vpr", 2025, "spring", 4, "ru", 2, "2", 2, "П", "да"])  # the YAML form's codes
    buffer = io.BytesIO()
    book.save(buffer)
    response = client.post(reverse("catalogue-import"), {"file": SimpleUploadedFile("c.xlsx", buffer.getvalue())})
    assert response.status_code == 302, response.content.decode()[-3000:]
    current = Assessment.objects.get(year=2025, grade=4, subject="ru").reference()
    assert current.cut5 == 22 and [c["max"] for c in current.columns] == [1, 2] and current.columns[1]["auto"]
    unchanged = Assessment.objects.get(year=2021, grade=5, subject="ru").reference()
    assert unchanged.version == 1
    columns.append(["vpr", 2030, "spring", 4, "ma", 1, "1", 1, "Б", ""])
    buffer = io.BytesIO()
    book.save(buffer)
    broken = client.post(reverse("catalogue-import"), {"file": SimpleUploadedFile("c.xlsx", buffer.getvalue())})
    assert "«Столбцы»" in broken.content.decode()


def test_catalogue_excel_with_an_unknown_word_names_the_words_it_takes(world, client):
    client.force_login(world.users["region_admin"])
    book = openpyxl.load_workbook(io.BytesIO(client.get(reverse("catalogue-export-xlsx")).content))
    book["Работы"]["E2"] = "Матем"
    buffer = io.BytesIO()
    book.save(buffer)
    page = client.post(reverse("catalogue-import"), {"file": SimpleUploadedFile("c.xlsx", buffer.getvalue())})
    text = page.content.decode()
    assert "лист «Работы», строка 2, столбец «предмет»" in text and "Математика, " in text, text[-3000:]
    assert Assessment.objects.filter(subject="Матем").count() == 0
