"""Answers out: JSONL (one DESIGN.md object per line), Markdown, or a DOCX proposal draft.

The DOCX is what a proposal writer edits: one section per question, the answer with its [n]
markers, the sources as numbered notes under each answer, and a review disclaimer up front.
"""

from __future__ import annotations

import json
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
    import docx
    from docx.shared import Pt

    document = docx.Document()
    document.add_heading(title, level=0)
    for language in ("en", "zh"):
        document.add_paragraph(DISCLAIMER[language]).runs[0].italic = True
    for number, a in enumerate(answers, start=1):
        document.add_heading(f"{number}. {a.get('question') or a.get('id')}", level=1)
        document.add_paragraph(f"Error: {a['error']}" if a.get("error") else a["answer"])
        for c in a.get("citations", []):
            note = document.add_paragraph()
            marker = note.add_run(f"[{c['n']}] ")
            marker.font.superscript = True
            note.add_run(f"{source_line(c)}: \u201c{c['quote']}\u201d").font.size = Pt(9)
    return document
