"""The pathway memo for proposal writers: the answers given, the route, the steps in order with
who decides and how long it takes, the traps, and every citation as a footnote.

Input is the pathway object (`iitkb pathway --json`, ``retrieval.pathway.Pathway.run``), so the
memo says exactly what the pathway said. Markdown uses footnote markers (``[^n]``) or, for a page
that does not render them, plain [n] markers and a sources list; Word gets real footnotes
(``proposals.footnotes``). A clause cited by several steps keeps one number, and in Word a later
mention repeats the footnote's number instead of adding a new note.

Example::

    result = Pathway.for_index(index).run(answers, lang="en")
    write_memo(result, Path("pathway.docx"))
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import docx
from docx.shared import Pt

from proposals.footnotes import Footnotes
from proposals.sources import source_line

MEMO_TYPES = (".md", ".docx")
LABELS = {
    "answers": ("Your answers", "您的回答"),
    "route": ("Route", "研究路径"),
    "also": ("Also to consider", "另可考虑"),
    "steps": ("Steps, in order", "步骤（按顺序）"),
    "who": ("Who decides", "负责方"),
    "time": ("Time", "时限"),
    "review": ("Needs review: a clause this step relies on changed; see the warnings.",
               "需要复核：本步骤所依据的条款有变动，见注意事项。"),
    "warnings": ("Traps and warnings", "注意事项"),
    "sources": ("Sources", "来源"),
}
DISCLAIMER_SIZE = Pt(9)


def label(key: str, lang: str) -> str:
    return LABELS[key][1 if lang == "zh" else 0]


def note_text(citation: dict, lang: str) -> str:
    """What a footnote says: the source line, then the quoted clause."""
    quoted = f"“{citation['quote']}”" if citation.get("quote") else ""
    return f"{source_line(citation, lang)}{'：' if lang == 'zh' else ': '}{quoted}" if quoted else \
        source_line(citation, lang)


def to_markdown(result: dict, footnotes: bool = True, escape: Callable[[str], str] = str) -> str:
    """The memo as Markdown; ``escape`` is applied to every piece of text that came from data."""
    lang = result["lang"]
    colon = ": " if lang == "en" else "："
    cited: dict[int, dict] = {}

    def marks(citations: list[dict]) -> str:
        for c in citations:
            cited.setdefault(c["n"], c)
        return "".join(f"[^{c['n']}]" if footnotes else f"[{c['n']}]" for c in citations)

    primary, others = result["routes"][0], result["routes"][1:]
    lines = [f"# {escape(result['title'])}", "", f"> {escape(result['disclaimer'])}", "",
             f"## {label('answers', lang)}", ""]
    lines += [f"- **{escape(a['question'])}** {escape(a['answer'])}" for a in result["answers"]]
    lines += ["", f"## {label('route', lang)}", "",
              _titled(primary, escape, lang) + marks(primary["citations"]), ""]
    if others:
        lines += [label("also", lang) + colon.strip(), ""]
        lines += [f"- {_titled(r, escape, lang)}{marks(r['citations'])}" for r in others]
        lines.append("")
    lines += [f"## {label('steps', lang)}", ""]
    for number, step in enumerate(result["steps"], start=1):
        lines += [f"### {number}. {escape(step['title'])}", "", f"{escape(step['body'])}{marks(step['citations'])}", ""]
        for key in ("who", "time"):
            if step.get(key):
                lines.append(f"- *{label(key, lang)}*{colon}{escape(step[key])}")
        if step.get("needs_review"):
            lines.append(f"- **{label('review', lang)}**")
        lines.append("")
    if result["warnings"]:
        lines += [f"## {label('warnings', lang)}", ""]
        lines += [f"- {escape(w['text'])}{marks(w['citations'])}" for w in result["warnings"]]
        lines.append("")
    if footnotes:
        lines += [f"[^{n}]: {escape(note_text(c, lang))}" for n, c in sorted(cited.items())]
    else:
        lines += [f"## {label('sources', lang)}", ""]
        lines += [f"{n}. {escape(note_text(c, lang))}" for n, c in sorted(cited.items())]
    return "\n".join(lines).rstrip() + "\n"


def _titled(route: dict, escape: Callable[[str], str], lang: str) -> str:
    """"**Title.** Summary" (en) or "**标题**：摘要" (zh)."""
    if lang == "zh":
        return f"**{escape(route['title'])}**：{escape(route['summary'])}"
    return f"**{escape(route['title'])}.** {escape(route['summary'])}"


def to_docx(result: dict) -> docx.document.Document:
    """The memo as a Word document, each cited clause a footnote."""
    lang = result["lang"]
    document = docx.Document()
    notes = Footnotes(document)
    placed: dict[int, int] = {}            # citation number -> footnote id

    def cite(paragraph, citations: list[dict]):
        for c in citations:
            if c["n"] in placed:
                notes.repeat(paragraph, placed[c["n"]])
            else:
                placed[c["n"]] = notes.add(paragraph, note_text(c, lang))

    document.add_heading(result["title"], 0)
    document.add_paragraph().add_run(result["disclaimer"]).font.size = DISCLAIMER_SIZE
    document.add_heading(label("answers", lang), 1)
    for a in result["answers"]:
        paragraph = document.add_paragraph(style="List Bullet")
        paragraph.add_run(f"{a['question']} ").bold = True
        paragraph.add_run(a["answer"])
    document.add_heading(label("route", lang), 1)
    for i, route in enumerate(result["routes"]):
        if i == 1:
            document.add_paragraph(label("also", lang))
        paragraph = document.add_paragraph(style=None if i == 0 else "List Bullet")
        paragraph.add_run(route["title"] + (". " if lang == "en" else "：")).bold = True
        paragraph.add_run(route["summary"])
        cite(paragraph, route["citations"])
    document.add_heading(label("steps", lang), 1)
    for number, step in enumerate(result["steps"], start=1):
        document.add_heading(f"{number}. {step['title']}", 2)
        cite(document.add_paragraph(step["body"]), step["citations"])
        for key in ("who", "time"):
            if step.get(key):
                paragraph = document.add_paragraph(style="List Bullet")
                paragraph.add_run(label(key, lang) + (": " if lang == "en" else "：")).italic = True
                paragraph.add_run(step[key])
        if step.get("needs_review"):
            document.add_paragraph().add_run(label("review", lang)).bold = True
    if result["warnings"]:
        document.add_heading(label("warnings", lang), 1)
        for warning in result["warnings"]:
            cite(document.add_paragraph(warning["text"], style="List Bullet"), warning["citations"])
    notes.finish()
    return document


def write_memo(result: dict, path: Path) -> Path:
    """Write the memo as Markdown or Word, chosen by ``path``'s suffix."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in MEMO_TYPES:
        raise ValueError(f"a pathway memo is {' or '.join(MEMO_TYPES)}, not {suffix or '(no suffix)'}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if suffix == ".md":
        path.write_text(to_markdown(result), encoding="utf-8")
    else:
        to_docx(result).save(str(path))
    return path
