"""Reference data of assessments: find or create the work, read its current version, infer what is
unknown from the data (and say so), and exchange the catalogue as YAML.

YAML layout (also what `objectivity generate` writes as reference.yaml):

    tests:
      - {procedure: vpr, year: 2021, period: spring, grade: 4, subject: ma, form: paper,
         max_total: 20, scale: {"3": 6, "4": 10, "5": 15}, source: "…",
         columns: [{number: 1, label: "1", max: 1, level: "Б", auto: false}, …]}
"""

from dataclasses import dataclass
from pathlib import Path

import polars as pl
import yaml
from django.utils.translation import gettext as _

from objectivity.analysis.export_format import SUBJECT_BY_CODE
from objectivity.analysis.schema import task_column
from objectivity.results.models import Assessment, Form, Period, Procedure, ReferenceVersion

SHIPPED_DIR = Path(__file__).resolve().parent / "data"  # reference.yaml, vpr-2021.yaml (official descriptions)
LEVELS = ("Б", "П", "В")
KEY = ("procedure", "year", "period", "grade", "subject")  # what names a work in a catalogue


class ReferenceError(Exception):
    """Reference data that cannot be used; the message is for the user."""


def assessment_for(*, procedure: str, year: int, period: str, grade: int, subject: str, form: str = "") -> Assessment:
    assessment, created = Assessment.objects.get_or_create(
        procedure=procedure,
        year=year,
        period=period,
        grade=grade,
        subject=subject,
        defaults={"form": form or Form.PAPER},
    )
    return assessment


def add_version(assessment: Assessment, *, by=None, **values) -> ReferenceVersion:
    latest = assessment.reference()
    number = latest.version + 1 if latest else 1
    return ReferenceVersion.objects.create(assessment=assessment, version=number, created_by=by, **values)


def same_values(ref: ReferenceVersion | None, values: dict) -> bool:
    """Whether `values` say what `ref` says (a column field left empty is the same as one never given: a
    catalogue exported and imported back unchanged must not make a new version)."""
    if ref is None:
        return False
    return all(
        _comparable(getattr(ref, key)) == _comparable(value)
        for key, value in values.items()
        if key not in ("source", "inferred")
    )


def _comparable(value):
    if isinstance(value, list):
        return [{k: v for k, v in item.items() if v is not None} if isinstance(item, dict) else item for item in value]
    return value


# ---- inference from imported data -------------------------------------------------------------


@dataclass
class Inferred:
    columns: list[dict]
    max_total: int
    note: str


def infer_columns(pupils: pl.DataFrame, labels: list[str], header_max: list[int | None], header_levels) -> Inferred:
    """Column maxima (from the file's headers, else the highest score seen) and levels (from the file,
    else from the region's completion rates: ≥ 50 % Б, 25-50 % П, below 25 % В)."""
    if not labels:  # a file without task columns (short CSV, ОГЭ/ЕГЭ totals) says nothing about them
        return Inferred(columns=[], max_total=0, note=_("the file has no task columns"))
    present = pupils.filter(pl.col("valid") & ~pl.col("absent"))
    columns: list[dict] = []
    for i, label in enumerate(labels, start=1):
        seen = present.get_column(task_column(i)).max() if present.height else None
        top = header_max[i - 1] or int(seen or 1)  # type: ignore[arg-type]
        level = header_levels[i - 1] or _level_from_completion(present, i, top)
        columns.append({"number": i, "label": label, "max": top, "level": level, "auto": False})
    from_header = None not in header_max
    note = _("maxima from the file's headers") if from_header else _("maxima inferred as the highest score seen")
    return Inferred(columns=columns, max_total=sum(int(c["max"]) for c in columns), note=note)


def _level_from_completion(present: pl.DataFrame, number: int, top: int) -> str:
    if not present.height or not top:
        return "Б"
    rate = float(present.get_column(task_column(number)).fill_null(0).mean() or 0) / top  # type: ignore[arg-type]
    return "Б" if rate >= 0.5 else ("П" if rate >= 0.25 else "В")


# ---- YAML exchange ----------------------------------------------------------------------------


def export_yaml(assessments) -> str:
    tests = []
    for assessment in assessments:
        ref = assessment.reference()
        entry = {
            "procedure": assessment.procedure,
            "year": assessment.year,
            "period": assessment.period,
            "grade": assessment.grade,
            "subject": assessment.subject,
            "form": assessment.form,
        }
        if ref is not None:
            entry |= {
                "max_total": ref.max_total,
                "scale": {"3": ref.cut3, "4": ref.cut4, "5": ref.cut5} if ref.cuts else None,
                "source": ref.source,
                "inferred": ref.inferred,
                "columns": ref.columns,
            }
        tests.append(entry)
    return yaml.safe_dump({"tests": tests}, allow_unicode=True, sort_keys=False)


@dataclass
class CatalogueReport:
    created: int = 0  # new assessments
    versions: int = 0  # new reference versions
    unchanged: int = 0


def shipped_catalogue() -> list[dict]:
    """Entries of every catalogue shipped with the system, validated as any imported catalogue."""
    return [
        entry
        for path in sorted(SHIPPED_DIR.glob("*.yaml"))
        for entry in parse_catalogue(path.read_text(encoding="utf-8"), path.name)
    ]


def import_yaml(text: str, *, by=None, source_name: str = "YAML") -> CatalogueReport:
    return import_entries(parse_catalogue(text, source_name), by=by)


def read_catalogue(content: bytes, source_name: str) -> list[dict]:
    """Entries of a catalogue file, YAML or XLSX (by its name), validated; ReferenceError says what is wrong."""
    if source_name.lower().endswith(".xlsx"):
        from objectivity.results.catalogue_xlsx import parse_xlsx

        return [_entry(item, n, source_name) for n, item in enumerate(parse_xlsx(content, source_name), start=1)]
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ReferenceError(_("%(name)s is not in UTF-8") % {"name": source_name}) from exc
    return parse_catalogue(text, source_name)


def import_entries(entries: list[dict], *, by=None) -> CatalogueReport:
    """Add the works of a catalogue; a work whose values differ gets a new version. The caller makes it atomic."""
    report = CatalogueReport()
    for entry in entries:
        key = {k: entry[k] for k in KEY}
        existed = Assessment.objects.filter(**key).exists()
        assessment = assessment_for(**key, form=entry["form"])
        values = entry["values"]
        if same_values(assessment.reference(), values):
            report.unchanged += 1
            continue
        add_version(assessment, by=by, **values)
        report.versions += 1
        report.created += 0 if existed else 1
    return report


def parse_catalogue(text: str, source_name: str) -> list[dict]:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise ReferenceError(_("%(name)s is not valid YAML: %(error)s") % {"name": source_name, "error": exc}) from exc
    tests = data.get("tests") if isinstance(data, dict) else None
    if not isinstance(tests, list):
        raise ReferenceError(_("%(name)s: expected a list under the key “tests”") % {"name": source_name})
    return parse_entries(tests, source_name)


def parse_entries(items: list, source_name: str) -> list[dict]:
    """Catalogue items (dicts of the YAML form) validated into entries."""
    return [_entry(item, n, source_name) for n, item in enumerate(items, start=1)]


def _entry(item, n: int, source_name: str) -> dict:
    where = _("%(name)s, test %(n)d") % {"name": source_name, "n": n}
    if not isinstance(item, dict):
        raise ReferenceError(_("%(where)s: expected a mapping of fields") % {"where": where})
    key = {
        "procedure": _choice(item, "procedure", Procedure.values, where, default="vpr"),
        "year": _number(item, "year", where, low=2000, high=2100),
        "period": _choice(item, "period", Period.values, where, default="spring"),
        "grade": _number(item, "grade", where, low=1, high=11),
        "subject": _choice(item, "subject", list(SUBJECT_BY_CODE), where),
        "form": _choice(item, "form", Form.values, where, default="paper"),
    }
    columns = [_column(c, i, where) for i, c in enumerate(item.get("columns") or [], start=1)]
    scale = item.get("scale") or {}
    cuts = {f"cut{m}": _optional_number(scale, str(m), where) for m in (3, 4, 5)}
    max_total = _optional_number(item, "max_total", where) or (sum(c["max"] for c in columns) or None)
    _check_scale(cuts, max_total, where)
    values = {"max_total": max_total, **cuts, "columns": columns, "source": str(item.get("source") or "")[:300]}
    values["inferred"] = bool(item.get("inferred", False))
    return {**key, "values": values}


def _choice(item: dict, key: str, allowed, where: str, default: str | None = None) -> str:
    value = str(item.get(key, default) if item.get(key, default) is not None else "")
    if value not in allowed:
        raise ReferenceError(
            _("%(where)s, field “%(key)s”: “%(value)s” is not one of %(allowed)s")
            % {"where": where, "key": key, "value": value, "allowed": ", ".join(allowed)}
        )
    return value


def _number(item: dict, key: str, where: str, *, low: int = 0, high: int = 10_000) -> int:
    value = item.get(key)
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise ReferenceError(
            _("%(where)s, field “%(key)s”: expected a whole number from %(low)d to %(high)d, got “%(value)s”")
            % {"where": where, "key": key, "low": low, "high": high, "value": value}
        )
    return value


def _optional_number(item: dict, key: str, where: str) -> int | None:
    return None if item.get(key) is None else _number(item, key, where)


def _column(column, number: int, where: str) -> dict:
    place = _("%(where)s, column %(n)d") % {"where": where, "n": number}
    if not isinstance(column, dict):
        raise ReferenceError(_("%(where)s: expected a mapping of fields") % {"where": place})
    level = str(column.get("level") or "").upper() or None
    if level is not None and level not in LEVELS:
        raise ReferenceError(
            _("%(where)s, field “level”: expected Б, П or В, got “%(value)s”") % {"where": place, "value": level}
        )
    return {
        "number": number,
        "label": str(column.get("label") or number),
        "max": _number(column, "max", place, low=1, high=100),
        "level": level,
        "auto": bool(column.get("auto", False)),
        "criterion": None if column.get("criterion") is None else bool(column["criterion"]),
    }


def _check_scale(cuts: dict, max_total: int | None, where: str) -> None:
    values = [cuts["cut3"], cuts["cut4"], cuts["cut5"]]
    if all(v is None for v in values):
        return
    if any(v is None for v in values) or not values[0] < values[1] < values[2]:
        raise ReferenceError(_("%(where)s: the scale needs «3» < «4» < «5»") % {"where": where})
    if max_total is not None and values[2] > max_total:
        raise ReferenceError(_("%(where)s: the «5» cut is above the maximum score") % {"where": where})
