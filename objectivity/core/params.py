"""Values views take from the query string and the path: a clean value or a 404, never a server error.

A malformed value is the visitor's mistake (an edited link, a crawler), not the server's: an id or a year that no
row can have is «not found» (404); a hint that is not a number counts as no hint (parse_int gives None). Strings
lose their NUL characters, which PostgreSQL refuses in any query, and are cut to a sane length.
"""

import re

from django.http import Http404

MAX_ID = 2**63 - 1  # BigAutoField
YEARS = (2000, 2100)  # the years a work, a schedule or a set of thresholds can have
_WHOLE = re.compile(r"-?[0-9]{1,19}")  # ASCII digits only: int() also takes «١٢», « 12 » and «1_2»


def clean_text(value: str, max_length: int = 200) -> str:
    """A string fit for a query: no NUL characters, at most max_length characters."""
    return value.replace("\x00", "")[:max_length]


def parse_int(value, *, low: int | None = None, high: int | None = None) -> int | None:
    """A whole number written in ASCII digits and within [low, high], else None."""
    if isinstance(value, int) and not isinstance(value, bool):
        number = value
    elif isinstance(value, str) and _WHOLE.fullmatch(value):
        number = int(value)
    else:
        return None
    if (low is not None and number < low) or (high is not None and number > high):
        return None
    return number


def query_text(request, name: str, default: str = "", *, max_length: int = 200) -> str:
    """A text parameter, cleaned (see clean_text); default when absent."""
    value = request.GET.get(name)
    return default if value is None else clean_text(value, max_length)


def query_id(request, name: str) -> int | None:
    """The primary key a parameter names; None when absent or empty; Http404 when no row can have it."""
    value = request.GET.get(name, "")
    if value == "":
        return None
    number = parse_int(value, low=1, high=MAX_ID)
    if number is None:
        raise Http404(f"query parameter {name!r} is not an id")
    return number


def year_arg(year: int) -> int:
    """A year from the path (the int converter takes any digits): Http404 outside YEARS."""
    if parse_int(year, low=YEARS[0], high=YEARS[1]) is None:
        raise Http404("no such year")
    return year
