"""Files -> lines of text with page numbers, headings and raw metadata (ingest/html.py and
ingest/pdf.py do the work for pages saved from the web and PDFs as published).

Every loader returns the same shape (``Loaded``), so chunking never cares where text came from.
A file that cannot be read raises ``SkipFile`` with a reason a person can act on; the pipeline
records it and goes on with the next file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ingest.html import read_html
from ingest.pdf import read_pages
from iitkb.schema import DOCUMENT_TYPES, unsupported_type

SIDECAR_SUFFIX = ".meta.yaml"
# Bounds on what one file may cost to read, so that a hostile or broken file is skipped instead of
# holding the run. The bundled PDFs have at most 3 pages and a bound compendium of rules runs to
# a few hundred: 2,000 leaves room for any real one and refuses a 10,000-page file before its
# pages are parsed.
MAX_PDF_PAGES = 2000
# A DOCX is a zip: its bounds (iitkb/archives.py) are shared with questionnaire intake.


class SkipFile(Exception):
    """This file is left out of the run; the message says why and what to do."""


@dataclass
class Line:
    text: str
    page: int | None = None
    heading: int | None = None     # 1..6 when the source marks the line as a heading


@dataclass
class Loaded:
    lines: list[Line]
    meta: dict = field(default_factory=dict)   # front matter or sidecar, unchecked
    hints: dict = field(default_factory=dict)  # read from the file itself (an HTML <title>): weaker
    ocr_pages: list[int] = field(default_factory=list)   # pages that are images with no text layer


def sidecar_path(path: Path) -> Path:
    return path.with_name(path.name.rsplit(".", 1)[0] + SIDECAR_SUFFIX)


def load(path: Path) -> Loaded:
    suffix = path.suffix.lower()
    if suffix not in DOCUMENT_TYPES:
        raise SkipFile(unsupported_type(suffix, DOCUMENT_TYPES))
    loader = {".pdf": load_pdf, ".docx": load_docx, ".html": load_html, ".htm": load_html,
              ".txt": load_text}.get(suffix, load_markdown)
    loaded = loader(path)
    if suffix != ".md" and suffix != ".markdown":
        loaded.meta = {**loaded.meta, **read_sidecar(path)}
    if not any(line.text.strip() for line in loaded.lines):
        raise SkipFile("no text in the file: nothing to index")
    return loaded


def read_sidecar(path: Path) -> dict:
    side = sidecar_path(path)
    if not side.exists():
        return {}
    return _parse_yaml(decode_bytes(side.read_bytes()), side.name)


def _parse_yaml(text: str, where: str) -> dict:
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}" if mark else ""
        raise SkipFile(f"metadata in {where} is not valid YAML{at}: fix it and ingest again") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise SkipFile(f"metadata in {where} must be a mapping of field: value")
    return data


def decode_bytes(data: bytes) -> str:
    """UTF-8 first (BOM allowed), then GB18030, the superset of GBK and GB2312."""
    if b"\x00" in data[:8192]:
        raise SkipFile("binary content (NUL bytes): not a text document")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SkipFile("text is neither UTF-8 nor GB18030/GBK: save it as UTF-8 and ingest again")


_FRONT = re.compile(r"\A---[ \t]*\r?\n(.*?)\r?\n---[ \t]*(\r?\n|\Z)", re.S)
_MD_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$")


def load_markdown(path: Path) -> Loaded:
    text = decode_bytes(path.read_bytes())
    meta: dict = {}
    match = _FRONT.match(text)
    if match:
        meta = _parse_yaml(match.group(1), f"the front matter of {path.name}")
        text = text[match.end():]
    elif text.startswith("---"):
        raise SkipFile("front matter opened with '---' but never closed: add the closing '---' line")
    lines = []
    for raw in text.splitlines():
        heading = _MD_HEADING.match(raw)
        if heading:
            lines.append(Line(_strip_md(heading.group(2)), heading=len(heading.group(1))))
        else:
            lines.append(Line(_strip_md(raw)))
    return Loaded(lines, meta)


def _strip_md(text: str) -> str:
    """Drop emphasis markers and link targets so quotes read as plain text."""
    text = re.sub(r"\*\*(.+?)\*\*|__(.+?)__", lambda m: m.group(1) or m.group(2), text)
    text = re.sub(r"\[([^\]]+)\]\([^)]*\)", r"\1", text)
    return text.rstrip()


def load_text(path: Path) -> Loaded:
    return Loaded([Line(raw.rstrip()) for raw in decode_bytes(path.read_bytes()).splitlines()])


def load_pdf(path: Path) -> Loaded:
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        if reader.is_encrypted and not reader.decrypt(""):
            raise SkipFile("encrypted PDF: remove the password (e.g. `qpdf --decrypt`) and ingest again")
        count = len(reader.pages)
        if count > MAX_PDF_PAGES:
            raise SkipFile(f"PDF has {count:,} pages, over the {MAX_PDF_PAGES:,}-page limit: split it "
                           "into parts and ingest those")
        pages = list(reader.pages)
    except SkipFile:
        raise
    except (PdfReadError, ValueError, KeyError, OSError, TypeError) as exc:
        raise SkipFile(f"damaged or truncated PDF ({exc.__class__.__name__}): export or download it again") from None
    if not pages:
        raise SkipFile("PDF has no pages")
    text = read_pages(pages, _page_text)
    lines = [Line(line, page=number) for number, page_lines in enumerate(text.pages, start=1)
             for line in page_lines]
    if not any(line.text.strip() for line in lines):
        scans = f" (pages {_page_list(text.ocr_pages)} are images)" if text.ocr_pages else ""
        raise SkipFile(f"PDF has no extractable text (scanned or image-only?){scans}: run OCR "
                       "(e.g. ocrmypdf) and ingest the result")
    return Loaded(lines, ocr_pages=text.ocr_pages)


def _page_text(page, number: int) -> str:
    try:
        return page.extract_text() or ""
    except Exception as exc:  # pypdf raises many types on broken content streams
        raise SkipFile(f"page {number} cannot be read ({exc.__class__.__name__}): "
                       "export the PDF again") from None


def _page_list(pages: list[int]) -> str:
    return ", ".join(str(p) for p in pages)


def load_docx(path: Path) -> Loaded:
    import docx
    from docx.opc.exceptions import PackageNotFoundError

    check_zip(path, "DOCX")
    try:
        document = docx.Document(str(path))
    except (PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise SkipFile(f"not a readable DOCX ({exc.__class__.__name__}): save it again from Word "
                       "as .docx") from None
    except Exception as exc:  # zipfile.BadZipFile and lxml errors on damaged files
        raise SkipFile(f"damaged DOCX ({exc.__class__.__name__}): save it again from Word") from None
    lines = []
    for para in document.paragraphs:
        style = (para.style.name or "") if para.style is not None else ""
        level = re.match(r"(?:Heading|标题)\s*(\d)", style)
        if style == "Title":
            level = None
        lines.append(Line(para.text.rstrip(), heading=int(level.group(1)) if level else None))
    for table in document.tables:
        for row in table.rows:
            lines.append(Line(" | ".join(cell.text.strip() for cell in row.cells)))
    return Loaded(lines)


def check_zip(path: Path, kind: str):
    """Refuse a zip that would unzip to far more than any real document (a zip bomb)."""
    from iitkb.archives import zip_problem

    problem = zip_problem(path, kind)
    if problem:
        raise SkipFile(problem)


def load_html(path: Path) -> Loaded:
    blocks, hints = read_html(decode_bytes(path.read_bytes()))
    return Loaded([Line(b.text, heading=b.heading) for b in blocks], hints=hints)
