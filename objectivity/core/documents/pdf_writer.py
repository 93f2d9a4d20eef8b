"""A Document as PDF: HTML from one template, laid out by WeasyPrint (A4, the issuing body in the running header,
«Стр. N из M» in the footer, charts as vector SVG)."""

from collections.abc import Callable
from typing import Any

from django.template.loader import render_to_string
from django.utils.safestring import mark_safe

from objectivity.core.documents import charts
from objectivity.core.documents.content import Chart, Document, Heading, PageBreak, Paragraph, Section, Table


def write_pdf(document: Document) -> bytes:
    import weasyprint  # loads pango and fonts: only when a PDF is made, not with every page of the app

    html = render_to_string("core/document.html", {"document": document, "blocks": _blocks(document)})
    return weasyprint.HTML(string=html, base_url=None).write_pdf()


def _blocks(document: Document) -> list[dict]:
    return [_BLOCK_VIEWS[type(block)](block) for block in document.blocks]


def _heading(block: Heading) -> dict:
    return {"kind": "heading", "text": block.text, "level": min(max(block.level, 1), 2) + 1}


def _paragraph(block: Paragraph) -> dict:
    return {"kind": "paragraph", "text": block.text, "note": block.note}


def _table(block: Table) -> dict:
    numeric = block.numeric_columns()
    total = sum(block.widths) if block.widths else 0
    return {
        "kind": "table",
        "caption": block.caption,
        "headers": block.headers,
        "widths": [round(100 * w / total, 1) for w in block.widths] if total else [],
        "rows": [
            {"section": row.text}
            if isinstance(row, Section)
            else {"cells": [{"text": text, "numeric": i in numeric} for i, text in enumerate(row)]}
            for row in block.text_rows()
        ],
        "empty_text": block.empty_text,
        "columns": len(block.headers),
    }


def _chart(block: Chart) -> dict:
    if not charts.drawable(block.spec):
        return {"kind": "paragraph", "text": f"{block.caption}. {block.empty_text}", "note": True}
    # vl-convert's SVG: generated from the spec by Vega, texts escaped by it
    return {"kind": "chart", "svg": mark_safe(charts.to_svg(block.spec)), "caption": block.caption}


def _page_break(block: PageBreak) -> dict:
    return {"kind": "page_break"}


_BLOCK_VIEWS: dict[type, Callable[[Any], dict]] = {
    Heading: _heading,
    Paragraph: _paragraph,
    Table: _table,
    Chart: _chart,
    PageBreak: _page_break,
}
