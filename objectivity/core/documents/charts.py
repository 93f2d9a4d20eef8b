"""Vega-Lite specs of the pages drawn for documents: SVG for PDF, PNG for DOCX, offline (vl-convert), numbers in
Russian («10 235», «12,5»)."""

import copy

import vl_convert

WIDTH_PX = 560  # about 15 cm at 96 dpi: the text width of an A4 page in portrait
PNG_SCALE = 2  # 192 dpi in DOCX: sharp in print


def points(spec: dict) -> int | None:
    """How many data points the spec draws from its inline values (layers' included); None when it names no inline
    values, so it cannot be told."""
    found = [len(part["data"]["values"]) for part in _parts(spec) if "values" in part.get("data", {})]
    return sum(found) if found else None


def drawable(spec: dict) -> bool:
    """A chart with one point, or none, says nothing a sentence would not: such charts are replaced by their text."""
    count = points(spec)
    return count is None or count >= 2


# No data from any address (a closed network: the specs carry their values); Russian number and date formats.
def to_svg(spec: dict) -> str:
    return vl_convert.vegalite_to_svg(
        _for_print(spec), allowed_base_urls=[], format_locale="ru-RU", time_format_locale="ru-RU"
    )


def to_png(spec: dict) -> bytes:
    return vl_convert.vegalite_to_png(
        _for_print(spec), scale=PNG_SCALE, allowed_base_urls=[], format_locale="ru-RU", time_format_locale="ru-RU"
    )


def _for_print(spec: dict) -> dict:
    """A page's spec fills its container; on paper it takes the text width, and nothing is interactive."""
    printed = copy.deepcopy(spec)
    for part in _parts(printed):
        if part.get("width") == "container":
            part["width"] = WIDTH_PX
    printed.pop("params", None)
    return printed


def _parts(spec: dict) -> list[dict]:
    parts = [spec]
    for key in ("layer", "concat", "hconcat", "vconcat"):
        for child in spec.get(key, []):
            parts.extend(_parts(child))
    return parts
