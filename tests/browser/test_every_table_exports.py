"""Every table on every page exports to XLSX: for each page of the permission matrix, opened in Chromium by a user
allowed to see it, every table shown has its «Export to Excel» link, and the file downloaded from it holds the
table's header and rows (all filtered rows for a table of many pages: the first page's rows first, as many as the
page counts). A filter or a year tab is then applied, and the export follows it. A page with a table and no export
fails the test; only a table of inputs inside a form is not data (add-schools: the form that names new schools)."""

import importlib
import io
import re
from decimal import Decimal, InvalidOperation

import openpyxl
import pytest
from django.apps import apps as django_apps
from django.utils import timezone

from objectivity.reports.models import FederalEntry, FederalList
from tests.access.test_permission_matrix import MATRIX, _job, _result_import, _schedule_entry, _url
from tests.browser.test_reports_pages import signs  # noqa: F401  (a fixture)

pytestmark = pytest.mark.browser
PAGES = sorted(name for name, entry in MATRIX.items() if entry.method == "get")
PREFERRED = ("region_admin", "region_analyst", "municipal_coordinator", "school_admin")

# Every table shown, as the user reads it: cell texts (a cell spanning n columns is its text and n − 1 empty
# cells), the key of its export, and whether it sits in a form (a table of inputs).
TABLES_JS = """() => {
  const text = (cell) => cell.innerText.replace(/\\s+/g, ' ').trim();
  const cells = (row) => [...row.cells].flatMap((c) => [text(c), ...Array(c.colSpan - 1).fill('')]);
  return [...document.querySelectorAll('table')].filter((t) => t.getClientRects().length > 0).map((t) => ({
    key: t.dataset.table || null,
    form: !!t.closest('form'),
    head: t.tHead && t.tHead.rows.length ? cells(t.tHead.rows[t.tHead.rows.length - 1]) : [],
    rows: [...t.tBodies].flatMap((b) => [...b.rows]).map(cells),
  }));
}"""
NUMBER = re.compile(r"^[−-]?\d{1,3}(?:[ \u00a0\u202f]?\d{3})*(?:[.,]\d+)?(?: ?%)?$")


@pytest.fixture
def federal(signs):  # noqa: F811
    """The federal list of 2025: the home school on maths 4 (our run judged it) and on Russian 5 (it did not), and
    a school the registry does not have; an import of results, a job and a schedule entry."""
    world = signs
    shipped = importlib.import_module("objectivity.results.migrations.0002_shipped_catalogue")
    shipped.load_catalogue(django_apps, None)  # the works the pages of the matrix name: a flush empties them
    kept = FederalList.objects.create(
        region=world.region,
        file_name="перечень.xlsx",
        sha256="1" * 64,
        mapping={"works": {"4-ma": 4, "5-ru": 5}},
        summary={
            "marked": {"2025": 2},
            "replaced": {},
            "not_in_registry": [
                {"row": 4, "year": 2025, "login": "sch229999", "municipality": "Каменский", "school": "Новая СОШ"}
            ],
        },
    )
    FederalEntry.objects.create(federal_list=kept, region=world.region, year=2025, login=world.school.login,
                                school=world.school, marks={"4-ma": "1", "5-ru": "1"})  # fmt: skip
    FederalEntry.objects.create(federal_list=kept, region=world.region, year=2025, login="sch229999",
                                school_name="МБОУ «Новая СОШ»", marks={"4-ma": "1"})  # fmt: skip
    _result_import(world)  # rows for the lists of imports, works and jobs
    _job(world)
    _schedule_entry(world)
    return world


def _value(value) -> object:
    """A cell as text with its white space made single, or a number (Decimal) however it is written: «10 235»,
    «12,5», «12,5 %», «−3» on the page; 10235, 12.5 in the file."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "да" if value else "нет"
    if isinstance(value, (int, float)):
        return Decimal(repr(value))
    text = " ".join(str(value).split())
    if NUMBER.match(text):
        try:
            return Decimal(re.sub(r"[ \u00a0\u202f%]", "", text).replace("−", "-").replace(",", "."))
        except InvalidOperation:
            return text
    return text


def _same(shown, written) -> bool:
    """A number on the page equals the file's number rounded to the page's digits."""
    if isinstance(shown, Decimal) and isinstance(written, Decimal):
        step = Decimal(1).scaleb(shown.as_tuple().exponent if shown.as_tuple().exponent < 0 else 0)
        return abs(shown - written) <= step / 2 + Decimal("1e-9")
    return shown == written


def _same_rows(shown: list[list], written: list[list]) -> bool:
    width = max([0, *(len(r) for r in [*shown, *written])])
    pad = lambda r: [*r, *[""] * (width - len(r))]  # noqa: E731
    return len(shown) == len(written) and all(
        _same(a, b) for s, w in zip(shown, written, strict=True) for a, b in zip(pad(s), pad(w), strict=True)
    )


def _without_decoration(head: list, rows: list[list]) -> tuple[list, list[list]]:
    """Without the columns empty in the header and every row: a bar drawn beside the numbers, not data."""
    width = max([len(head), *(len(r) for r in rows)])
    grid = [[*r, *[""] * (width - len(r))] for r in [head, *rows]]
    keep = [i for i in range(width) if any(r[i] != "" for r in grid)]
    head, *rows = [[r[i] for i in keep] for r in grid]
    return head, rows


def _workbook(download) -> list[list]:
    with open(download.path(), "rb") as file:
        sheet = openpyxl.load_workbook(io.BytesIO(file.read())).active
    rows = [[_value(v) for v in row] for row in sheet.iter_rows(values_only=True)]
    while rows and len(rows) > 1 and all(v == "" for v in rows[-1]):
        rows.pop()
    return rows


def _export_link(page, table: dict, tables: list[dict]):
    if table["key"]:
        link = page.locator(f'a[data-test=export][data-table="{table["key"]}"]')
        assert link.count() == 1, f"table «{table['key']}» has {link.count()} export links"
        return link
    link = page.locator("a[data-test=export]:not([data-table])")
    unkeyed = [t for t in tables if not t["key"] and not t["form"]]
    assert link.count() == 1 and len(unkeyed) == 1, f"a table with no export: {table['head']} {table['rows'][:2]}"
    return link


def _count(page) -> int | None:
    counter = page.locator("[data-test=count]")
    if not counter.count():
        return None
    return int(re.sub(r"\D", "", counter.inner_text()))


def _check_tables(page) -> int:
    """Compares every table shown with its export; the number of tables compared."""
    page.evaluate("() => document.querySelectorAll('details').forEach((d) => { d.open = true; })")
    tables = page.evaluate(TABLES_JS)
    compared = 0
    for table in tables:
        if table["form"]:
            continue  # inputs of a form, not data
        with page.expect_download() as info:
            _export_link(page, table, tables).click()
        written = _workbook(info.value)
        head, rows = _without_decoration(table["head"], table["rows"])
        assert [_value(h) for h in head] == written[0][: len(head)] and not any(written[0][len(head) :]), (
            table["key"],
            head,
            written[0],
        )
        shown = [[_value(c) for c in row] for row in rows]
        total = _count(page) if not table["key"] else None
        expected = written[1:] if total is None else written[1 : 1 + len(shown)]
        assert _same_rows(shown, expected), (table["key"], shown, written[1:])
        if total is not None:
            assert len(written) - 1 == total, (total, len(written) - 1)
        compared += 1
    if not tables:  # a list page with nothing to show still exports its (empty) filtered rows
        link = page.locator("a[data-test=export]:not([data-table])")
        if link.count() and _count(page) == 0:
            with page.expect_download() as info:
                link.click()
            assert len(_workbook(info.value)) == 1  # the header only
    return compared


def _apply_a_filter(page) -> bool:
    """Narrows the page by its first filter that can narrow it, or moves to another year; False if it has none."""
    for select in page.locator("form.filters select").all():
        chosen = select.input_value()
        other = [v for v in select.locator("option").evaluate_all("os => os.map((o) => o.value)") if v and v != chosen]
        if other:
            select.select_option(other[-1])
            with page.expect_navigation():
                page.click("form.filters button[type=submit]")
            return True
    search = page.locator("form.filters input[name=q]")
    first_cell = page.locator("table.data tbody tr td").first
    if search.count() and first_cell.count():
        search.fill(first_cell.inner_text().split()[0])
        with page.expect_navigation():
            page.click("form.filters button[type=submit]")
        return True
    tab = page.locator("nav.tabs a:not(.current)").first
    if tab.count():
        with page.expect_navigation():
            tab.click()
        return True
    return False


def _user(entry) -> str:
    return next((who for who in PREFERRED if who in entry.allowed), sorted(entry.allowed)[0])


@pytest.mark.parametrize("name", PAGES)
def test_every_table_exports_what_it_shows(name, federal, log_in, page, live_server):
    entry = MATRIX[name]
    who = _user(entry)
    if not entry.public:
        log_in(federal.users[who].username)
    url = live_server.url + _url(name, entry, federal)
    if not page.request.get(url).headers.get("content-type", "").startswith("text/html"):
        return  # a file, not a page: the file's own tests open it
    page.goto(url)
    _check_tables(page)
    if _apply_a_filter(page):
        _check_tables(page)


def test_the_dashboard_year_tab_is_what_its_exports_hold(federal, log_in, page, live_server):
    """A filter that changes the rows: the municipalities of 2025 are fewer than those of 2026's three years."""
    log_in("analyst")
    page.goto(f"{live_server.url}/reports/dashboard/?year=2025")
    with page.expect_download() as info:
        page.click("a[data-test=export][data-table=municipalities]")
    rows = _workbook(info.value)[1:]
    assert [r[:2] for r in rows] == [["Городской округ Северогорск", 2025]]
    assert info.value.suggested_filename == f"municipalities-{timezone.localdate():%Y-%m-%d}.xlsx"
