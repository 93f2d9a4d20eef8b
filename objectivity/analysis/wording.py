"""The words of findings: one place that turns the codes and numbers the analysis stores into Russian.

The analysis writes codes and numbers — a risk code, reasons as JSON items {"code": …, numbers…}, each layer's
explanation as one such item — and every place that shows them (the pages, the CSV and XLSX exports, findings.csv,
report.html) renders them here, so all read the same and the wording can change without touching stored runs.
No Django: the analysis library, its tests and `objectivity analyze` use it too.

Texts stored before codes were (runs of method version 1) are shown as they were: a value that is not a code
item is a legacy text and comes back unchanged.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Mapping
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from objectivity.analysis.russian import decimal, plural

HIGH, MEDIUM, LOW = "high", "medium", "low"
RISK_WORDS = {HIGH: "высокий", MEDIUM: "средний", LOW: "низкий"}
ESTIMATED_NOTE = "уровень сложности оценён по данным региона"
NBSP = "\u00a0"  # keeps «n = 59» and «21 %» on one line
RANGE_DASH = "–"  # an en dash between the ends of a range, as in «13,1–16,9»
Item = Mapping[str, Any]


def risk_word(code: str) -> str:
    """«высокий» for "high"; a word stored before codes comes back as it is."""
    return RISK_WORDS.get(code, code)


def encode(code: str, **numbers: Any) -> str:
    """One item as compact JSON text: what the analysis frames carry in reasons and explain_<layer>. Floats keep
    12 significant digits, so sums that Polars adds in no fixed order give the same text for the same data."""
    return json.dumps({"code": code, **_steady(numbers)}, ensure_ascii=False, separators=(",", ":"))


def _steady(value: Any) -> Any:
    if isinstance(value, float):
        return float(f"{value:.12g}")
    if isinstance(value, Mapping):
        return {k: _steady(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_steady(v) for v in value]
    return value


def decoded(value: object) -> Item | str:
    """An item from JSON text or a dict; any other text (a legacy sentence, "") as it is."""
    if isinstance(value, Mapping):
        return value
    text = "" if value is None else str(value)
    if text.startswith("{"):
        try:
            item = json.loads(text)
        except ValueError:
            return text
        return item if isinstance(item, dict) and "code" in item else text
    return text


def explanation(value: object) -> str:
    """One item (JSON text or dict) in words; a legacy text as it is; "" for none."""
    item = decoded(value)
    if isinstance(item, str):
        return item
    return RENDERERS[item["code"]](item)


def reasons_text(reasons: object) -> str:
    """The reasons of a finding in words, joined by «; »: a list of items (JSON texts or dicts), or a legacy
    text (the reasons of a run stored before codes) as it is."""
    if reasons is None:
        return ""
    if isinstance(reasons, str):
        return reasons
    texts = (explanation(item) for item in _items(reasons))
    return "; ".join(text for text in texts if text)


def _items(reasons: object) -> Iterable[object]:
    if isinstance(reasons, Iterable):
        return reasons
    return ()


# ---- numbers ----------------------------------------------------------------------------------------------


def rounded_plain(value: float, digits: int = 1) -> str:
    """«15,0», «−0,25»: rounded to `digits` (ties to even after scaling, as polars rounds) with no trailing zeros
    beyond one, decimal comma, minus sign — the notation of the ФИОКО reasons."""
    scale = 10.0**digits
    scaled = float(value) * scale
    text = repr(math.copysign(round(abs(scaled)), scaled) / scale)
    return text.replace(".", ",").replace("-", "−")


def half_up(value: float, signed: bool = False) -> str:
    """One decimal, halves rounded away from zero (21,25 → 21,3), decimal comma, true minus sign."""
    rounded = Decimal(repr(float(value))).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)
    text = f"{rounded:+.1f}" if signed else f"{rounded:.1f}"
    return text.replace(".", ",").replace("-", "−")


def threshold_number(value: float) -> str:
    """A threshold as set: «0», «−0,1», «2,58» (no rounding beyond the shortest form)."""
    return f"{float(value):g}".replace(".", ",").replace("-", "−")


def confidence_level(z: float) -> str:
    """The two-sided confidence level of a normal z, in percent: 1.96 → «95», 2.58 → «99», 2.0 → «95,4»."""
    level = round(100 * math.erf(z / math.sqrt(2)), 1)
    return threshold_number(level)


def _percent(share: float) -> str:
    return _with_percent(round(100 * share))


def _with_percent(value: object) -> str:
    """«21 %» with a no-break space: the number and its sign never part at a line break."""
    return f"{value}{NBSP}%"


def _range(low: object, high: object) -> str:
    """«5–6»: a range of numbers, with an en dash, not a hyphen."""
    return f"{low}{RANGE_DASH}{high}"


def _n_equals(n: object) -> str:
    """«n = 59» with no-break spaces: one piece that never breaks across lines."""
    return f"n{NBSP}={NBSP}{n}"


def _signed_int(value: int) -> str:
    return f"{value:+d}".replace("-", "−")


# ---- part 1: the ФИОКО markers ------------------------------------------------------------------------------


def _fioco_mean(item: Item) -> str:
    interval = _range(rounded_plain(item["ci_low"]), rounded_plain(item["ci_high"]))
    return (
        f"средний балл {rounded_plain(item['mean'])} ({_with_percent(confidence_level(item['z']))} ДИ "
        f"{interval}, {_n_equals(item['n'])}) выше среднего по "
        f"региону {rounded_plain(item['region_mean'])} (верхняя граница ДИ {rounded_plain(item['region_ci_high'])})"
    )


def _fioco_spearman(item: Item) -> str:
    return (
        f"корреляция отметок по журналу и баллов ВПР (Спирмен) {rounded_plain(item['spearman'], 2)} "
        f"< {threshold_number(item['below'])} (учеников с отметкой: {item['n_journal']})"
    )


def _fioco_cohort(item: Item) -> str:
    direction = "резкое падение" if item["direction"] == "fall" else "резкое возрастание"
    year = int(item["year"])
    return (
        f"{direction}: K = S(4 класс, {year - 1}) / S(5 класс, {year}) = {rounded_plain(item['k'], 2)}, "
        f"граница {rounded_plain(item['bound'], 2)}"
    )


# ---- part 2: the evidence layers ----------------------------------------------------------------------------


def _absence(item: Item) -> str:
    """«отсутствовали 5 из 24 учеников (21 %, по региону 7 %); из них с отметкой по журналу 5, с «2» или «3» — 4,
    ожидалось 1,8 при обычном для региона соотношении»."""
    missing, rolled = item["missing"], item["rolled"]
    share, rate = _percent(missing / rolled), _percent(item["rate"])
    text = f"отсутствовали {missing} из {rolled} учеников ({share}, по региону {rate})"
    if item.get("expected") is not None:
        text += (
            f"; из них с отметкой по журналу {item['absent']}, с «2» или «3» — {item['weak']}, ожидалось "
            f"{decimal(item['expected'])} при обычном для региона соотношении"
        )
    return text


def _bunching(item: Item) -> str:
    """Per cut, expected and seen pupils just under and at/over the cut, then how rare that is."""
    below, above = item["below"], item["above"]
    parts = [_bunching_cut(cut, below, above) for cut in item["cuts"]]
    basis = (
        "с теми же баллами за задания без критериев, в школах того же уровня"
        if item["anchored"]
        else "из школ того же уровня"
    )
    if item["one_in"] is None:
        verdict = "перевеса у порогов сверх обычного для региона нет"
    else:
        verdict = f"такой или больший перевес у порогов бывает примерно у 1 школы из {item['one_in']}"
    return "; ".join(parts) + f" (ожидание — по ученикам региона {basis}); {verdict}"


def _bunching_cut(cut: Item, below: int, above: int) -> str:
    at = cut["cut"]
    return (
        f"порог «{cut['mark']}» ({at} {plural(at, 'балл', 'балла', 'баллов')}): "
        f"с {_point_range(at - below, at - 1)} ожидалось {decimal(cut['expected_under'])}, фактически {cut['under']}; "
        f"с {_point_range(at, at + above - 1)} ожидалось {decimal(cut['expected_over'])}, фактически {cut['over']}"
    )


def _point_range(low: int, high: int) -> str:
    return f"{_range(low, high)} {plural(high, 'баллом', 'баллами', 'баллами')}"


def _cohort(item: Item) -> str:
    """«4 класс в 2024 г.: 71 % … (учеников: 25); та же параллель в 5 классе в 2025 г.: … — …»."""
    here = item
    parts = [
        f"{here['grade']} класс в {here['year']} г.: {_whole_percent(here['mean'])} от максимума при "
        f"{_whole_percent(here['region'])} по региону (учеников: {here['n']})"
    ]
    changes: list[str] = []
    before, after = item.get("before"), item.get("after")
    if before:
        parts.append(_cohort_neighbour(before))
        gap = (here["mean"] - here["region"]) - (before["mean"] - before["region"])
        changes.append(f"за год {'подъём' if gap > 0 else 'снижение'} на {decimal(abs(gap))} п.п. относительно региона")
    if after:
        parts.append(_cohort_neighbour(after))
        gap = (here["mean"] - here["region"]) - (after["mean"] - after["region"])
        word = "возврат" if gap > 0 else "ещё рост"
        changes.append(f"через год {word} на {decimal(abs(gap))} п.п." + ("" if before else " относительно региона"))
    return "; ".join(parts) + " — " + ", ".join(changes)


def _cohort_neighbour(test: Item) -> str:
    return (
        f"та же параллель в {test['grade']} классе в {test['year']} г.: {_whole_percent(test['mean'])} при "
        f"{_whole_percent(test['region'])} по региону (учеников: {test['n']})"
    )


def _whole_percent(value: float) -> str:
    return _with_percent(round(value))


def _journal(item: Item) -> str:
    """«отметка „4“ по журналу: из 12 учеников, набравших от 21 до 24 баллов, ровно 24 (порог „4“) у 7, ожидалось
    3,1; …» (lower case: the reasons of all layers are joined into one sentence)."""
    parts = [
        f"отметка «{m['mark']}» по журналу: из {_scorers(m['trials'])} от {m['low']} до {m['cut']} баллов, "
        f"ровно {m['cut']} (порог «{m['mark']}») у {m['hits']}, ожидалось {decimal(m['expected'])}"
        for m in item["marks"]
    ]
    summary = (
        f"всего ровно на пороге своей отметки по журналу: {item['hits']}, ожидалось "
        f"{decimal(item['expected'])} (по региону, для школ того же уровня)"
    )
    return "; ".join([*parts, summary])


def _scorers(count: int) -> str:
    """«1 ученика, набравшего», «21 ученика, набравшего», otherwise «N учеников, набравших» (after «из»)."""
    return f"{count} {plural(count, 'ученика, набравшего', 'учеников, набравших', 'учеников, набравших')}"


def _observers(item: Item) -> str:
    """«без наблюдателя (классы „А“ и „Б“, 52 ученика): в среднем 21,3 балла; с наблюдателем (…): …»."""
    parts: list[str] = []
    for group, words in zip(item["groups"], ("без наблюдателя", "с наблюдателем"), strict=True):
        count = group["n"]
        parts.append(
            f"{words} ({_classes(group['classes'])}, {count} {plural(count, 'ученик', 'ученика', 'учеников')}): "
            f"{'в среднем ' if not parts else ''}{half_up(group['mean'])} балла"
        )
    return (
        f"{parts[0]}; {parts[1]}; с учётом отметок по журналу разница {half_up(item['difference'], signed=True)} балла "
        f"при обычном разбросе средних между классами одной школы в регионе около {half_up(item['spread'])} балла"
    )


def _classes(letters: list[str]) -> str:
    quoted = [f"„{x}“" for x in letters]
    if len(quoted) == 1:
        return f"класс {quoted[0]}"
    return f"классы {', '.join(quoted[:-1])} и {quoted[-1]}"


def _recheck(item: Item) -> str:
    """«перепроверено 12 работ: по 9 из них баллы ОО выше, по 1 — ниже; …; больше всего в столбцах 7 (+0,9) …»."""
    works = item["works"]
    verb = plural(works, "перепроверена", "перепроверены", "перепроверено")
    head = f"{verb} {works} {plural(works, 'работа', 'работы', 'работ')}"
    higher, lower = item["higher"], item["lower"]
    if higher == lower == 0:
        text = f"{head}: баллы ОО и эксперта совпали во всех"
    else:
        mean = item["mean"]
        direction = "выше" if mean >= 0 else "ниже"
        text = (
            f"{head}: по {higher} из них баллы ОО выше, по {lower} — ниже; в среднем баллы ОО {direction} "
            f"на {half_up(abs(mean))} балла на работу"
        )
        text += _top_columns(item["top"])
    unmatched = item["unmatched"]
    if unmatched:
        codes = plural(unmatched, "код участника", "кода участников", "кодов участников")
        text += f"; ещё {unmatched} {codes} из перепроверки не найдено среди результатов ОО"
    return text


def _top_columns(top: list[list[float]]) -> str:
    """«; больше всего в столбцах 7 (+0,9) и 9 (+0,6)»: the columns with the largest mean excess."""
    if not top:
        return ""
    items = [f"{int(column)} ({half_up(value, signed=True)})" for column, value in top]
    return f"; больше всего в {'столбцах' if len(items) > 1 else 'столбце'} {' и '.join(items)}"


def _shares(item: Item) -> str:
    """«отметки „4“ и „5“: 17 из 25 учеников, ожидалось 11,2 …» with the anchor's numbers."""
    source = "заданиях с автоматической проверкой" if item["auto"] else "базовых заданиях с кратким ответом"
    return (
        f"отметки «4» и «5»: {item['got4']} из {item['n']} учеников, ожидалось {decimal(item['expected4'])}; "
        f"«5»: {item['got5']}, ожидалось {decimal(item['expected5'])} — по результатам в {source} "
        f"(в среднем {decimal(item['own'])} из {item['points']} баллов, по региону {decimal(item['region'])})"
    )


def _similarity(item: Item) -> str:
    found, apart, cut_weight = item["found"], item["apart"], item["cut_weight"]
    pairs = (
        f"в школе {found} {plural(found, 'одинаковая пара', 'одинаковые пары', 'одинаковых пар')}"
        f"{' (не считая пар у порогов отметок)' if apart else ''}, при тех же результатах класса по заданиям "
        f"и тех же первичных баллах учеников ожидалось в среднем {_small_expectation(item['expected'])}"
    )
    at_cuts = item["at_cuts"]
    if at_cuts:
        parts = ", ".join(
            f"{count} у «{mark}» ({_range(cut, cut + 1)} {plural(cut + 1, 'балл', 'балла', 'баллов')})"
            for mark, count, cut in at_cuts
        )
        if apart:
            total = sum(count for _mark, count, _cut in at_cuts)
            pairs += f"; у порогов отметок ещё {total}: {parts} — их проверяет слой «скопление у порогов отметок»"
        elif cut_weight == 1:
            pairs += f"; из них у порогов отметок {parts}"
        else:
            pairs += f"; из них у порогов отметок {parts}, они учитываются с весом {decimal(cut_weight, 1)}"
    group = item["group"]
    if group is None:
        return f"совпадающих наборов баллов по заданиям внутри классов нет; {pairs}"
    where = "в школе (класс указан не у всех)" if group["label"] is None else f"класс «{group['label']}»"
    size, total = group["size"], group["total"]
    return (
        f"{where}: у {size} {plural(size, 'ученика', 'учеников', 'учеников')} одинаковые баллы "
        f"по всем заданиям (столбцов: {group['columns']}), "
        f"у каждого {total} {plural(total, 'балл', 'балла', 'баллов')}; "
        f"в регионе такой набор у {group['same_vector']} из {group['same_total']} учеников с {total} "
        f"{plural(total, 'баллом', 'баллами', 'баллами')}; {pairs}"
    )


def _small_expectation(value: float) -> str:
    """1,2 or 0,03: small expectations keep two decimals so they do not read as zero."""
    return decimal(value, 1 if value >= 0.95 else 2)


LEVEL_WORDS = {"П": "повышенного", "В": "высокого"}


def _taskfit(item: Item) -> str:
    """«столбцы 19 и 20 (…): +28 п.п. к ожидаемому …; по всем заданиям П/В: +9 п.п.; учеников: 25»."""
    want, got = item["all"]
    n = item["n"]
    top = item["top"]
    if top is None:
        estimated = f" ({ESTIMATED_NOTE})" if item["estimated"] else ""
        return (
            f"задания повышенного и высокого уровня{estimated} (столбцов: {item['columns']}): {_gap(want, got)}; "
            f"учеников: {n}"
        )
    overall = f"{_signed_int(got - want)} п.п."
    columns = _columns_phrase(top, item["estimated"])
    return f"{columns}: {_gap(*top['shares'])}; по всем заданиям П/В: {overall}; учеников: {n}"


def _gap(want: int, got: int) -> str:
    return (
        f"{_signed_int(got - want)} п.п. к ожидаемому для учеников с теми же баллами за базовые задания "
        f"(ожидалось {_with_percent(want)} от максимума, фактически {_with_percent(got)})"
    )


def _columns_phrase(top: Item, estimated: bool) -> str:
    numbers = top["numbers"]
    words = " и ".join(LEVEL_WORDS[level] for level in top["levels"])
    criteria = ", проверяются по критериям" if top["criteria"] else ""
    which = " и ".join(str(c) for c in sorted(numbers))
    note = f"; {ESTIMATED_NOTE}" if estimated else ""
    return f"{'столбцы' if len(numbers) > 1 else 'столбец'} {which} (задания {words} уровня{criteria}{note})"


RENDERERS: dict[str, Callable[[Item], str]] = {
    "fioco_mean": _fioco_mean,
    "fioco_spearman": _fioco_spearman,
    "fioco_cohort": _fioco_cohort,
    "absence": _absence,
    "bunching": _bunching,
    "cohort": _cohort,
    "journal": _journal,
    "observers": _observers,
    "recheck": _recheck,
    "shares": _shares,
    "similarity": _similarity,
    "taskfit": _taskfit,
}
