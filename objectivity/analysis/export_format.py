"""The layouts of ФИС ОКО exports and the names of subjects and procedures, shared by readers and writers.

Source: the exports regions download from ФИС ОКО, as described in the project's FORMATS.md §1-2
(regional «Проведение работы по …» export; school «Индивидуальные результаты»).
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Subject:
    code: str
    name: str  # nominative, as in titles: «Математика»
    dative: str  # as in regional file names: «по математике»


SUBJECTS: tuple[Subject, ...] = (
    Subject("ru", "Русский язык", "русскому языку"),
    Subject("ma", "Математика", "математике"),
    Subject("ma_adv", "Математика (углублённый уровень)", "математике (углублённый уровень)"),
    Subject("ok", "Окружающий мир", "окружающему миру"),
    Subject("bi", "Биология", "биологии"),
    Subject("hi", "История", "истории"),
    Subject("ge", "География", "географии"),
    Subject("ob", "Обществознание", "обществознанию"),
    Subject("ph", "Физика", "физике"),
    Subject("ph_adv", "Физика (углублённый уровень)", "физике (углублённый уровень)"),
    Subject("ch", "Химия", "химии"),
    Subject("li", "Литература", "литературе"),
    Subject("in", "Информатика", "информатике"),
    Subject("en", "Английский язык", "английскому языку"),
    Subject("de", "Немецкий язык", "немецкому языку"),
    Subject("fr", "Французский язык", "французскому языку"),
)
SUBJECT_BY_CODE = {s.code: s for s in SUBJECTS}

# Procedures: ВПР and the regional/municipal check works use the ВПР layout; ОГЭ/ЕГЭ come from РЦОИ.
PROCEDURE_KINDS: tuple[tuple[str, str], ...] = (
    ("vpr", "ВПР"),
    ("rpr", "РПР"),
    ("rdr", "РДР"),
    ("mpr", "МПР"),
    ("oge", "ОГЭ"),
    ("ege", "ЕГЭ"),
)
PERIODS: tuple[tuple[str, str], ...] = (("spring", "весна"), ("autumn", "осень"))

# Regional export (FORMATS.md §1): fixed leading columns, then «балл за 1..K», then the textbook columns.
REGIONAL_LEADING = (
    "логин школы",
    "регион",
    "номер обучающегося",
    "код обучающегося",
    "отметка за предыдущую четверть/триместр",
    "пол",
    "класс",
    "вариант",
    "всего баллов",
)
REGIONAL_TRAILING = ("Учебник", "Др.уч. автор", "Др.уч. название")
ABSENT_VARIANT = "отсутствовал"
NOT_DONE = ("X", "Х", "не пройд.")  # Latin X, Cyrillic Х: the task was not done and scores 0
NO_JOURNAL_MARK = "нет отметки"
NO_CLASS = "НЕТ"


def score_header(number: int) -> str:
    return f"балл за {number}"


def regional_header(n_columns: int) -> list[str]:
    return [*REGIONAL_LEADING, *(score_header(i) for i in range(1, n_columns + 1)), *REGIONAL_TRAILING]


def regional_file_name(*, subject: str, grade: int, year: int, procedure: str = "ВПР") -> str:
    """«Проведение работы по математике, 4 класс. ВПР 2021.xlsx»."""
    return f"Проведение работы по {SUBJECT_BY_CODE[subject].dative}, {grade} класс. {procedure} {year}.xlsx"


@dataclass(frozen=True)
class TestName:
    """What a file name or a title says about the test; any part may be unknown."""

    year: int | None = None
    grade: int | None = None
    subject: str | None = None
    procedure: str | None = None
    period: str | None = None


_YEAR = re.compile(r"(?<!\d)(20[1-4]\d)(?!\d)")
_GRADE = re.compile(r"(?<!\d)(1[01]|[1-9])\s*(?:-?й\s*)?(?:класс|кл\b|кл\.)", re.IGNORECASE)
_PROCEDURE = {"впр": "vpr", "рпр": "rpr", "рдр": "rdr", "мпр": "mpr", "огэ": "oge", "егэ": "ege"}


def _subject_in(text: str) -> str | None:
    lowered = text.lower().replace("ё", "е")
    for subject in SUBJECTS:
        if subject.code.endswith("_adv"):
            continue
        stems = (subject.dative.replace("ё", "е"), subject.name.lower().replace("ё", "е"))
        if any(stem in lowered for stem in stems):
            advanced = f"{subject.code}_adv"
            return advanced if "углубл" in lowered and advanced in SUBJECT_BY_CODE else subject.code
    return None


def parse_test_name(text: str) -> TestName:
    """Year, grade, subject, procedure and period from a file name or a title line."""
    year = _YEAR.search(text)
    grade = _GRADE.search(text)
    lowered = text.lower()
    procedure = next((code for word, code in _PROCEDURE.items() if re.search(rf"\b{word}\b", lowered)), None)
    period = "autumn" if "осен" in lowered else ("spring" if "весн" in lowered else None)
    return TestName(
        year=int(year.group(1)) if year else None,
        grade=int(grade.group(1)) if grade else None,
        subject=_subject_in(text),
        procedure=procedure,
        period=period,
    )
