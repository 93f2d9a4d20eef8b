"""The federal list's import: headers guessed, the mapping step on the page, all or nothing with problems in Russian
naming row, column and value, schools not in the registry kept and reported, years replaced, the same file twice
changing nothing, and each user seeing the entries of their own schools only."""

import io
import shutil
from pathlib import Path

import openpyxl
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from objectivity.audit.models import AuditEvent
from objectivity.reports import federal_layout as layout
from objectivity.reports.federal_columns import guess
from objectivity.reports.models import FederalEntry, FederalList
from tests.reports.federal_fixture import COMMITTED, HEADER, ROWS, valid_list, write_list


def _import(path, **options):
    out, err = io.StringIO(), io.StringIO()
    call_command("import_federal_list", str(path), "--region", "22", stdout=out, stderr=err, **options)
    return out.getvalue(), err.getvalue()


@pytest.mark.parametrize(
    ("header", "work"),
    [("4 РУ", "4-ru"), ("5МА", "5-ma"), ("7 кл. БИ", "7-bi"), ("4 MA", "4-ma"), ("11 ФЯ", "11-fr"), ("6 ИС", "6-hi")],
)
def test_a_work_column_is_a_grade_and_an_abbreviation(header, work):
    assert layout.work_of_header(header) == work
    grade, subject = layout.split_key(work)
    assert layout.work_of_header(layout.work_header(work)) == work  # our export's headers read back


@pytest.mark.parametrize("header", ["3 РУ", "12 МА", "4 ЖЖ", "РУ 4", "Итого"])
def test_other_headers_are_no_work(header):
    assert layout.work_of_header(header) is None


def test_the_seen_layout_is_guessed_whole():
    guessed = guess([*HEADER, "Примечание"])
    assert guessed.mapping.fields == {"year": 0, "login": 1, "municipality": 2, "school": 3, "markers": 8}
    assert guessed.mapping.works == {"4-ru": 4, "4-ma": 5, "5-ru": 6, "5-ma": 7}
    assert guessed.unrecognised == ["Примечание"]


def test_the_command_imports_several_years_and_reports_schools_not_in_the_registry(world, tmp_path):
    out, _err = _import(valid_list(tmp_path), by="admin")
    assert "записей: 5; годы: 2024, 2025; строк другого региона пропущено: 1" in out
    assert "2025 · sch229999 · Каменский муниципальный район · МБОУ «Новая СОШ»" in out
    entries = {(e.year, e.login): e for e in FederalEntry.objects.all()}
    assert set(entries) == {(2024, "sch220001"), (2024, "sch220002"), (2025, "sch220001"), (2025, "sch229999"),
                            (2025, "sch220002")}  # fmt: skip
    assert entries[(2024, "sch220002")].marks == {"4-ma": "+", "5-ma": "да"}
    assert entries[(2025, "sch220001")].marks == {"4-ma": "2"} and entries[(2025, "sch220001")].markers == 2
    assert entries[(2024, "sch220001")].school == world.school
    unknown = entries[(2025, "sch229999")]
    assert unknown.school is None and unknown.school_name == "МБОУ «Новая СОШ»"
    kept = FederalList.objects.get()
    assert kept.created_by == world.users["region_admin"] and len(kept.sha256) == 64 and kept.years == [2024, 2025]
    assert AuditEvent.objects.filter(object_type="reports.FederalList", action="import").count() == 1


def test_a_bad_row_changes_nothing_and_is_named_by_row_column_and_value(world):
    with pytest.raises(CommandError, match="Файл не загружен: 2 ошибки. Ничего не изменено"):
        _out, err = _import(COMMITTED)
    assert not FederalEntry.objects.exists() and not FederalList.objects.exists()
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("import_federal_list", str(COMMITTED), "--region", "22", stderr=err, stdout=io.StringIO())
    text = err.getvalue()
    assert "Строка 8, столбец «Логин»: „школа 7“ — не логин ФИС ОКО" in text
    assert "Строка 8, столбец «4 МА»: «abc» — не маркер; ожидается пустая ячейка" in text


def test_the_command_refuses_columns_it_cannot_recognise(world, tmp_path):
    path = write_list(tmp_path / "other.xlsx", [[2025, "sch220001", "x", "y", 1, 1]],
                      header=["Год", "Логин", "Район", "Школа", "Русский 4", "4 МА"])  # fmt: skip
    with pytest.raises(CommandError, match="Не распознаны столбцы: «Район», «Русский 4»"):
        _import(path)
    assert not FederalEntry.objects.exists()


def test_a_file_of_one_year_without_a_year_column_needs_the_year(world, tmp_path):
    rows = [row[1:] for row in ROWS if row[0] == 2025]
    path = write_list(tmp_path / "2025.xlsx", rows, header=HEADER[1:])
    with pytest.raises(CommandError, match="не указан столбец для поля «Год»"):
        _import(path)
    assert not FederalEntry.objects.exists()
    out, _err = _import(path, year=2025)
    assert "записей: 3; годы: 2025" in out
    assert set(FederalEntry.objects.values_list("year", "login")) == {
        (2025, "sch220001"),
        (2025, "sch229999"),
        (2025, "sch220002"),
    }


def test_the_same_file_again_changes_nothing(world, tmp_path):
    path = valid_list(tmp_path)
    _import(path)
    events = AuditEvent.objects.count()
    out, _err = _import(path)
    assert "ничего не изменено" in out
    assert FederalList.objects.count() == 1 and FederalEntry.objects.count() == 5
    assert AuditEvent.objects.count() == events


def test_a_later_file_replaces_its_years_only_and_the_audit_log_keeps_what_it_replaced(world, tmp_path):
    _import(valid_list(tmp_path))
    later = [[2025, "sch220001", "Городской округ Северогорск", "МБОУ «СОШ № 1»", 1, None, None, None, 1]]
    _import(write_list(tmp_path / "2025.xlsx", later))
    assert sorted(FederalEntry.objects.values_list("year", "login")) == [
        (2024, "sch220001"), (2024, "sch220002"), (2025, "sch220001"),
    ]  # fmt: skip
    assert FederalEntry.objects.get(year=2025).marks == {"4-ru": "1"}
    assert FederalList.objects.count() == 2  # the earlier file stays as history
    assert FederalList.objects.latest("id").summary["replaced"] == {"2025": 3}
    event = AuditEvent.objects.filter(object_type="reports.FederalList").latest("id")
    replaced = event.before["replaced"]["2025"]
    assert replaced["entries"] == 3 and replaced["marked"]["sch229999"] == ["5-ru"]


def test_the_file_is_kept_under_the_data_directory(world, tmp_path, settings):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    source = valid_list(tmp_path)
    _import(source)
    kept = FederalList.objects.get().original
    assert kept.startswith(str(tmp_path / "uploads" / "federal")) and Path(kept).read_bytes() == source.read_bytes()


# ---- the pages ----------------------------------------------------------------------------------------------------


def _upload(client, path):
    with path.open("rb") as source:
        return client.post(reverse("federal-import"), {"file": source})


def _choices(response) -> dict[str, str]:
    form = response.context["form"]
    return {name: form[name].value() or "" for name in form.fields}


def test_upload_mapping_and_result_on_the_pages(world, client, tmp_path):
    client.force_login(world.users["region_analyst"])
    assert _upload(client, valid_list(tmp_path)).url == reverse("federal-columns")
    page = client.get(reverse("federal-columns"))
    chosen = _choices(page)
    assert chosen["column_0"] == "year" and chosen["column_5"] == "4-ma" and chosen["column_8"] == "markers"
    done = client.post(reverse("federal-columns"), chosen)
    assert done.status_code == 302
    result = client.get(done.url).content.decode()
    assert 'data-test="not-in-registry"' in result and "sch229999" in result and "МБОУ «Новая СОШ»" in result
    assert "2024, 2025" in result
    book = openpyxl.load_workbook(
        io.BytesIO(client.get(reverse("federal-import-xlsx", args=[done.url.split("/")[-2]])).content)
    )
    assert list(book.worksheets[0].iter_rows(min_row=2, values_only=True)) == [(2024, 2, 0), (2025, 3, 0)]
    assert [r[2] for r in book.worksheets[1].iter_rows(min_row=2, values_only=True)] == ["sch229999"]


def test_the_mapping_step_reads_a_column_the_headers_do_not_name(world, client, tmp_path):
    path = write_list(tmp_path / "other.xlsx", [[2025, "sch220001", "Русский", 1]],
                      header=["Год", "Логин", "Примечание", "Русский 4"])  # fmt: skip
    client.force_login(world.users["region_admin"])
    _upload(client, path)
    page = client.get(reverse("federal-columns"))
    assert "«Примечание», «Русский 4»" in page.content.decode()
    chosen = _choices(page) | {"column_3": "4-ru"}
    refused = client.post(reverse("federal-columns"), chosen | {"column_2": "4-ru"})
    assert "«4 РУ» уже выбрано для столбца «Примечание»" in refused.content.decode()
    assert client.post(reverse("federal-columns"), chosen).status_code == 302
    assert FederalEntry.objects.get().marks == {"4-ru": "1"}


def test_the_mapping_step_takes_the_year_of_a_file_without_a_year_column(world, client, tmp_path):
    path = write_list(tmp_path / "2024.xlsx", [[r[1], *r[4:8]] for r in ROWS if r[0] == 2024],
                      header=["Логин", "4 РУ", "4 МА", "5 РУ", "5 МА"])  # fmt: skip
    client.force_login(world.users["region_admin"])
    _upload(client, path)
    page = client.get(reverse("federal-columns"))
    assert 'data-test="file-year"' in page.content.decode()
    chosen = _choices(page)
    refused = client.post(reverse("federal-columns"), chosen).content.decode()
    assert "Не указан столбец для поля «Год»" in refused and not FederalEntry.objects.exists()
    assert client.post(reverse("federal-columns"), chosen | {"file_year": "2024"}).status_code == 302
    assert set(FederalEntry.objects.values_list("year", "login")) == {(2024, "sch220001"), (2024, "sch220002")}


def test_the_page_lists_the_problems_in_russian_and_imports_nothing(world, client, tmp_path):
    client.force_login(world.users["region_admin"])
    _upload(client, shutil.copy(COMMITTED, tmp_path / "перечень.xlsx") and tmp_path / "перечень.xlsx")
    page = client.post(reverse("federal-columns"), _choices(client.get(reverse("federal-columns"))))
    text = page.content.decode()
    assert 'data-test="import-rejected"' in text and "Ничего не изменено" in text
    problems = [(p.row, p.column, p.value) for p in page.context["report"].problems]
    assert problems == [(8, "Логин", "школа 7"), (8, "4 МА", "abc")]
    assert "ожидается пустая ячейка (нет маркера), число маркеров, «1», «+» или «да»" in text
    assert not FederalEntry.objects.exists()


def test_our_own_export_is_refused_as_a_federal_list(world, client, tmp_path):
    book = openpyxl.Workbook()
    book.active.append(["Не является федеральным перечнем: маркеры …"])
    book.active.append(HEADER)
    book.active.append(ROWS[0])
    book.save(tmp_path / "ours.xlsx")
    client.force_login(world.users["region_admin"])
    page = _upload(client, tmp_path / "ours.xlsx").content.decode()
    assert "собственная выгрузка системы" in page


def _entries_seen(client, user) -> list[str]:
    client.force_login(user)
    content = client.get(reverse("federal-list"), {"format": "xlsx"}).content
    rows = openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True)
    return sorted(f"{row[0]} {row[1]}" for row in rows)


def test_each_user_sees_the_entries_of_their_own_schools(world, client, tmp_path):
    _import(valid_list(tmp_path))
    everything = ["2024 sch220001", "2024 sch220002", "2025 sch220001", "2025 sch220002", "2025 sch229999"]
    assert _entries_seen(client, world.users["methodologist"]) == everything
    assert _entries_seen(client, world.users["municipal_coordinator"]) == ["2024 sch220001", "2025 sch220001"]
    assert _entries_seen(client, world.users["outsider"]) == []
    client.force_login(world.users["school_admin"])
    assert client.get(reverse("federal-list")).status_code == 403


def test_the_entries_filter_by_year_registry_and_work(world, client, tmp_path):
    _import(valid_list(tmp_path))
    client.force_login(world.users["region_analyst"])

    def logins(**query):
        content = client.get(reverse("federal-list"), {**query, "format": "xlsx"}).content
        return [r[1] for r in openpyxl.load_workbook(io.BytesIO(content)).active.iter_rows(min_row=2, values_only=True)]

    assert logins(registry="no") == ["sch229999"]
    assert sorted(logins(year="2024", work="5-ma")) == ["sch220002"]


def test_the_same_file_twice_on_the_pages_changes_nothing_and_keeps_one_file(world, client, tmp_path, settings):
    settings.UPLOAD_DIR = tmp_path / "uploads"
    client.force_login(world.users["region_admin"])
    path = valid_list(tmp_path)
    for _time in range(2):
        _upload(client, path)
        done = client.post(reverse("federal-columns"), _choices(client.get(reverse("federal-columns"))), follow=True)
    assert "В файле те же записи, что уже загружены: ничего не изменено." in done.content.decode()
    assert FederalList.objects.count() == 1 and FederalEntry.objects.count() == 5
    assert len(list((tmp_path / "uploads" / "federal").rglob("*.xlsx"))) == 1
