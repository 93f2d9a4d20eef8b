"""Generated files opened as a user's programs open them: DOCX through python-docx and LibreOffice, PDF through pypdf
and poppler (pdftoppm renders pages to PNG). Shared by every test of a document."""

import io
import subprocess
import tempfile
from pathlib import Path

import docx
from pypdf import PdfReader


def docx_text(content: bytes) -> str:
    """Every paragraph of the body, tables' cells included, in order, one per line."""
    document = docx.Document(io.BytesIO(content))
    lines = [p.text for p in document.paragraphs]
    for table in document.tables:
        for row in table.rows:
            lines.extend(cell.text for cell in row.cells)
    return "\n".join(lines)


def pdf_text(content: bytes) -> str:
    """The text of every page with each run of white space as one space: a cell's line breaks fall where the
    layout puts them, so a test looks for words in order, not for lines."""
    text = " ".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


def pdf_page_count(content: bytes) -> int:
    return len(PdfReader(io.BytesIO(content)).pages)


def pdf_to_pngs(content: bytes, folder: Path, dpi: int = 40) -> list[Path]:
    """Each page as a PNG, as poppler draws it: a PDF that renders is one a viewer can show."""
    source = folder / "document.pdf"
    source.write_bytes(content)
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(source), str(folder / "page")], check=True, timeout=120)
    return sorted(folder.glob("page-*.png"))


def libreoffice_pdf(content: bytes, suffix: str = ".docx") -> bytes:
    """The document converted by LibreOffice (`--headless --convert-to pdf`): it opens, and what it shows."""
    with tempfile.TemporaryDirectory() as temp:
        folder = Path(temp)
        source = folder / f"document{suffix}"
        source.write_bytes(content)
        profile = (folder / "profile").as_uri()  # its own profile: parallel conversions do not wait on one lock
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation={profile}",
                "--headless",
                "--convert-to",
                "pdf",
                "--outdir",
                temp,
                str(source),
            ],
            check=True,
            capture_output=True,
            timeout=180,
        )
        return (folder / "document.pdf").read_bytes()
