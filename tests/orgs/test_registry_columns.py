"""Registries with their own headers: a column-mapping step, rows of other regions left out with a report.

The synthetic workbook has the layout of a real regional registry (`логин, имя, регион`, where
«регион» holds the municipality); the real one is read only when ../shared/real is present.
"""

import io
import re

import pytest
import xlsxwriter
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from objectivity.audit.models import AuditEvent
from objectivity.core.models import Job
from objectivity.core.tabular import read_table
from objectivity.orgs.models import Municipality, Region, School
from objectivity.orgs.registry import NO_MUNICIPALITY, import_registry
from objectivity.orgs.registry_columns import guess, parse_option
from tests.real import REAL, needs_real

REAL_REGISTRY = REAL / "registry" / "logins.xlsx"
PLACES = ["г. Северогорск", "Каменский район", "Луговской район", "Озёрный район", "г. Заречный"]


def real_layout_rows() -> list[list[str]]:
    rows = [["логин", "имя", "регион"]]
    for i in range(20):
        rows.append([f"sch22{4100 + i}", f"МБОУ СОШ №{i + 1}", PLACES[i % len(PLACES)]])
    rows.append(["sch524001", "МБОУ «Гимназия № 3»", "г. Соседний"])  # a school of region 52
    return rows


def write_book(path, rows):
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet()
    for r, row in enumerate(rows):
        sheet.write_row(r, 0, row)
    book.close()
    return path


def test_guess_takes_a_region_column_of_many_places_for_the_municipality(tmp_path):
    table = read_table(write_book(tmp_path / "logins.xlsx", real_layout_rows()), "logins.xlsx")
    plan = guess(table)
    assert plan.ok and plan.fields == {"login": 0, "full_name": 1, "municipality": 2}
    assert any("«регион»" in note and "г. Северогорск" in note for note in plan.notes)


def test_guess_refuses_when_two_columns_could_be_the_name(tmp_path):
    table = read_table(
        write_book(tmp_path / "x.xlsx", [["логин", "имя", "наименование"], ["sch220001", "a", "b"]]), "x.xlsx"
    )
    plan = guess(table)
    assert not plan.ok and "«имя»" in plan.problems[0] and "«наименование»" in plan.problems[0]


def test_columns_option_names_each_columns_field(tmp_path):
    header = ["логин", "имя", "регион"]
    plan = parse_option("логин=логин, имя=полное наименование,регион=municipality", header)
    assert plan.ok and plan.fields == {"login": 0, "full_name": 1, "municipality": 2}
    bad = parse_option("ЛОГИН=логин,название=полное наименование", header)
    assert not bad.ok and "«название»" in bad.problems[0] and "«имя»" in bad.problems[0]
    assert not parse_option("логин=login,имя=город", header).ok


def test_cli_guesses_says_so_and_skips_the_other_region(world, tmp_path):
    path = write_book(tmp_path / "logins.xlsx", real_layout_rows())
    out = io.StringIO()
    call_command("import_registry", str(path), "--region", "22", "--by", "admin", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "«регион» → муниципалитет" in text and "«имя» → полное наименование" in text
    assert "22, sch524001" in text and "52" in text  # row 22 of the file, a login of region 52
    assert School.objects.filter(municipality__region=world.region, login__startswith="sch224").count() == 20
    assert not School.objects.filter(login="sch524001").exists()
    assert set(PLACES) <= set(Municipality.objects.filter(region=world.region).values_list("name", flat=True))
    school = School.objects.get(login="sch224100")
    assert school.full_name == school.short_name == "МБОУ СОШ №1" and school.municipality.name == "г. Северогорск"
    audit = AuditEvent.objects.get(object_type="orgs.Registry")
    assert audit.after["skipped"] == 1 and audit.actor == world.users["region_admin"]


def test_cli_without_a_municipality_puts_schools_in_an_unnamed_one_and_says_so(world, tmp_path):
    path = write_book(tmp_path / "logins.xlsx", real_layout_rows())
    out = io.StringIO()
    call_command(
        "import_registry", str(path), "--region", "22", "--columns", "логин=логин,имя=полное наименование",
        stdout=out, stderr=io.StringIO(),
    )  # fmt: skip
    assert NO_MUNICIPALITY in out.getvalue()
    assert School.objects.filter(municipality__name=NO_MUNICIPALITY).count() == 20


def test_cli_bad_columns_change_nothing(world, tmp_path):
    path = write_book(tmp_path / "logins.xlsx", real_layout_rows())
    before = School.objects.count()
    with pytest.raises(CommandError, match="--columns"):
        call_command("import_registry", str(path), "--region", "22", "--columns", "логин=логин,школа=имя")
    with pytest.raises(CommandError, match="--columns"):
        call_command(
            "import_registry", str(write_book(tmp_path / "y.xlsx", [["код", "x"], ["1", "2"]])), "--region", "22"
        )
    assert School.objects.count() == before


def test_mapped_import_stays_all_or_nothing_with_row_messages(world, tmp_path):
    rows = real_layout_rows()
    rows[3][0] = "школа-3"
    rows[5][1] = ""
    path = write_book(tmp_path / "logins.xlsx", rows)
    before = (School.objects.count(), Municipality.objects.count(), AuditEvent.objects.count())
    report = import_registry(
        path, "logins.xlsx", world.region, by=world.users["region_admin"],
        columns={"login": 0, "full_name": 1, "municipality": 2},
    )  # fmt: skip
    assert not report.ok
    assert (School.objects.count(), Municipality.objects.count(), AuditEvent.objects.count()) == before
    texts = [p.as_text() for p in report.problems]
    assert any(t.startswith("Строка 4, столбец «логин»") and "школа-3" in t for t in texts), texts
    assert any(t.startswith("Строка 6, столбец «имя»") for t in texts), texts


def test_region_column_with_another_region_is_left_out(world, tmp_path):
    rows = [["логин", "наименование", "муниципалитет", "регион"]]
    rows += [
        ["sch220701", "СОШ № 1", "Район", "Демонстрационный край"],
        ["sch220702", "СОШ № 2", "Район", "Соседняя область"],
    ]
    report = import_registry(
        write_book(tmp_path / "r.xlsx", rows), "r.xlsx", world.region, by=world.users["region_admin"],
        columns={"login": 0, "full_name": 1, "municipality": 2, "region": 3},
    )  # fmt: skip
    assert report.ok and report.created == 1 and report.skipped == 1
    assert "Соседняя область" in report.skipped_examples[0]["reason"]


def _upload(path):
    return SimpleUploadedFile(path.name, path.read_bytes())


def test_web_import_asks_for_the_columns_then_imports(world, client, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(world.users["region_admin"])
    path = write_book(tmp_path / "logins.xlsx", real_layout_rows())
    response = client.post(reverse("registry-import"), {"file": _upload(path)})
    assert response.status_code == 302 and response.url == reverse("registry-columns")
    assert not Job.objects.exists()
    page = client.get(response.url).content.decode()
    assert 'data-test="registry-columns"' in page
    assert '<option value="2" selected>регион' in page  # the guess is pre-selected for the municipality
    same = client.post(reverse("registry-columns"), {"login": "0", "full_name": "0"})
    assert same.status_code == 200 and "flash-error" in same.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("registry-columns"), {"login": "0", "full_name": "1", "municipality": "2"})
    job = Job.objects.get()
    assert done.url == reverse("job-detail", args=[job.pk])
    assert job.status == "done" and job.result["created"] == 20 and job.result["skipped"] == 1
    result = client.get(done.url).content.decode()
    assert 'data-test="skipped"' in result and "sch524001" in result


def test_web_import_of_the_known_layout_needs_no_mapping(world, client, tmp_path, django_capture_on_commit_callbacks):
    client.force_login(world.users["region_admin"])
    rows = [["логин", "полное наименование", "муниципалитет"], ["sch220400", "МБОУ «СОШ № 400»", "Район"]]
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("registry-import"), {"file": _upload(write_book(tmp_path / "r.xlsx", rows))})
    assert response.url == reverse("job-detail", args=[Job.objects.get().pk])


def test_mapping_page_of_another_region_is_not_reused(world, client, tmp_path):
    client.force_login(world.users["outsider"])
    response = client.get(reverse("registry-columns"))
    assert response.status_code in (302, 403)


@needs_real
def test_the_real_registry_is_imported_with_guessed_columns(db, tmp_path):
    region = Region.objects.create(code="22", name="Алтайский край")
    out = io.StringIO()
    call_command("import_registry", str(REAL_REGISTRY), "--region", "22", stdout=out, stderr=io.StringIO())
    text = out.getvalue()
    assert "«регион» → муниципалитет" in text
    schools = School.objects.filter(municipality__region=region)
    table = read_table(REAL_REGISTRY, REAL_REGISTRY.name)
    own = [row for row in table.rows if re.match(r"^[a-z]+22", row[0].strip().lower())]
    assert len(table.rows) - len(own) >= 1, "the real registry holds a school of another region"
    assert schools.count() == len(own)
    assert Municipality.objects.filter(region=region).count() == len({row[2].strip() for row in own})
    assert not schools.filter(municipality__name=NO_MUNICIPALITY).exists()
