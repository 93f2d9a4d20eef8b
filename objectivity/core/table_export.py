"""Any table of a page as XLSX: `?table=<key>&format=xlsx` answers with the `<table data-table="<key>">` the page
would show for the same address, so an export holds exactly the rows shown. Pages whose table is a list of many
pages (core.tables.TableView) export all their filtered rows themselves; this is for the tables of detail pages,
reports and start pages. The link beside a table comes from `{% table_export "key" %}`."""

import re
from decimal import Decimal, InvalidOperation
from html.parser import HTMLParser

from django.http import Http404, HttpRequest, QueryDict
from django.utils import timezone

from objectivity.core.xlsx import write_table, xlsx_response

# «10 235», «12,5», «−3,25», «0»: a number as core.typography writes it. «0123» (a code) and «12,5 %» stay text.
NUMBER = re.compile(r"^[−-]?(?:0|[1-9]\d{0,2}(?:[\u00a0\u202f ]\d{3})+|[1-9]\d*)(?:,\d+)?$")


def parse_number(text: str) -> int | float | None:
    if not NUMBER.match(text):
        return None
    plain = re.sub(r"[\u00a0\u202f ]", "", text).replace("−", "-").replace(",", ".")
    try:
        value = Decimal(plain)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        return None
    return int(value) if value == value.to_integral_value() and "." not in plain else float(value)


def cell_value(text: str):
    number = parse_number(text)
    return text if number is None else number


class _TableReader(HTMLParser):
    """The header (the last row of <thead>) and the body rows of the table with data-table=`key`; a cell
    spanning n columns gives its text and n − 1 empty cells."""

    def __init__(self, key: str):
        super().__init__(convert_charrefs=True)
        self.key = key
        self.depth = 0  # nesting of <table> inside the wanted one (0: outside it)
        self.found = False
        self.in_head = False
        self.head: list[str] = []
        self.rows: list[list[str]] = []
        self.row: list[str] | None = None
        self.cell: list[str] | None = None
        self.span = 1

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "table":
            if self.depth:
                self.depth += 1
            elif not self.found and attributes.get("data-table") == self.key:
                self.found, self.depth = True, 1
            return
        if self.depth != 1:
            return
        if tag == "thead":
            self.in_head = True
        elif tag == "tr":
            self.row = []
        elif tag in ("td", "th") and self.row is not None:
            self.cell, self.span = [], int(attributes.get("colspan") or 1)
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")

    def handle_endtag(self, tag):
        if tag == "table" and self.depth:
            self.depth -= 1
            return
        if self.depth != 1:
            return
        if tag == "thead":
            self.in_head = False
        elif tag in ("td", "th") and self.cell is not None and self.row is not None:
            self.row += [" ".join("".join(self.cell).split())] + [""] * (self.span - 1)
            self.cell = None
        elif tag == "tr" and self.row is not None:
            if self.in_head:
                self.head = self.row
            else:
                self.rows.append(self.row)
            self.row = None

    def handle_data(self, data):
        if self.depth == 1 and self.cell is not None:
            self.cell.append(data)


def read_table(html: str, key: str) -> tuple[list[str], list[list[str]]] | None:
    """The header and rows of the page's table `key`, as text; None when the page has no such table."""
    reader = _TableReader(key)
    reader.feed(html)
    reader.close()
    if not reader.found:
        return None
    return _without_decoration(reader.head, reader.rows)


def _without_decoration(head: list[str], rows: list[list[str]]) -> tuple[list[str], list[list[str]]]:
    """Without the columns that are empty in the header and every row: a bar drawn beside the numbers."""
    width = max([len(head), *(len(r) for r in rows)])
    grid = [(r + [""] * width)[:width] for r in [head, *rows]]
    keep = [i for i in range(width) if any(r[i] for r in grid)]
    head, *rows = [[r[i] for i in keep] for r in grid]
    return head, rows


def table_xlsx(html: str, key: str, filename: str):
    table = read_table(html, key)
    if table is None:
        raise Http404("no such table on the page")
    head, rows = table
    return xlsx_response(filename, write_table(head, ([cell_value(c) for c in row] for row in rows)))


class TableExportMiddleware:
    """`?table=<key>&format=xlsx` on a GET: the view answers as for the address without the two, and the named
    table of its page is written as XLSX. Views that export a table themselves never see both parameters."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        key = request.GET.get("table")
        if request.method != "GET" or not key or request.GET.get("format") != "xlsx":
            return self.get_response(request)
        query = request.GET.copy()
        del query["table"]
        del query["format"]
        request.GET = QueryDict(query.urlencode())
        request.META["QUERY_STRING"] = query.urlencode()
        response = self.get_response(request)
        if response.status_code != 200 or not response.get("Content-Type", "").startswith("text/html"):
            return response
        if hasattr(response, "render"):
            response.render()
        html = response.content.decode(response.charset or "utf-8")
        return table_xlsx(html, key, f"{_slug(key)}-{timezone.localdate():%Y-%m-%d}.xlsx")


def _slug(key: str) -> str:
    return re.sub(r"[^a-z0-9-]+", "-", key.lower()).strip("-") or "table"
