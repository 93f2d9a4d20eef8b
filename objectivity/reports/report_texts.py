"""The editable text sections of the regional analytic report: the shipped wording, placeholders filled from the
year's figures («{год}», «{оо_в_перечне}», …), and the region's own saved wording.

Placeholders are plain names in braces, so an analyst writes them without learning a template language; an unknown
name stays as written, and a stray brace is just a brace.
"""

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from objectivity.reports.models import ReportText


@dataclass(frozen=True)
class TextSection:
    key: str
    title: Any  # a lazy translation
    default: str


SECTIONS = (
    TextSection(
        "introduction",
        _("Introduction"),
        "Аналитический отчёт подготовлен по результатам Всероссийских проверочных работ {год} года в регионе "
        "«{регион}». Он показывает участие в ВПР, результаты и признаки необъективных результатов по двум методикам: "
        "опубликованной методике ФИОКО и сочетанию независимых слоёв доказательств. Признаки требуют проверки и "
        "адресной методической помощи; результаты ВПР не используются для оценивания деятельности педагогических "
        "работников, ОО и муниципалитетов.",
    ),
    TextSection(
        "conclusions",
        _("Conclusions"),
        "В {год} году признаки необъективных результатов выявлены у {оо_в_перечне} ОО: по сочетанию слоёв — у "
        "{оо_сочетание}, по опубликованной методике ФИОКО — у {оо_фиоко}. Уровень объективности по методике ФИОКО "
        "составил {уровень_фиоко}. Повторно (и в {прошлый_год} году) в перечне {повторно} ОО.",
    ),
    TextSection(
        "recommendations",
        _("Recommendations"),
        "Муниципальным органам управления образованием: провести собеседования с руководителями ОО из перечня, "
        "организовать общественное наблюдение при проведении ВПР и выборочную перепроверку работ в этих ОО.\n"
        "Руководителям ОО: проанализировать причины расхождения результатов ВПР и школьных отметок, включить меры по "
        "повышению объективности оценивания в план мероприятий (дорожную карту).\n"
        "ИРО и ЦНППМ: оказать адресную методическую помощь педагогическим работникам ОО из перечня.",
    ),
)
SECTION_KEYS = [s.key for s in SECTIONS]
_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def fill(text: str, values: dict[str, str]) -> str:
    """The text with each known «{name}» replaced by its value; anything else kept as written."""
    return _PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def saved_texts(region, year: int) -> dict[str, str]:
    """Each section's text for the region and year: the saved one, else the shipped wording."""
    saved = dict(ReportText.objects.filter(region=region, year=year).values_list("section", "text"))
    return {s.key: saved.get(s.key, s.default) for s in SECTIONS}
