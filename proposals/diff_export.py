"""A comparison of two versions of a rule as a document: Markdown or Word.

It reads the JSON of ``retrieval.diff.DocDiff.to_json`` (what ``iitkb diff --json`` prints), so
any saved comparison can be written out again. Each change gets its one-line summary, the two
clauses it cites (named as a draft names its sources: title, issuer, number, article, status;
no file paths or ids), and the wording with deletions struck through and insertions marked.

Example::

    write_diff(differ.diff("ethics-2016", "ethics-2023", lang="en").to_json(), Path("ethics.docx"))
"""

from __future__ import annotations

import re
from pathlib import Path

from proposals.sources import source_line

FORMATS = (".md", ".docx")
TEXT = {
    "en": {"title": "What changed", "old": "Old version", "new": "New version", "counts": "Counts",
           "kinds": {"added": "added", "removed": "removed", "changed": "changed", "moved": "moved",
                     "unchanged": "unchanged"},
           "none": "No differences: every clause reads the same.",
           "note": "Compiled from the knowledge base; check each change against the cited texts."},
    "zh": {"title": "修订对比", "old": "旧版本", "new": "新版本", "counts": "统计",
           "kinds": {"added": "新增", "removed": "删除", "changed": "修改", "moved": "移动", "unchanged": "未变"},
           "none": "没有差异：各条款内容相同。",
           "note": "本对比由知识库生成，请对照所引原文逐项核对。"},
}
# Word colours of the marked wording: Word's own red for deletions, dark blue for insertions.
DELETED_RGB = (0xC0, 0x00, 0x00)
INSERTED_RGB = (0x1F, 0x3A, 0x93)
_MD_SPECIAL = re.compile(r"([\\`*_~<>\[\]|#])")


def write_diff(diff: dict, path: Path, fmt: str | None = None):
    """Write ``diff`` to ``path`` as Markdown or DOCX (``fmt``: ".md"/".docx"; default: the suffix)."""
    path = Path(path)
    fmt = (fmt or path.suffix).lower()
    if fmt not in FORMATS:
        raise ValueError(f"unsupported comparison output {fmt or '(none)'}: use {' or '.join(FORMATS)}")
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == ".md":
        path.write_text(to_markdown(diff), encoding="utf-8")
    else:
        to_docx(diff).save(str(path))


def _lang(diff: dict) -> str:
    return "zh" if (diff.get("new") or {}).get("lang") == "zh" else "en"


def _document_line(doc: dict, lang: str) -> str:
    """The document's source line and its date (effective, else issued), which tells versions apart."""
    line = source_line({**doc, "section": None}, lang)
    date = doc.get("effective") or doc.get("issued")
    return f"{line}{'，' if lang == 'zh' else ', '}{date}" if date else line


def _counts_line(diff: dict, lang: str) -> str:
    kinds = TEXT[lang]["kinds"]
    sep = "，" if lang == "zh" else ", "
    return sep.join(f"{kinds[k]} {n}" for k, n in (diff.get("counts") or {}).items() if k in kinds)


def _cites(change: dict, lang: str) -> list[tuple[str, str]]:
    """(label, source line) of each side the change cites."""
    out = []
    for side in ("old", "new"):
        citation = change.get(f"{side}_citation")
        if citation:
            out.append((TEXT[lang][side], source_line(citation, lang)))
    return out


def _pieces(change: dict) -> list[tuple[str, str]]:
    """The wording to show: the word-level difference, or the whole added or removed text."""
    if change.get("words"):
        return [(op, text) for op, text in change["words"]]
    if change["kind"] == "added":
        return [("+", change.get("new_text") or "")]
    if change["kind"] == "removed":
        return [("-", change.get("old_text") or "")]
    return [("=", change.get("new_text") or "")]


# Markdown ---------------------------------------------------------------------------------
def md_literal(text: str) -> str:
    return _MD_SPECIAL.sub(r"\\\1", text)


def to_markdown(diff: dict) -> str:
    lang = _lang(diff)
    words = TEXT[lang]
    lines = [f"# {words['title']}", "", f"> {words['note']}", "",
             f"- **{words['old']}:** {md_literal(_document_line(diff['old'], lang))}",
             f"- **{words['new']}:** {md_literal(_document_line(diff['new'], lang))}",
             f"- **{words['counts']}:** {_counts_line(diff, lang)}", ""]
    if not diff.get("changes"):
        lines += [words["none"], ""]
    for number, change in enumerate(diff.get("changes", []), start=1):
        lines += [f"## {number}. {words['kinds'][change['kind']]}: {md_literal(change['summary'])}", ""]
        lines += [f"- {label}: {md_literal(line)}" for label, line in _cites(change, lang)] + [""]
        lines += ["> " + line for line in _md_marked(_pieces(change)).split("\n")] + [""]
    return "\n".join(lines)


def _md_marked(pieces: list[tuple[str, str]]) -> str:
    """Deleted words as ~~struck~~, inserted as **bold**, marked line by line (Markdown marks do
    not span lines)."""
    marks = {"-": "~~", "+": "**", "=": ""}
    out = []
    for op, text in pieces:
        out.append("\n".join(_marked(md_literal(part), marks[op]) for part in text.split("\n")))
    return "".join(out)


def _marked(text: str, mark: str) -> str:
    """``mark`` around the words, spaces outside it (Markdown ignores "~~ x~~")."""
    core = text.strip()
    if not core or not mark:
        return text
    start = text.index(core)
    return f"{text[:start]}{mark}{core}{mark}{text[start + len(core):]}"


# Word -------------------------------------------------------------------------------------
def to_docx(diff: dict):
    import docx
    from docx.shared import RGBColor

    lang = _lang(diff)
    words = TEXT[lang]
    document = docx.Document()
    document.add_heading(words["title"], level=0)
    document.add_paragraph(words["note"]).runs[0].italic = True
    for side in ("old", "new"):
        paragraph = document.add_paragraph()
        paragraph.add_run(f"{words[side]}: ").bold = True
        paragraph.add_run(_document_line(diff[side], lang))
    document.add_paragraph(f"{words['counts']}: {_counts_line(diff, lang)}")
    if not diff.get("changes"):
        document.add_paragraph(words["none"])
    for number, change in enumerate(diff.get("changes", []), start=1):
        document.add_heading(f"{number}. {words['kinds'][change['kind']]}: {change['summary']}", level=2)
        for label, line in _cites(change, lang):
            document.add_paragraph(f"{label}: {line}", style="List Bullet")
        paragraph = document.add_paragraph()
        for op, text in _pieces(change):
            run = paragraph.add_run(text)
            if op == "-":
                run.font.strike = True
                run.font.color.rgb = RGBColor(*DELETED_RGB)
            elif op == "+":
                run.font.underline = True
                run.font.color.rgb = RGBColor(*INSERTED_RGB)
    return document
