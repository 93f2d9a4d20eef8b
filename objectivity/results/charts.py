"""Vega-Lite chart specifications of the results pages: the browser draws them with the bundled
vega-embed, and the same specs become SVG/PNG for documents through vl-convert."""

from django.utils.translation import gettext as _

from objectivity.analysis.russian import decimal

PALETTE = ["#2f6f9f", "#8fb8d8", "#c9d6df", "#e0a458"]  # the selected unit first, then wider levels
MARK_COLOURS = ["#c0504d", "#e0a458", "#8fb8d8", "#2f6f9f"]  # «2» … «5»
BASE = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "width": "container",
    # Vega's own ARIA texts for axes and marks are English («X-axis titled …», «bar»): they are switched off and
    # each chart says what it shows, in Russian, through its `description` (the screen reader's label).
    "config": {"font": "DejaVu Sans, Liberation Sans, sans-serif", "view": {"stroke": None}, "aria": False},
}


def _spec(description: str, **parts) -> dict:
    return {**BASE, "description": description, **parts}


def _percent(value: float) -> str:
    return f"{decimal(value)} %"


def _shares_text(levels: list[dict], parts: dict[str, str]) -> str:
    """«ОО: 2 — 5,0 %, 3 — 30,0 %; регион: …» for stacked bars."""
    return "; ".join(
        f"{row['level']}: "
        + ", ".join(f"{label} — {_percent(row[key])}" for key, label in parts.items() if row.get(key) is not None)
        for row in levels
    )


def marks_chart(levels: list[dict]) -> dict:
    """levels: [{"level": name, "share_2".."share_5": percent}] → stacked bars per level."""
    parts = {f"share_{m}": str(m) for m in (2, 3, 4, 5)}
    text = _("Marks by level") + ": " + _shares_text(levels, {k: f"«{v}»" for k, v in parts.items()})
    return _stacked(levels, parts, MARK_COLOURS, _("Share of participants"), _("Mark"), text)


def _stacked(
    levels: list[dict], parts: dict[str, str], colours: list[str], x_title: str, legend: str | None, description: str
) -> dict:
    """One horizontal bar per level, split into `parts` (row key → label) as shares of 100 %."""
    values = [
        {"level": row["level"], "part": label, "order": i, "share": round(row[key], 1)}
        for row in levels
        for i, (key, label) in enumerate(parts.items())
        if row.get(key) is not None
    ]
    labels = list(parts.values())
    return _spec(
        description,
        height={"step": 28},
        data={"values": values},
        mark={"type": "bar"},
        encoding={
            "y": {"field": "level", "type": "nominal", "title": None, "sort": None},
            "x": {
                "field": "share",
                "type": "quantitative",
                "title": x_title,
                "stack": "normalize",
                "axis": {"format": "%"},
            },
            "color": {
                "field": "part",
                "type": "nominal",
                "title": legend,
                "sort": labels,
                "scale": {"domain": labels, "range": colours},
            },
            "order": {"field": "order"},
            "tooltip": [
                {"field": "level", "title": _("Level")},
                {"field": "part", "title": legend or " "},
                {"field": "share", "title": "%"},
            ],
        },
    )


def _level_colour(levels: list[str]) -> dict:
    """Colour by level in the given order: the selected unit first (PALETTE's strong colour), then wider ones."""
    return {
        "field": "level",
        "type": "nominal",
        "title": None,
        "sort": levels,
        "scale": {"domain": levels, "range": PALETTE[: len(levels)]},
    }


def scores_chart(values: list[dict], cuts: tuple[int, int, int] | None) -> dict:
    """values: [{"level", "score", "share"}]; the first level as bars, the wider ones as lines; cuts as rules."""
    levels = list(dict.fromkeys(v["level"] for v in values))
    first = levels[0] if levels else ""
    colour = _level_colour(levels)
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
    text = _("Distribution of primary scores") + ": " + ", ".join(levels)
    if cuts:
        text += "; " + _("cut scores") + ": " + ", ".join(f"«{m}» ≥ {c}" for m, c in zip((3, 4, 5), cuts, strict=True))
    return _spec(text, height=220, layer=layers)


def tasks_chart(values: list[dict]) -> dict:
    """values: [{"level", "task" (label), "completion"}] → grouped bars per task."""
    levels = list(dict.fromkeys(v["level"] for v in values))
    return _spec(
        _("Completion of tasks, %") + ": " + ", ".join(levels),
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
            "color": _level_colour(levels),
            "tooltip": [
                {"field": "level", "title": _("Level")},
                {"field": "task", "title": _("Task")},
                {"field": "completion", "title": "%", "format": ".1f"},
            ],
        },
    )


def journal_chart(levels: list[dict]) -> dict:
    """levels: [{"level", "lowered", "confirmed", "raised"}] → stacked bars."""
    parts = {"lowered": _("Lowered"), "confirmed": _("Confirmed"), "raised": _("Raised")}
    colours = ["#8fb8d8", "#c9d6df", "#e0a458"]
    text = _("ВПР marks against journal marks") + ": " + _shares_text(levels, parts)
    return _stacked(levels, parts, colours, _("Share of participants with a journal mark"), None, text)


def history_chart(points: list[dict]) -> dict:
    """points: [{"step": "2024, 4 кл.", "level", "percent"}] → the parallel's mean percent over the years."""
    levels = list(dict.fromkeys(p["level"] for p in points))
    steps = "; ".join(f"{p['level']}, {p['step']}: {_percent(p['percent'])}" for p in points)
    return _spec(
        _("Mean share of the maximum over the years") + ": " + steps,
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
            "color": _level_colour(levels),
            "tooltip": [
                {"field": "level", "title": _("Level")},
                {"field": "step", "title": " "},
                {"field": "percent", "title": "%"},
            ],
        },
    )
