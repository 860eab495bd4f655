"""Answers as Markdown: one section per question, its status, its sources with their quotes."""

from __future__ import annotations

from proposals.docx_out import DISCLAIMER
from proposals.sources import source_line
from proposals.status import status_text


def to_markdown(answers: list[dict], title: str) -> str:
    lines = [f"# {title}", "", f"> {DISCLAIMER['en']}", f"> {DISCLAIMER['zh']}", ""]
    for number, a in enumerate(answers, start=1):
        lines += [f"## {number}. {a.get('question') or a.get('id')}", ""]
        lines += [f"**Error:** {a['error']}" if a.get("error") else a["answer"], ""]
        if a.get("status"):
            lines += [f"*{status_text(a)}*", ""]
        for c in a.get("citations", []):
            lines.append(f"[{c['n']}] {source_line(c)}  \n    \u201c{c['quote']}\u201d")
        lines.append("")
    return "\n".join(lines)
