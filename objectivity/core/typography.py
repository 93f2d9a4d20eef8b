"""Russian typography for pages and documents: «10 235», «12,5 %», «2 декабря 2026 г.», thresholds as people
write them («0,05», not «0.05000000000000001»).

Numbers of five digits and more are grouped by a no-break space (four-digit ones stay whole, as Russian
typesetting rules have it), so that «10 235» never breaks across lines. Rounding is half up, as people round by hand (Python's round() rounds half to even).
"""

from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.utils import timezone

NBSP = "\u00a0"
DASH = "—"  # what a table shows where there is no value
MONTHS_GENITIVE = (
    "января",
    "февраля",
    "марта",
    "апреля",
    "мая",
    "июня",
    "июля",
    "августа",
    "сентября",
    "октября",
    "ноября",
    "декабря",
)


def _rounded(value: float | int | Decimal, digits: int) -> Decimal:
    exact = value if isinstance(value, Decimal) else Decimal(repr(value) if isinstance(value, float) else value)
    return exact.quantize(Decimal(1).scaleb(-digits), ROUND_HALF_UP) + 0  # + 0 turns −0 into 0


def number(value, digits: int = 0) -> str:
    """«10 235», «12,5», «−3,25»: `digits` after a decimal comma, thousands grouped; empty for no value."""
    if value is None or value == "":
        return ""
    try:
        rounded = _rounded(value, digits)
    except (InvalidOperation, TypeError, ValueError):
        return str(value)
    whole, _, fraction = f"{abs(rounded):f}".partition(".")
    grouped = _group(whole) if len(whole) > 4 else whole  # four digits stay whole: «1000», «10 235»
    sign = "−" if rounded < 0 else ""
    return sign + grouped + ("," + fraction if fraction else "")


def _group(whole: str) -> str:
    head = len(whole) % 3 or 3
    return NBSP.join([whole[:head]] + [whole[i : i + 3] for i in range(head, len(whole), 3)])


def percent(value, digits: int = 1) -> str:
    """«12,5 %» (a no-break space before the sign, as Russian typography writes it)."""
    text = number(value, digits)
    return f"{text}{NBSP}%" if text else ""


def threshold(value) -> str:
    """A parameter as people write it: at most three significant digits, no trailing zeros («0,667», «0,05», «2,58»,
    «15»)."""
    if value is None or value == "":
        return ""
    exact = Decimal(repr(float(value)))
    if exact == 0:
        return "0"
    digits = max(0, 3 - exact.adjusted() - 1)  # adjusted() is the exponent of the first significant digit
    text = number(exact, digits)
    return text.rstrip("0").rstrip(",") if "," in text else text


def ru_date(value: date | datetime | None) -> str:
    """«2 декабря 2026 г.»; an aware moment in the region's time zone (the TIME_ZONE setting)."""
    if value is None:
        return ""
    if isinstance(value, datetime) and timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{value.day} {MONTHS_GENITIVE[value.month - 1]} {value.year}{NBSP}г."


def ru_datetime(value: datetime | None) -> str:
    """«2 декабря 2026 г., 09:05» in the region's time zone."""
    if value is None:
        return ""
    local = timezone.localtime(value) if timezone.is_aware(value) else value
    return f"{ru_date(local)}, {local:%H:%M}"


def grouped(values: dict) -> dict:
    """The mapping with its whole numbers written as `number` writes them (for «%(n)s» in a message)."""
    return {k: number(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in values.items()}
