"""One place that writes a document: content blocks (`content`) rendered as DOCX (python-docx) or PDF (WeasyPrint)
from the same content, charts from the pages' Vega-Lite definitions. Reports, plans, protocols and acts use it.

    from objectivity.core import documents
    doc = documents.Document(title=…, issuer=…, blocks=[documents.Heading(…), documents.Table(…)])
    response = documents.response(doc, "pdf", "перечень-2026")
"""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import quote

from django.http import HttpResponse

from objectivity.core.documents.content import (
    Block,
    Chart,
    Document,
    Heading,
    PageBreak,
    Paragraph,
    Section,
    Signature,
    Table,
)
from objectivity.core.documents.docx_writer import write_docx
from objectivity.core.documents.pdf_writer import write_pdf

__all__ = [
    "Block",
    "Chart",
    "Document",
    "FORMATS",
    "Heading",
    "PageBreak",
    "Paragraph",
    "Section",
    "Signature",
    "Table",
    "render",
    "response",
]


@dataclass(frozen=True)
class Format:
    extension: str
    content_type: str
    write: Callable[[Document], bytes]


FORMATS = {
    "docx": Format("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", write_docx),
    "pdf": Format("pdf", "application/pdf", write_pdf),
}


def render(document: Document, fmt: str) -> bytes:
    """The document's bytes in `fmt` ("docx" or "pdf"); KeyError for another."""
    return FORMATS[fmt].write(document)


def response(document: Document, fmt: str, filename: str) -> HttpResponse:
    """A download of the document; the Cyrillic file name through RFC 5987."""
    spec = FORMATS[fmt]
    result = HttpResponse(render(document, fmt), content_type=spec.content_type)
    name = f"{filename}.{spec.extension}"
    result["Content-Disposition"] = (
        f"attachment; filename=\"document.{spec.extension}\"; filename*=UTF-8''{quote(name)}"
    )
    return result
