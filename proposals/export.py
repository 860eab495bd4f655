"""Answers out: JSONL (one DESIGN.md object per line), Markdown, or a DOCX proposal draft.

The DOCX is what a proposal writer edits: one section per question, the answer with its [n]
markers, each source as a Word footnote on its marker, and a review disclaimer up front.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

DISCLAIMER = {
    "en": "Draft answers generated from the knowledge base. Every answer must be reviewed by "
          "regulatory staff against the cited sources before it is sent to a sponsor.",
    "zh": "以下答案由知识库自动起草，发送给申办方前须由法规人员对照所引来源逐条审核。",
}
OUTPUTS = (".jsonl", ".md", ".docx")


def source_line(citation: dict) -> str:
    parts = [citation["title"]]
    for key in ("issuer", "doc_number", "section"):
        if citation.get(key):
            parts.append(str(citation[key]))
    if citation.get("page"):
        parts.append(f"p. {citation['page']}")
    parts.append(str(citation.get("status", "")).replace("_", " "))
    return ", ".join(p for p in parts if p)


def write_answers(answers: list[dict], path: Path, title: str = "Feasibility questionnaire: draft answers"):
    suffix = path.suffix.lower()
    if suffix not in OUTPUTS:
        raise ValueError(f"unsupported output type {suffix or '(none)'}: use {', '.join(OUTPUTS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".jsonl":
        path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in answers), encoding="utf-8")
    elif suffix == ".md":
        path.write_text(to_markdown(answers, title), encoding="utf-8")
    else:
        to_docx(answers, title).save(str(path))


def to_markdown(answers: list[dict], title: str) -> str:
    lines = [f"# {title}", "", f"> {DISCLAIMER['en']}", f"> {DISCLAIMER['zh']}", ""]
    for number, a in enumerate(answers, start=1):
        lines += [f"## {number}. {a.get('question') or a.get('id')}", ""]
        lines += [f"**Error:** {a['error']}" if a.get("error") else a["answer"], ""]
        for c in a.get("citations", []):
            lines.append(f"[{c['n']}] {source_line(c)}  \n    \u201c{c['quote']}\u201d")
        lines.append("")
    return "\n".join(lines)


def to_docx(answers: list[dict], title: str):
    """One section per question; each citation is a real Word footnote on its [n] marker."""
    import docx

    document = docx.Document()
    document.add_heading(title, level=0)
    for language in ("en", "zh"):
        document.add_paragraph(DISCLAIMER[language]).runs[0].italic = True
    notes: list[str] = []
    for number, a in enumerate(answers, start=1):
        document.add_heading(f"{number}. {a.get('question') or a.get('id')}", level=1)
        paragraph = document.add_paragraph()
        if a.get("error"):
            paragraph.add_run(f"Error: {a['error']}")
            continue
        by_n = {c["n"]: c for c in a.get("citations", [])}
        ids = {}
        for piece in re.split(r"(\[\d+\])", a["answer"]):
            marker = re.fullmatch(r"\[(\d+)\]", piece)
            if marker and int(marker.group(1)) in by_n:
                n = int(marker.group(1))
                if n not in ids:
                    c = by_n[n]
                    notes.append(f"{source_line(c)}: \u201c{c['quote']}\u201d")
                    ids[n] = len(notes)
                paragraph.add_run(piece)
                paragraph._p.append(_footnote_reference(ids[n]))
            elif piece:
                paragraph.add_run(piece)
    if notes:
        _add_footnotes_part(document, notes)
    return document


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _footnote_reference(note_id: int):
    from docx.oxml import parse_xml

    return parse_xml(f'<w:r xmlns:w="{_W}"><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                     f'<w:footnoteReference w:id="{note_id}"/></w:r>')


def _add_footnotes_part(document, notes: list[str]):
    """python-docx has no footnote API: write word/footnotes.xml and relate it to the body."""
    from xml.sax.saxutils import escape

    from docx.opc.constants import CONTENT_TYPE, RELATIONSHIP_TYPE
    from docx.opc.packuri import PackURI
    from docx.opc.part import Part

    body = [f'<w:footnote w:type="separator" w:id="-1"><w:p><w:r><w:separator/></w:r></w:p></w:footnote>',
            f'<w:footnote w:type="continuationSeparator" w:id="0"><w:p><w:r><w:continuationSeparator/>'
            f'</w:r></w:p></w:footnote>']
    for note_id, text in enumerate(notes, start=1):
        body.append(f'<w:footnote w:id="{note_id}"><w:p><w:r><w:rPr><w:vertAlign w:val="superscript"/></w:rPr>'
                    f'<w:footnoteRef/></w:r><w:r><w:t xml:space="preserve"> {escape(text)}</w:t></w:r></w:p>'
                    f'</w:footnote>')
    xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:footnotes xmlns:w="{_W}">'
           + "".join(body) + "</w:footnotes>")
    part = Part(PackURI("/word/footnotes.xml"), CONTENT_TYPE.WML_FOOTNOTES, xml.encode("utf-8"),
                document.part.package)
    document.part.relate_to(part, RELATIONSHIP_TYPE.FOOTNOTES)
