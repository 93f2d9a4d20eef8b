"""The layout of the federal list as regions receive it: `Год, Логин, Муниципалитет, ОО, 4 РУ, 4 МА, …, Количество
маркеров`. One place for what its headers mean: the fields, and a work's column as its grade and a two-letter
abbreviation of the subject (the abbreviations below are the ones seen in use).

A work is keyed «4-ma» (grade, subject code of objectivity.analysis.export_format) in mappings and entries.
"""

import re

from django.utils.translation import gettext as _

from objectivity.analysis.export_format import SUBJECT_BY_CODE

# Abbreviation in a column's header → subject code.
ABBREVIATIONS: dict[str, str] = {
    "РУ": "ru",
    "МА": "ma",
    "ОМ": "ok",
    "БИ": "bi",
    "ИС": "hi",
    "ГЕ": "ge",
    "ОБ": "ob",
    "ФИ": "ph",
    "ХИ": "ch",
    "ЛИ": "li",
    "ИН": "in",
    "АЯ": "en",
    "НЯ": "de",
    "ФЯ": "fr",
}
ABBREVIATION_OF = {code: abbr for abbr, code in ABBREVIATIONS.items()}
GRADES = range(4, 12)  # ВПР are written in grades 4-8 and 10 (11 in earlier years)

# Field → its header in the layout (as written in our export and shown on the mapping page).
FIELDS: dict[str, str] = {
    "year": "Год",
    "login": "Логин",
    "municipality": "Муниципалитет",
    "school": "ОО",
    "markers": "Количество маркеров",
}
REQUIRED = ("year", "login")
NOT_FEDERAL = "не является федеральным перечнем"  # how our own export in this layout marks itself
# Header words that point to a field (normalised: lower case, «ё» as «е»), tried in order.
HEADER_WORDS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("year", ("год", "учебный год", "год проведения", "year")),
    ("login", ("логин", "логин оо", "логин школы", "login")),
    ("municipality", ("муниципалитет", "муниципальное образование", "муниципальный район", "мо", "моуо")),
    ("markers", ("количество маркеров", "кол-во маркеров", "число маркеров", "маркеров", "маркеры")),
    ("school", ("оо", "наименование оо", "название оо", "школа", "образовательная организация", "наименование")),
)
_WORK_HEADER = re.compile(r"^(\d{1,2})\s*(?:кл\.?|класс)?\s*[-_ ]?\s*([А-ЯЁA-Z]{2})$", re.IGNORECASE)
_LATIN_LOOKALIKES = str.maketrans("ABEKMHOPCTXY", "АВЕКМНОРСТХУ")


def normalise(text: str) -> str:
    return " ".join(str(text).strip().lower().replace("ё", "е").split())


def work_key(grade: int, subject: str) -> str:
    return f"{grade}-{subject}"


def split_key(key: str) -> tuple[int, str]:
    grade, _sep, subject = key.partition("-")
    return int(grade), subject


def work_of_header(header: str) -> str | None:
    """«4 РУ», «5МА», «7 кл. БИ» → «4-ru», «5-ma», «7-bi»; None when the header is not a work's column."""
    match = _WORK_HEADER.match(" ".join(str(header).split()))
    if not match:
        return None
    grade, abbreviation = int(match.group(1)), match.group(2).upper().translate(_LATIN_LOOKALIKES)
    if grade not in GRADES or abbreviation not in ABBREVIATIONS:
        return None
    return work_key(grade, ABBREVIATIONS[abbreviation])


def field_of_header(header: str) -> str | None:
    text = normalise(header)
    return next((key for key, words in HEADER_WORDS if text in words), None)


def work_header(key: str) -> str:
    """«4-ru» → «4 РУ» (a subject without an abbreviation by its name: «7 Математика (углублённый уровень)»)."""
    grade, subject = split_key(key)
    known = SUBJECT_BY_CODE.get(subject)
    return f"{grade} {ABBREVIATION_OF.get(subject) or (known.name if known else subject)}"


def work_label(key: str) -> str:
    """«4-ru» → «Русский язык, 4 класс»."""
    grade, subject = split_key(key)
    known = SUBJECT_BY_CODE.get(subject)
    return f"{known.name if known else subject}, {grade} {_('grade')}"


def work_order(key: str) -> tuple[int, int]:
    """Grade, then subjects in the catalogue's order (Russian before maths, as the layout has them)."""
    grade, subject = split_key(key)
    codes = list(SUBJECT_BY_CODE)
    return grade, codes.index(subject) if subject in codes else len(codes)


def every_work() -> list[str]:
    """Every work a column can hold, in the layout's order: the choices of the mapping step."""
    return sorted((work_key(g, code) for g in GRADES for code in ABBREVIATIONS.values()), key=work_order)


def is_own_export(header: list[str]) -> bool:
    """The file is our export in this layout (its first row says it is not the federal list)."""
    return any(NOT_FEDERAL in normalise(label) for label in header)
