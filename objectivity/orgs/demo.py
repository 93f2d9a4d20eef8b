"""The organisations of the demo region: municipalities, ~300 schools and bodies (the demo loader's first step).

Names are invented but shaped like real ones; logins follow ФИС ОКО (sch + region code + number).
"""

import random

from django.db import transaction
from django.utils.translation import gettext

from objectivity.core import typography
from objectivity.core.auditing import Action, event, record_many, snapshot
from objectivity.core.demo import DemoContext
from objectivity.orgs.models import Body, BodyKind, Municipality, Region, School, SchoolType, Settlement

REGION_CODE, REGION_NAME = "22", "Демонстрационный край"

# (name, kind, number of schools, main town)
MUNICIPALITIES = [
    ("Городской округ Северогорск", "city", 62, "Северогорск"),
    ("Городской округ Заречный", "city", 38, "Заречный"),
    ("Берёзовский муниципальный район", "district", 34, "Берёзовка"),
    ("Каменский муниципальный район", "district", 31, "Каменск"),
    ("Ключевской муниципальный район", "district", 29, "Ключи"),
    ("Озёрный муниципальный округ", "district", 36, "Озёрск"),
    ("Сосновский муниципальный район", "district", 33, "Сосновка"),
    ("Усть-Талицкий муниципальный округ", "district", 37, "Усть-Талица"),
]
# The adjective stem of each district's main town: «Берёзовка» → «Берёзовская СОШ», «Ключи» → «Ключевская».
TOWN_STEMS = {
    "Берёзовка": "Берёзовск",
    "Каменск": "Каменск",
    "Ключи": "Ключевск",
    "Озёрск": "Озёрск",
    "Сосновка": "Сосновск",
    "Усть-Талица": "Усть-Талицк",
}
VILLAGE_STEMS = [
    "Берёзов",
    "Сосновск",
    "Никольск",
    "Покровск",
    "Михайловск",
    "Заречн",
    "Луговск",
    "Озёрн",
    "Кедровск",
    "Полев",
    "Горн",
    "Садов",
    "Ключевск",
    "Рождественск",
    "Троицк",
    "Светл",
    "Каменск",
    "Вознесенск",
    "Ильинск",
    "Петровск",
    "Сергеевск",
    "Успенск",
    "Ясн",
    "Лесн",
    "Степн",
    "Боров",
    "Красноярск",
    "Новосёловск",
    "Старолесн",
    "Быстр",
    "Родников",
    "Тополин",
    "Калинов",
    "Рябинов",
    "Малинов",
]
KIND_WORDS = {
    SchoolType.SOSH: ("СОШ", "средняя общеобразовательная школа"),
    SchoolType.OOSH: ("ООШ", "основная общеобразовательная школа"),
    SchoolType.NOSH: ("НОШ", "начальная общеобразовательная школа"),
}


def _grade_sizes(rng: random.Random, school_type: str, settlement: str, small: bool) -> dict[str, int]:
    top = {"nosh": 4, "oosh": 9}.get(str(school_type), 11)
    if small:
        base = rng.randint(2, 8)
    elif settlement == Settlement.CITY:
        base = rng.randint(45, 140)
    elif settlement == Settlement.TOWN:
        base = rng.randint(20, 60)
    else:
        base = rng.randint(8, 25)
    sizes = {}
    for grade in range(1, top + 1):
        factor = 0.55 if grade >= 10 else 1.0
        sizes[str(grade)] = max(1, int(base * factor * rng.uniform(0.8, 1.2)))
    return sizes


def _city_school(rng: random.Random, number: int, town: str) -> dict:
    kind = rng.choices(
        [SchoolType.SOSH, SchoolType.LYCEUM, SchoolType.GYMNASIUM, SchoolType.OOSH, SchoolType.CENTRE], [70, 8, 8, 6, 3]
    )[0]
    if kind == SchoolType.LYCEUM:
        short, full = (
            f"МБОУ «Лицей № {number}»",
            f"Муниципальное бюджетное общеобразовательное учреждение «Лицей № {number}» г. {town}",
        )
    elif kind == SchoolType.GYMNASIUM:
        short, full = (
            f"МБОУ «Гимназия № {number}»",
            f"Муниципальное бюджетное общеобразовательное учреждение «Гимназия № {number}» г. {town}",
        )
    elif kind == SchoolType.CENTRE:
        short, full = (
            f"МАОУ «ЦО № {number}»",
            f"Муниципальное автономное общеобразовательное учреждение «Центр образования № {number}» г. {town}",
        )
    else:
        abbr, words = KIND_WORDS[kind]
        short = f"МБОУ «{abbr} № {number}»"
        full = f"Муниципальное бюджетное общеобразовательное учреждение «{words.capitalize()} № {number}» г. {town}"
    advanced = kind in (SchoolType.LYCEUM, SchoolType.GYMNASIUM) or rng.random() < 0.1
    if advanced and kind == SchoolType.SOSH:
        short = f"МБОУ «СОШ № {number} с УИОП»"
        full = full.replace("школа №", "школа с углублённым изучением отдельных предметов №")
    return {
        "short_name": short,
        "full_name": full,
        "school_type": kind,
        "settlement": Settlement.CITY,
        "is_advanced": advanced,
        "is_small": False,
        "is_branch": False,
    }


def _village_school(rng: random.Random, stem: str, main_town: str, first: bool) -> dict:
    settlement = Settlement.TOWN if first else Settlement.VILLAGE
    kind = (
        SchoolType.SOSH if first else rng.choices([SchoolType.SOSH, SchoolType.OOSH, SchoolType.NOSH], [50, 35, 15])[0]
    )
    branch = not first and rng.random() < 0.12
    abbr, words = KIND_WORDS[kind]
    adjective = f"{stem}ая"
    short = f"МКОУ «{adjective} {abbr}»" + (" (филиал)" if branch else "")
    full = f"Муниципальное казённое общеобразовательное учреждение «{adjective} {words}»"
    if branch:
        full = f"Филиал {full.replace('Муниципальное казённое', 'муниципального казённого').replace('учреждение', 'учреждения')}"
    small = not first and (kind == SchoolType.NOSH or rng.random() < 0.35)
    return {
        "short_name": short,
        "full_name": full,
        "school_type": kind,
        "settlement": settlement,
        "is_advanced": False,
        "is_small": small,
        "is_branch": branch,
    }


def build_schools(rng: random.Random, municipalities: list[Municipality]) -> list[School]:
    schools, serial = [], 0
    for municipality, (_, kind, count, town) in zip(municipalities, MUNICIPALITIES, strict=True):
        stems = rng.sample(VILLAGE_STEMS, k=min(len(VILLAGE_STEMS), count))
        for i in range(count):
            serial += 1
            if kind == "city":
                values = _city_school(rng, i + 1, town)
            else:
                values = _village_school(rng, stems[i % len(stems)] if i else TOWN_STEMS[town], town, first=(i == 0))
            values["pupils_by_grade"] = _grade_sizes(
                rng, values["school_type"], values["settlement"], values["is_small"]
            )
            schools.append(School(login=f"sch{REGION_CODE}{serial:04d}", municipality=municipality, **values))
    return schools


def load_orgs(context: DemoContext) -> None:
    """Create the demo region with its municipalities, schools and bodies, every row in the audit log."""
    rng = random.Random(context.seed)
    with transaction.atomic():
        region = Region.objects.create(code=REGION_CODE, name=REGION_NAME)
        municipalities = [
            Municipality.objects.create(region=region, name=name, code=f"{i + 1:02d}")
            for i, (name, *_rest) in enumerate(MUNICIPALITIES)
        ]
        schools = School.objects.bulk_create(build_schools(rng, municipalities))
        bodies = _create_bodies(region, municipalities)
        note = gettext("demo data")
        created = [region, *municipalities, *schools, *bodies]
        record_many(
            [event(by=context.by, action=Action.CREATE, obj=obj, after=snapshot(obj), note=note) for obj in created]
        )
    context.region = region
    context.shared.update(municipalities=municipalities, schools=schools)
    context.say(
        gettext("Loaded the demo region «%(name)s»: %(n)s schools.")
        % {"name": region.name, "n": typography.number(len(schools))}
    )


def _create_bodies(region: Region, municipalities: list[Municipality]) -> list[Body]:
    return Body.objects.bulk_create(
        [
            Body(
                kind=BodyKind.OIV,
                region=region,
                name="Министерство образования Демонстрационного края",
                short_name="Минобразования",
            ),
            Body(
                kind=BodyKind.COKO,
                region=region,
                name="Региональный центр оценки качества образования",
                short_name="ЦОКО",
            ),
            Body(kind=BodyKind.IRO, region=region, name="Институт развития образования", short_name="ИРО"),
            Body(
                kind=BodyKind.CNPPM,
                region=region,
                name="Центр непрерывного повышения профессионального мастерства педагогических работников",
                short_name="ЦНППМ",
            ),
            Body(kind=BodyKind.RCOI, region=region, name="Региональный центр обработки информации", short_name="РЦОИ"),
        ]
        + [
            Body(kind=kind, region=region, municipality=m, name=f"{label} ({m.name})")
            for m in municipalities
            for kind, label in (
                (BodyKind.MOUO, "Управление образования"),
                (BodyKind.MMS, "Муниципальная методическая служба"),
            )
        ]
    )
