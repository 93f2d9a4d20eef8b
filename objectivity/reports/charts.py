"""Vega-Lite specs of the dashboard: the same definitions draw the pages (vega-embed) and the documents (vl-convert).
Each chart says what it shows in its description, in Russian (the screen reader's label)."""

from django.utils.translation import gettext as _

from objectivity.core.typography import number, percent

BASE = {
    "$schema": "https://vega.github.io/schema/vega-lite/v5.json",
    "width": "container",
    "config": {"font": "DejaVu Sans, Liberation Sans, sans-serif", "view": {"stroke": None}, "aria": False},
}
METHOD_COLOURS = {"range": ["#2f6f9f", "#e0a458"]}  # ours, the published method
SIGN_COLOURS = {"domain": ["ours", "fioco", "none"], "range": ["#a33a3a", "#e0a458", "#8fb8d8"]}


def _spec(description: str, **parts) -> dict:
    return {**BASE, "description": description, **parts}


def index_chart(rows: list[dict]) -> dict:
    """The level of objectivity over years by both methods (two lines; never one merged line)."""
    ours, fioco = _("combination of layers"), _("published method (ФИОКО)")
    values = [
        {"year": str(r["year"]), "method": name, "level": round(r[key], 1)}
        for r in rows
        for name, key in ((ours, "ours_level"), (fioco, "fioco_level"))
    ]
    text = (
        _("Level of objectivity by year")
        + ": "
        + "; ".join(
            f"{r['year']}: {ours} {percent(r['ours_level'])}, {fioco} {percent(r['fioco_level'])}" for r in rows
        )
    )
    return _spec(
        text,
        height=200,
        data={"values": values},
        mark={"type": "line", "point": True},
        encoding={
            "x": {"field": "year", "type": "ordinal", "title": _("Year"), "axis": {"labelAngle": 0}},
            "y": {"field": "level", "type": "quantitative", "title": _("Level, %"), "scale": {"zero": False}},
            "color": {
                "field": "method",
                "type": "nominal",
                "title": _("Method"),
                "scale": {"domain": [ours, fioco], **METHOD_COLOURS},
                "legend": {"labelLimit": 280},
            },
            "tooltip": [
                {"field": "year", "title": _("Year")},
                {"field": "method", "title": _("Method")},
                {"field": "level", "title": "%", "format": ".1f"},
            ],
        },
    )


def municipality_chart(rows: list[dict], key: str, title: str) -> dict:
    """Share of schools with signs (`key`: ours_share or fioco_share) per municipality, a bar per year."""
    values = [
        {"municipality": r["municipality"], "year": str(r["year"]), "share": round(r[key], 1), "count": r[key[:-6]]}
        for r in rows
    ]
    latest = max((r["year"] for r in rows), default=0)
    text = f"{title}: " + "; ".join(f"{r['municipality']} {percent(r[key])}" for r in rows if r["year"] == latest)
    return _spec(
        text,
        height={"step": 14},
        data={"values": values},
        mark={"type": "bar"},
        encoding={
            "y": {"field": "municipality", "type": "nominal", "title": None, "sort": None},
            "yOffset": {"field": "year", "type": "ordinal"},
            "x": {"field": "share", "type": "quantitative", "title": title},
            "color": {"field": "year", "type": "ordinal", "title": _("Year"), "scale": {"scheme": "blues"}},
            "tooltip": [
                {"field": "municipality", "title": _("Municipality")},
                {"field": "year", "title": _("Year")},
                {"field": "share", "title": "%", "format": ".1f"},
                {"field": "count", "title": _("Schools")},
            ],
        },
    )


def funnel_chart(funnel: dict) -> dict:
    """Schools as points (participants, mean primary score), the region's mean and the 95 % / 99.8 % limits."""
    sign_words = {"ours": _("sign of the combination of layers"), "fioco": _("ФИОКО marker"), "none": _("no sign")}
    points = [{**p, "what": sign_words[p["sign"]]} for p in funnel["points"]]
    text = _("Funnel plot of %(work)s: %(n)s schools, the region's mean %(mean)s") % {
        "work": funnel["work"],
        "n": number(len(points)),
        "mean": number(funnel["mean"], 1),
    }
    mean = {
        "data": {"values": [{"mean": funnel["mean"]}]},
        "mark": {"type": "rule", "color": "#444"},
        "encoding": {"y": {"field": "mean", "type": "quantitative", "title": None}},
    }
    layers = [_limit_layer(funnel["limits"], "high"), _limit_layer(funnel["limits"], "low"), mean]
    return _spec(text, height=300, layer=[*layers, _points_layer(points, sign_words)])


def _funnel_x() -> dict:
    return {"field": "n", "type": "quantitative", "title": _("Participants"), "scale": {"type": "log", "nice": False}}


def _limit_layer(limits: list[dict], side: str) -> dict:
    """One dashed line per confidence level (`detail` on z), along the upper or the lower limit."""
    return {
        "data": {"values": limits},
        "mark": {"type": "line", "strokeDash": [4, 3], "color": "#777", "strokeWidth": 1},
        "encoding": {
            "x": _funnel_x(),
            "detail": {"field": "z"},
            "y": {"field": side, "type": "quantitative", "title": None},
        },
    }


def _points_layer(points: list[dict], sign_words: dict[str, str]) -> dict:
    colour = {"field": "sign", "type": "nominal", "title": _("Signs"), "scale": SIGN_COLOURS}
    colour["legend"] = {"labelExpr": _legend_expr(sign_words), "labelLimit": 280}
    return {
        "data": {"values": points},
        "mark": {"type": "point", "filled": True, "opacity": 0.75},
        "encoding": {
            "x": _funnel_x(),
            "y": {"field": "mean", "type": "quantitative", "title": _("Mean primary score"), "scale": {"zero": False}},
            "color": colour,
            "tooltip": [
                {"field": "school", "title": _("School")},
                {"field": "n", "title": _("Participants")},
                {"field": "mean", "title": _("Mean primary score"), "format": ".2f"},
                {"field": "what", "title": _("Signs")},
            ],
        },
    }


def _legend_expr(words: dict[str, str]) -> str:
    """A Vega expression that shows the sign codes of the legend as words."""
    cases = " : ".join(f"datum.label == '{code}' ? '{word}'" for code, word in words.items())
    return f"{cases} : datum.label"
