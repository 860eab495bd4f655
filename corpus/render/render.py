"""Render some corpus Markdown into PDF and DOCX, so the bundled corpus exercises pypdf and python-docx.

Sources live in corpus/render/src/pdf/ and corpus/render/src/docx/ (ignored by ingestion). Each is
written to corpus/pdf/ or corpus/docx/ with a sidecar NAME.meta.yaml carrying its front matter, so
the rendered file indexes with the same doc_id, source_id and status as the Markdown would have.
Only the Markdown the corpus uses is understood: headings, paragraphs, bullets and pipe tables.

Usage (from the repository root, after `make install`, which brings reportlab):

    .venv/bin/python corpus/render/render.py
"""

from __future__ import annotations

import re
import sys
from xml.sax.saxutils import escape
from datetime import datetime, timezone
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
CORPUS = HERE.parent
CID_FONT = "STSong-Light"            # an Adobe CJK font every PDF reader can substitute
FIXED_DATE = datetime(2026, 1, 1, tzinfo=timezone.utc)   # same bytes on every render
_HEADING = re.compile(r"^(#{1,6})\s+(.*)$")
_BULLET = re.compile(r"^\s*[-*]\s+(.*)$")
_TABLE_RULE = re.compile(r"^\|?\s*:?-{3,}")


def split_front_matter(text: str) -> tuple[dict, str]:
    """Front matter becomes the sidecar; the body is what gets rendered."""
    if not text.startswith("---\n"):
        raise SystemExit("render sources need YAML front matter")
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


def blocks(body: str):
    """Yields (kind, level, text): kind is heading, bullet or para; table rows become paragraphs."""
    para: list[str] = []
    for raw in body.splitlines() + [""]:
        line = raw.rstrip()
        heading, bullet = _HEADING.match(line), _BULLET.match(line)
        if para and (not line or heading or bullet or line.startswith("|")):
            yield "para", 0, " ".join(para)
            para = []
        if heading:
            yield "heading", len(heading.group(1)), plain(heading.group(2))
        elif bullet:
            yield "bullet", 0, plain(bullet.group(1))
        elif line.startswith("|"):
            if not _TABLE_RULE.match(line):
                yield "para", 0, " | ".join(c.strip() for c in plain(line).strip("|").split("|"))
        elif line:
            para.append(plain(line))


def plain(text: str) -> str:
    """Drops Markdown emphasis and code marks, which neither renderer is asked to style."""
    return re.sub(r"(\*\*|__|`)", "", text)


def render_pdf(meta: dict, body: str, out: Path) -> None:
    """Adobe's STSong-Light CID font with a Unicode CMap, as many Chinese official PDFs use.

    Not fpdf2 with an embedded Noto CJK subset: past 255 distinct glyphs its embedded
    encoding CMap makes pypdf return the wrong characters, so the text would not survive ingestion.
    """
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer

    pdfmetrics.registerFont(UnicodeCIDFont(CID_FONT))
    styles = {size: ParagraphStyle(f"s{size}", fontName=CID_FONT, fontSize=size, leading=size * 1.5,
                                   wordWrap="CJK" if meta.get("lang") == "zh" else None, spaceAfter=4)
              for size in (15, 13, 11.5, 10.5)}
    story = [Paragraph(escape(meta["title"]), styles[15]), Spacer(1, 6)]
    for kind, level, text in blocks(body):
        size = {1: 15, 2: 13, 3: 11.5}.get(level, 10.5) if kind == "heading" else 10.5
        story.append(Paragraph(("• " if kind == "bullet" else "") + escape(text), styles[size]))
    doc = SimpleDocTemplate(str(out), pagesize=A4, title=meta["title"], invariant=1,
                            leftMargin=56, rightMargin=56, topMargin=56, bottomMargin=56)
    doc.build(story)


def render_docx(meta: dict, body: str, out: Path) -> None:
    from docx import Document

    doc = Document()
    doc.core_properties.title = meta["title"]
    doc.core_properties.created = doc.core_properties.modified = FIXED_DATE.replace(tzinfo=None)
    doc.add_heading(meta["title"], level=0)
    for kind, level, text in blocks(body):
        if kind == "heading":
            doc.add_heading(text, level=min(level, 9))
        elif kind == "bullet":
            doc.add_paragraph(text, style="List Bullet")
        else:
            doc.add_paragraph(text)
    doc.save(str(out))
    _pin_zip_times(out)


def _pin_zip_times(path: Path) -> None:
    """A DOCX is a zip whose entries carry the save time; pinning them keeps the content hash,
    so re-rendering does not make ingestion embed an unchanged document again."""
    import zipfile

    with zipfile.ZipFile(path) as src:
        entries = [(info.filename, src.read(info)) for info in src.infolist()]
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as dst:
        for name, data in entries:
            dst.writestr(zipfile.ZipInfo(name, date_time=FIXED_DATE.timetuple()[:6]), data,
                         compress_type=zipfile.ZIP_DEFLATED)


RENDERERS = {"pdf": render_pdf, "docx": render_docx}


def render_all(src: Path = HERE / "src", out_root: Path = CORPUS) -> list[Path]:
    written = []
    for kind, renderer in RENDERERS.items():
        target = out_root / kind
        target.mkdir(parents=True, exist_ok=True)
        for source in sorted((src / kind).glob("*.md")):
            meta, body = split_front_matter(source.read_text(encoding="utf-8"))
            out = target / f"{source.stem}.{kind}"
            renderer(meta, body, out)
            sidecar = target / f"{source.stem}.meta.yaml"
            sidecar.write_text(yaml.safe_dump(meta, allow_unicode=True, sort_keys=False), encoding="utf-8")
            written.append(out)
    return written


if __name__ == "__main__":
    for path in render_all():
        print(path.relative_to(CORPUS.parent))
    sys.exit(0)
