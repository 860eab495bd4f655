"""PDFs as published -> the document's own lines, with page numbers.

Published PDFs repeat a running header ("国家药品监督管理局公告"), a footer and a page number on
every page; left in, they land inside whichever article crosses the page break and are quoted as
if they were the rule. A line at the top or bottom of a page that recurs (digits aside) on at
least half of the pages is page furniture, and so is a bare page number there.

Lines wrapped by the page width are joined back into paragraphs, so an article's 款 reach the
chunker whole. Pages with an image and no text layer are scans: they are listed, with their
numbers, as needing OCR instead of being silently indexed as empty.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

from ingest.structure import BLOCK_START
from iitkb.text import CJK

# Lines at each end of a page that may be a running header or footer (title + rule line + number).
EDGE_LINES = 3
# Share of the pages with text on which an edge line must recur to count as furniture.
REPEAT_SHARE = 0.5
# Fewer characters than this on a page that shows an image: a scan (a stamp or page number only).
OCR_TEXT_MIN = 20
# A line at least this share of the document's widest line, with no sentence end, was wrapped...
WRAP_SHARE = 0.8
# ...if it is also at least this wide (display columns; a CJK character counts two): a page of
# short lines has no wraps. 40 is about 20 Chinese characters, half an A4 line at 11 pt.
WRAP_MIN_WIDTH = 40
_PAGE_NUMBER = re.compile(r"^(?:[-—–－\s]*\d{1,4}[-—–－\s]*|第\s*\d+\s*页(?:\s*[/，,]?\s*共\s*\d+\s*页)?|"
                          r"(?:page|p\.)\s*\d+(?:\s*(?:of|/)\s*\d+)?|\d+\s*/\s*\d+)$", re.I)
_PARAGRAPH_END = re.compile(r"[。！？；：.!?;:」”）)]$")
_MID_OR_END = re.compile(r"[。！？；：.!?;:」”）)，,、]$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass
class PdfText:
    pages: list[list[str]]                               # page n is pages[n - 1]
    ocr_pages: list[int] = field(default_factory=list)   # 1-based pages that are images only


def clean_pdf_text(raw: str) -> str:
    """Drop control characters: some writers' encoding CMaps make pypdf emit a NUL per glyph."""
    return _CONTROL.sub("", raw).rstrip()


def read_pages(reader_pages, extract) -> PdfText:
    """``extract(page, number)`` gives a page's text; furniture and wraps are handled here."""
    pages = [[clean_pdf_text(raw) for raw in (extract(page, number) or "").splitlines()]
             for number, page in enumerate(reader_pages, start=1)]
    pages = strip_furniture(pages)
    ocr = [number for number, (page, lines) in enumerate(zip(reader_pages, pages), start=1)
           if len("".join(lines).replace(" ", "")) < OCR_TEXT_MIN and has_images(page)]
    widest = max((_width(line) for lines in pages for line in lines), default=0)
    return PdfText([join_wrapped(lines, widest) for lines in pages], ocr)


def has_images(page) -> bool:
    """An image XObject on the page, directly or inside a form XObject (as scanners write)."""
    try:
        return _has_images(page.get("/Resources"), depth=2)
    except Exception:  # a damaged resource dictionary: treat the page as having none
        return False


def _has_images(resources, depth: int) -> bool:
    if resources is None or depth < 0:
        return False
    xobjects = resources.get_object().get("/XObject")
    for ref in (xobjects.get_object().values() if xobjects is not None else []):
        xobject = ref.get_object()
        if xobject.get("/Subtype") == "/Image":
            return True
        if xobject.get("/Subtype") == "/Form" and _has_images(xobject.get("/Resources"), depth - 1):
            return True
    return False


def _shape(line: str) -> str:
    return re.sub(r"\d+", "#", " ".join(line.split()))


def _edges(lines: list[str]) -> list[int]:
    filled = [i for i, line in enumerate(lines) if line.strip()]
    return sorted(set(filled[:EDGE_LINES] + filled[-EDGE_LINES:]))


def strip_furniture(pages: list[list[str]]) -> list[list[str]]:
    """Remove running headers, footers and page numbers from the edges of each page."""
    with_text = [p for p in pages if any(line.strip() for line in p)]
    if len(with_text) < 2:
        return pages
    counts = Counter(shape for p in with_text for shape in {_shape(p[i]) for i in _edges(p)})
    needed = max(2, math.ceil(REPEAT_SHARE * len(with_text)))
    cleaned = []
    for lines in pages:
        drop = {i for i in _edges(lines) if _PAGE_NUMBER.match(lines[i].strip())
                or (counts[_shape(lines[i])] >= needed and not BLOCK_START.match(lines[i].strip()))}
        cleaned.append([line for i, line in enumerate(lines) if i not in drop])
    return cleaned


def _width(line: str) -> int:
    """Display width: a Chinese character takes about two Latin letters' room."""
    return len(line) + len(CJK.findall(line))


def join_wrapped(lines: list[str], widest: int) -> list[str]:
    """Lines the page width broke are joined; a short line, a sentence end or a new block ends one.
    ``widest`` is the document's widest line, the best guess at the page's text width.

    A full line followed by a short one with no sentence end ("…的通知" over "国卫科教发〔2025〕99号")
    is a title over its number, not a wrapped sentence."""
    widths = [_width(line) for line in lines]
    full = max(WRAP_SHARE * widest, WRAP_MIN_WIDTH)
    joined: list[str] = []
    wrapped = False
    for i, line in enumerate(lines):
        text = line.strip()
        continues = _MID_OR_END.search(text) or widths[i] >= full
        if wrapped and text and continues and not BLOCK_START.match(text):
            glue = " " if re.search(r"[A-Za-z0-9,]$", joined[-1]) and re.match(r"[A-Za-z0-9(]", text) else ""
            joined[-1] = f"{joined[-1].rstrip()}{glue}{text}"
        else:
            joined.append(line)
        last = joined[-1].strip()
        wrapped = bool(text) and widths[i] >= full and not _PARAGRAPH_END.search(last)
    return joined
