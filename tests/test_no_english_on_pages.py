"""No English reaches a user: every page of the permission matrix, as every role that may see it, shows Russian only.

The text a user sees is taken from the rendered HTML: the text outside <script> and <style>, and the attributes a
browser shows or reads aloud (title, placeholder, aria-label, alt, the value of a button or a filled-in field). A word
made only of Latin letters is English unless it is a login of the test world, an e-mail, an address, a file name, or
one of the few words a Russian text writes in Latin (ALLOWED). A word that mixes Latin and Cyrillic letters (a Latin
«В» in «ВПР») is caught too: it looks Russian and is not found by search.

Also: the forms' errors after an empty submit (Django's own messages included), the error pages (404, 403, 400, the
CSRF page, a wrong password), the JSON a page shows (a job's progress message), the charts' titles and labels (their
Vega-Lite specs), pages with a run's figures and with imported results, and every XLSX, DOCX and PDF a page offers.
The test world's logins are allowed; a word found elsewhere is fixed in the product (a translation, a label), not
added to ALLOWED.
"""

import io
import json
import re
from html import unescape
from html.parser import HTMLParser
from urllib.parse import urljoin

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from objectivity.orgs.models import School
from objectivity.results.models import ResultImport
from tests.access.test_permission_matrix import EVERYONE, MATRIX, _url
from tests.access.test_write_matrix import READ_ONLY_POSTS, WRITERS
from tests.opened import docx_text, pdf_text
from tests.reports.test_list import listed  # noqa: F401  (a fixture)
from tests.reports.test_school_report import report  # noqa: F401  (a fixture)
from tests.results.test_pages import REGIONAL, schools  # noqa: F401  (a fixture)

# Words a Russian official's or teacher's text writes in Latin. Keep it short: each needs a reason.
ALLOWED = {
    # Formats, by the names Russian instructions use for them («выгрузить в Excel», «файл XLSX»).
    "XLSX",  # the spreadsheet format of ФИС ОКО's exports and ours
    "CSV",  # the text format of ФИС ОКО's short exports and of registries
    "DOCX",  # the documents for print and for editing
    "PDF",  # the documents as printed; ФИОКО's descriptions of the works
    "PNG",  # evidence files of execution reports: the image formats, by the names Russian instructions use
    "JPEG",
    "YAML",  # the catalogue of works as a text file, for the administrators who keep it in git
    "Excel",  # the program, by its name: it has no Russian one
    "UTF",  # «UTF-8 или Windows-1251»: the encodings, by the names the editors show
    "Windows",  # as above: «Windows-1251»
    "IP",  # «IP-адрес» in the audit log: the Russian term
    "SHA",  # «SHA-256», the checksum's algorithm, by its standard name
    "cookie",  # «файлы cookie» on the CSRF page: the words of the browsers' Russian settings
    # Variables of a formula, in Latin as Russian statistical texts write them.
    "n",  # the number of participants: «95 % ДИ 16,0–18,4, n = 20»
    "p",  # a layer's p-value in the analyst's view, as «p-значение», «p < 0,05» (never the English «p-value»)
    "k",  # the multiplier of the cohort marker's fences: «Q1 − k·(Q3 − Q1)»
    "z",  # the quantile of a confidence interval: «z = 1,96»
}
# Quoted in <code> as a file has them: the column headers of ФИС ОКО's short autumn CSV («user, otc, sum»).
FILE_HEADERS = {"user", "otc", "sum"}
# Not pages: a monitoring probe's answer, and the file a user uploaded, given back to them as it came.
NOT_OURS = {"health", "import-original", "evidence-file"}
# JSON a page shows, by URL name: the keys whose strings reach the user (the progress panel's message).
SHOWN_KEYS = {"job-status": {"message"}}

# Removed before the words are looked for: what a user types or gets as it is, not the product's wording.
VERBATIM = re.compile(
    r"\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+"  # an e-mail address
    r"|\bhttps?://\S+|\bwww\.\S+"  # an address
    r"|[^\s«»\"'()]+\.(?:xlsx|xls|docx|pdf|csv|zip|yaml|json|txt)\b"  # a file name: ALL.xlsx, «перечень.csv»
    r"|\.(?:xlsx|xls|docx|pdf|csv|zip|yaml|json|txt)\b",  # an extension: «(.xlsx или .csv)», «… (пример).xlsx»
    re.IGNORECASE,
)
# A run of letters and digits; a run with a digit is a code (sch220001, 4А, 2025/2026), not a word.
TOKEN = re.compile(r"[^\W_]+")
LATIN = re.compile(r"[A-Za-z]")
CYRILLIC = re.compile(r"[А-Яа-яЁё]")

# Attributes a browser shows (a tooltip, a placeholder, an image's stand-in) or a screen reader reads aloud.
READ_ATTRIBUTES = {"title", "placeholder", "aria-label", "aria-description", "aria-valuetext", "alt"}
# An <input>'s value is on screen unless the field is hidden, a box to tick, a file or a password.
VALUE_UNSEEN = {"hidden", "checkbox", "radio", "file", "password", "image"}


class _Visible(HTMLParser):
    """The text of a page as a user sees or hears it, one piece per text node or attribute; the text of <code>
    (a file's own column names, a login) apart, as `quoted`."""

    HIDDEN = {"script", "style"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.pieces: list[str] = []
        self.quoted: list[str] = []
        self._hidden = 0
        self._code = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.HIDDEN:
            self._hidden += 1
            return
        if tag == "code":
            self._code += 1
        attributes = dict(attrs)
        self.pieces += [value for name, value in attrs if name in READ_ATTRIBUTES and value]
        if tag == "input" and (attributes.get("type") or "text").lower() not in VALUE_UNSEEN:
            self.pieces.append(attributes.get("value") or "")

    def handle_startendtag(self, tag, attrs):
        if tag not in self.HIDDEN:
            self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        if tag in self.HIDDEN and self._hidden:
            self._hidden -= 1
        if tag == "code" and self._code:
            self._code -= 1

    def handle_data(self, data):
        if not self._hidden:
            (self.quoted if self._code else self.pieces).append(data)


def visible_text(html: str) -> tuple[list[str], list[str]]:
    """The text a user sees: (the product's own words, the words quoted in <code>)."""
    parser = _Visible()
    parser.feed(html)
    parser.close()
    return [p for p in parser.pieces if p.strip()], [p for p in parser.quoted if p.strip()]


def html_words(html: str, allowed=frozenset()) -> set[str]:
    shown, quoted = visible_text(html)
    return english_words(shown + chart_texts(html), allowed) | english_words(quoted, allowed | FILE_HEADERS)


def english_words(texts, allowed=frozenset()) -> set[str]:
    """The words of `texts` that are Latin only (and not allowed) or mix Latin with Cyrillic letters."""
    found = set()
    for text in texts:
        for token in TOKEN.findall(VERBATIM.sub(" ", text)):
            if any(c.isdigit() for c in token) or not LATIN.search(token):
                continue
            if CYRILLIC.search(token) or (token not in ALLOWED and token not in allowed):
                found.add(token)
    return found


def chart_texts(html: str) -> list[str]:
    """What a Vega-Lite chart writes on screen from its spec: titles, descriptions and the labels of its data."""
    texts: list[str] = []

    def walk(node, key=""):
        if isinstance(node, dict):
            for k, v in node.items():
                walk(v, k)
        elif isinstance(node, list):
            for v in node:
                walk(v, key)
        elif isinstance(node, str) and key in {"title", "description", "text", "label", "labelExpr"}:
            texts.append(node)

    for spec in re.findall(r'<script id="chart-[^"]*" type="application/json">(.*?)</script>', html, re.DOTALL):
        walk(json.loads(spec))
    return texts


def world_words(world) -> set[str]:
    """The logins of the test world: users' and schools'."""
    return {u.username for u in world.users.values()} | set(School.objects.values_list("login", flat=True))


def page_words(response, world, shown_keys=frozenset()) -> set[str]:
    """The English words of a response a user sees: an HTML page with its charts, or the shown keys of a JSON answer."""
    kind = response.get("Content-Type", "")
    if kind.startswith("text/html"):
        return html_words(response.content.decode(), world_words(world))
    if kind.startswith("application/json"):
        answer = json.loads(response.content)
        return english_words([str(answer.get(key) or "") for key in shown_keys], world_words(world))
    return set()


# --- the extractor can fail -------------------------------------------------------------------------------------


def test_the_extractor_catches_english_in_text_and_in_a_tooltip():
    html = (
        '<p>Школа <b title="Show details">№ 1</b> Loading</p>'
        '<script>var label = "English in code";</script><style>.a{color:red}</style>'
        '<input type="submit" value="Save"><input type="hidden" value="token">'
        '<select><option value="x">Next page</option></select>'
        "<p>Столбцы: <code>user, otc, sum</code>; <code>users</code></p>"
    )
    assert html_words(html) == {"Show", "details", "Loading", "Save", "Next", "page", "users"}


def test_a_charts_titles_are_read_from_its_spec():
    spec = '{"title":"Marks","encoding":{"x":{"field":"mark","title":"Отметка"}},"data":{"values":[{"mark":"5"}]}}'
    html = f'<div data-chart="chart-marks"></div><script id="chart-marks" type="application/json">{spec}</script>'
    assert html_words(html) == {"Marks"}


def test_the_extractor_ignores_logins_codes_addresses_files_and_allowed_words():
    texts = [
        "Логин sch220001, код 22, 4А класс, 2025/2026",
        "Пишите на admin@example.invalid или https://fioco.ru/obraztsi",
        "Файл ALL.xlsx загружен; Проведение работы.xlsx",
        "Вход: analyst",
    ]
    assert english_words(texts, {"analyst"}) == set()
    assert english_words(["Вход: analyst"]) == {"analyst"}


def test_a_latin_letter_inside_a_russian_word_is_caught():
    assert english_words(["\u0412\u041f\u0420 и BПР"]) == {"BПР"}  # the second «В» is Latin


# --- the pages --------------------------------------------------------------------------------------------------

GET_PAGES = sorted(n for n, e in MATRIX.items() if e.method == "get" and n not in NOT_OURS)


@pytest.mark.parametrize("name", GET_PAGES)
def test_no_page_shows_english_to_any_role(name, listed, client):  # noqa: F811
    entry = MATRIX[name]
    url = _url(name, entry, listed)
    found = {}
    for who in sorted(entry.allowed):
        client.force_login(listed.users[who])
        words = page_words(client.get(url), listed, SHOWN_KEYS.get(name, ()))
        if words:
            found[who] = sorted(words)
    # A form sent empty: its errors, Django's own included, as the writer who may send it sees them.
    writers = sorted(WRITERS.get(name, entry.allowed if name in READ_ONLY_POSTS else ()))
    if writers:
        client.force_login(listed.users[writers[0]])
        words = page_words(client.post(url, {}), listed)
        if words:
            found["empty form"] = sorted(words)
    assert found == {}, (name, found)


def _exports(url: str, html: str) -> list[str]:
    """The addresses of the files a page at `url` offers: its links with a format (XLSX, DOCX, PDF)."""
    links = re.findall(r'href="([^"]*[?&](?:amp;)?format=(?:xlsx|docx|pdf)[^"]*)"', html)
    return sorted({urljoin(url, unescape(link)) for link in links})


def file_words(response, world) -> set[str]:
    """The English words of an XLSX (every text cell of every sheet), DOCX or PDF a user downloads."""
    kind = response.get("Content-Type", "")
    content = b"".join(response.streaming_content) if response.streaming else response.content
    if "spreadsheetml" in kind:
        book = openpyxl.load_workbook(io.BytesIO(content), read_only=True)
        texts = [
            value
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for value in row
            if isinstance(value, str)
        ]
        texts += book.sheetnames
    elif "wordprocessingml" in kind:
        texts = [docx_text(content)]
    elif kind.startswith("application/pdf"):
        texts = [pdf_text(content)]
    else:
        return set()
    return english_words(texts, world_words(world))


@pytest.mark.parametrize("name", GET_PAGES)
def test_no_file_a_page_offers_has_english(name, listed, client):  # noqa: F811
    entry = MATRIX[name]
    who = "region_admin" if "region_admin" in entry.allowed else sorted(entry.allowed)[0]
    client.force_login(listed.users[who])
    url = _url(name, entry, listed)
    page = client.get(url)
    if not page.get("Content-Type", "").startswith("text/html"):
        file_links = [url]  # a file itself (the registry template)
        responses = [page]
    else:
        file_links = _exports(url, page.content.decode())
        responses = [client.get(link) for link in file_links]
        assert all(r.status_code == 200 and not r["Content-Type"].startswith("text/") for r in responses), name
    found = {link: sorted(file_words(r, listed)) for link, r in zip(file_links, responses, strict=True)}
    assert {link: words for link, words in found.items() if words} == {}, name


def test_error_pages_are_russian(listed, client, settings):  # noqa: F811
    settings.DEBUG = False
    pages = [client.get("/no-such-page/")]  # a visitor
    for who in sorted(EVERYONE):
        client.force_login(listed.users[who])
        pages.append(client.get("/no-such-page/"))
        pages.append(client.get(reverse("school-detail", args=[999999])))
    client.force_login(listed.users["expert"])
    pages.append(client.get(reverse("audit-list")))  # a page of another role
    pages.append(client.get("/", HTTP_HOST="attacker.example"))  # a host not ours: 400
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(listed.users["expert"])
    pages.append(strict.post(reverse("logout")))  # a form without its token: the CSRF page
    pages.append(Client().post(reverse("login"), {"username": "admin", "password": "wrong"}))  # a wrong password
    assert [r.status_code for r in pages[-4:]] == [403, 400, 403, 200]
    assert {w for r in pages for w in page_words(r, listed)} == set()


# --- pages with figures: charts, layers and the analyst's numbers -----------------------------------------------


def _roles_words(client, world, name, args, params=None, roles=None) -> dict:
    url = reverse(name, args=args)
    found = {}
    for who in sorted(roles or MATRIX[name].allowed):
        client.force_login(world.users[who])
        response = client.get(url, params or {})
        assert response.status_code == 200, (name, who, response.status_code)
        if words := page_words(response, world):
            found[(name, who)] = sorted(words)
    return found


def test_pages_with_a_runs_figures_show_no_english(report, client):  # noqa: F811
    """The run's figures of the school report: the dashboard's and the report's charts, the layers of a finding with
    their p in the analyst's view, the report's DOCX and PDF."""
    run, work, school = report.run, report.work, report.school
    found = {
        **_roles_words(client, report, "region-dashboard", [], {"work": work.pk}),
        **_roles_words(client, report, "school-report", [school.pk, work.pk]),
        **_roles_words(client, report, "school-findings", [run.pk, school.pk]),
        **_roles_words(client, report, "work-findings", [run.pk, work.pk]),
    }
    assert found == {}
    client.force_login(report.users["region_analyst"])
    dashboard = client.get(reverse("region-dashboard"), {"work": work.pk}).content.decode()
    findings = client.get(reverse("school-findings", args=[run.pk, school.pk])).content.decode()
    assert chart_texts(dashboard) and 'data-test="layers"' in findings  # the charts and layers were read
    url = reverse("school-report", args=[school.pk, work.pk])
    files = {link: file_words(client.get(link), report) for link in _exports(url, client.get(url).content.decode())}
    kinds = {link.rsplit("format=", 1)[1] for link in files}
    assert kinds == {"docx", "pdf", "xlsx"} and len(files) > 3, files  # the documents and each table's XLSX
    assert all(words == set() for words in files.values()), files


def test_a_works_page_with_results_shows_no_english(world, schools, client):  # noqa: F811
    """Imported results: the work's page with its four charts, for the region and for a school; the import's page."""
    from objectivity.results.importer import import_results

    outcome = import_results(REGIONAL, REGIONAL.name, region=world.region, by=world.users["region_admin"])
    item = ResultImport.objects.get(pk=outcome.import_id)
    found = {
        **_roles_words(client, world, "work-detail", [item.assessment_id]),
        **_roles_words(
            client, world, "work-detail", [item.assessment_id], {"school": schools[1].pk}, ["region_analyst"]
        ),
        **_roles_words(client, world, "import-detail", [item.pk]),
    }
    assert found == {}
    client.force_login(world.users["region_analyst"])
    page = client.get(reverse("work-detail", args=[item.assessment_id])).content.decode()
    assert len(re.findall(r'<script id="chart-', page)) == 4 and chart_texts(page)
