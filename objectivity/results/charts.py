"""Vega-Lite chart specifications of the results pages: the browser draws them with the bundled
vega-embed, and the same specs become SVG/PNG for documents through vl-convert."""

from django.utils.translation import gettext as _

PALETTE = ["#2f6f9f", "#8fb8d8", "#c9d6df", "#e0a458"]  # the selected unit first, then wider levels
MARK_COLOURS = {"2": "#c0504d", "3": "#e0a458", "4": "#8fb8d8", "5": "#2f6f9f"}
BASE = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "width": "container",
    "config": {"font": "DejaVu Sans, Liberation Sans, sans-serif", "view": {"stroke": None}},
}


def _spec(**parts) -> dict:
    return {**BASE, **parts}


def marks_chart(levels: list[dict]) -> dict:
    """levels: [{"level": name, "share_2".."share_5": percent}] → stacked bars per level."""
    values = [
        {"level": row["level"], "mark": str(m), "share": round(row[f"share_{m}"], 1)}
        for row in levels
        for m in (2, 3, 4, 5)
        if row.get(f"share_{m}") is not None
    ]
    return _spec(
        height={"step": 28},
        data={"values": values},
        mark={"type": "bar"},
        encoding={
            "y": {"field": "level", "type": "nominal", "title": None, "sort": None},
            "x": {
                "field": "share",
                "type": "quantitative",
                "title": _("Share of participants"),
                "stack": "normalize",
                "axis": {"format": "%"},
            },
            "color": {
                "field": "mark",
                "type": "ordinal",
                "title": _("Mark"),
                "scale": {"domain": list(MARK_COLOURS), "range": list(MARK_COLOURS.values())},
            },
            "order": {"field": "mark"},
            "tooltip": [
                {"field": "level", "title": _("Level")},
                {"field": "mark", "title": _("Mark")},
                {"field": "share", "title": "%"},
            ],
        },
    )


def scores_chart(values: list[dict], cuts: tuple[int, int, int] | None) -> dict:
    """values: [{"level", "score", "share"}]; the first level as bars, the wider ones as lines; cuts as rules."""
    levels = list(dict.fromkeys(v["level"] for v in values))
    first = levels[0] if levels else ""
    colour = {
        "field": "level",
        "type": "nominal",
        "title": None,
        "sort": levels,
        "scale": {"domain": levels, "range": PALETTE[: len(levels)]},
    }
    axes = {
        "x": {"field": "score", "type": "ordinal", "title": _("Primary score"), "axis": {"labelAngle": 0}},
        "y": {"field": "share", "type": "quantitative", "title": _("Participants, %")},
        "color": colour,
        "tooltip": [
            {"field": "level", "title": _("Level")},
            {"field": "score", "title": _("Score")},
            {"field": "share", "title": "%", "format": ".1f"},
        ],
    }
    layers: list[dict] = [
        {
            "data": {"values": [v for v in values if v["level"] == first]},
            "mark": {"type": "bar", "opacity": 0.85},
            "encoding": axes,
        },
        {
            "data": {"values": [v for v in values if v["level"] != first]},
            "mark": {"type": "line", "point": True, "interpolate": "step"},
            "encoding": axes,
        },
    ]
    if cuts:
        rules = [{"score": c, "label": f"«{m}» ≥ {c}"} for m, c in zip((3, 4, 5), cuts, strict=True)]
        layers.append(
            {
                "data": {"values": rules},
                "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#555", "strokeWidth": 1.5},
                "encoding": {
                    "x": {"field": "score", "type": "ordinal"},
                    "tooltip": [{"field": "label", "title": _("Cut score")}],
                },
            }
        )
    return _spec(height=220, layer=layers)


def tasks_chart(values: list[dict]) -> dict:
    """values: [{"level", "task" (label), "completion"}] → grouped bars per task."""
    levels = list(dict.fromkeys(v["level"] for v in values))
    return _spec(
        height=200,
        data={"values": values},
        mark={"type": "bar"},
        encoding={
            "x": {"field": "task", "type": "ordinal", "title": _("Task"), "sort": None, "axis": {"labelAngle": 0}},
            "xOffset": {"field": "level", "sort": levels},
            "y": {
                "field": "completion",
                "type": "quantitative",
                "title": _("Completion, %"),
                "scale": {"domain": [0, 100]},
            },
            "color": {
                "field": "level",
                "type": "nominal",
                "title": None,
                "sort": levels,
                "scale": {"domain": levels, "range": PALETTE[: len(levels)]},
            },
            "tooltip": [
                {"field": "level", "title": _("Level")},
                {"field": "task", "title": _("Task")},
                {"field": "completion", "title": "%", "format": ".1f"},
            ],
        },
    )


def journal_chart(levels: list[dict]) -> dict:
    """levels: [{"level", "lowered", "confirmed", "raised"}] → stacked bars."""
    names = {"lowered": _("Lowered"), "confirmed": _("Confirmed"), "raised": _("Raised")}
    values = [
        {"level": row["level"], "kind": names[k], "order": i, "share": round(row[k], 1)}
        for row in levels
        for i, k in enumerate(names)
        if row.get(k) is not None
    ]
    return _spec(
        height={"step": 28},
        data={"values": values},
        mark={"type": "bar"},
        encoding={
            "y": {"field": "level", "type": "nominal", "title": None, "sort": None},
            "x": {
                "field": "share",
                "type": "quantitative",
                "title": _("Share of participants with a journal mark"),
                "stack": "normalize",
                "axis": {"format": "%"},
            },
            "color": {
                "field": "kind",
                "type": "nominal",
                "title": None,
                "sort": list(names.values()),
                "scale": {"domain": list(names.values()), "range": ["#8fb8d8", "#c9d6df", "#e0a458"]},
            },
            "order": {"field": "order"},
            "tooltip": [
                {"field": "level", "title": _("Level")},
                {"field": "kind", "title": " "},
                {"field": "share", "title": "%"},
            ],
        },
    )


def history_chart(points: list[dict]) -> dict:
    """points: [{"step": "2024, 4 кл.", "level", "percent"}] → the parallel's mean percent over the years."""
    levels = list(dict.fromkeys(p["level"] for p in points))
    return _spec(
        height=180,
        data={"values": points},
        mark={"type": "line", "point": True},
        encoding={
            "x": {"field": "step", "type": "ordinal", "title": None, "axis": {"labelAngle": 0}},
            "y": {
                "field": "percent",
                "type": "quantitative",
                "title": _("Mean share of the maximum, %"),
                "scale": {"zero": False},
            },
            "color": {
                "field": "level",
                "type": "nominal",
                "title": None,
                "sort": levels,
                "scale": {"domain": levels, "range": PALETTE[: len(levels)]},
            },
            "tooltip": [
                {"field": "level", "title": _("Level")},
                {"field": "step", "title": " "},
                {"field": "percent", "title": "%"},
            ],
        },
    )
