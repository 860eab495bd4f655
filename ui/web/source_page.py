"""The source view of a document: a page a reader can use, not the raw file.

A rule is shown as its title, a table of its metadata (issuer, number, dates, status) and its
text: Markdown and text files formatted from the file, with the YAML front matter left out; Word
and HTML documents from the clauses ingestion read out of them (their markup never reaches the
page). The cited sentences are highlighted and the first one is the page's ``#kb-quote`` anchor,
so a card's link opens at it. PDFs are not pages: they open in the browser at the cited page.

Safety: document text is escaped (Markdown is rendered with raw HTML off and markdown-it's own
link checks), and the page is sent with a policy that allows no script at all. The caller has
already applied the role check (``server._source_route``).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

from markdown_it import MarkdownIt

from iitkb.text import split_sentences

RENDERED_SUFFIXES = (".md", ".markdown", ".txt")
FROM_CLAUSES = (".docx", ".html", ".htm")      # shown from their indexed clauses
# Neighbouring chunks of a clause share up to Settings.chunk_overlap tokens (32: a few hundred
# characters); the repeat is cut where the next chunk starts with the end of the last.
MAX_OVERLAP_CHARS = 1000
_FRONT_MATTER = re.compile(r"\A\ufeff?---\s*\n.*?\n(?:---|\.\.\.)\s*(?:\n|\Z)", re.S)
QUOTE_CHARS = 2000          # the longest quote taken from a link (the answer quotes a few sentences)
META_ROWS = (("issuer", "Issuer / 发布机构"), ("doc_number", "Number / 文号"), ("issued", "Issued / 发布日期"),
             ("effective", "Effective / 施行日期"), ("status", "Status / 状态"), ("doc_type", "Type / 类型"),
             ("lang", "Language / 语言"))
POLICY = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self'; base-uri 'none'; form-action 'none'"
PAGE_CSS = """
body {font-family: "Noto Sans CJK SC", "PingFang SC", "Microsoft YaHei", system-ui, sans-serif;
      max-width: 860px; margin: 24px auto; padding: 0 16px; line-height: 1.6; color: #1f2937;}
h1.kb-title {font-size: 1.45rem; line-height: 1.35;}
table.kb-meta {border-collapse: collapse; margin: 8px 0 20px; font-size: 0.92rem;}
table.kb-meta th {text-align: left; color: #6b7280; font-weight: 500; padding: 3px 14px 3px 0;}
table.kb-meta td {padding: 3px 0;}
.kb-badge {display: inline-block; font-size: 0.8em; padding: 1px 8px; border-radius: 10px; font-weight: 600;}
.kb-in_force {background: #dcfce7; color: #166534;} .kb-trial {background: #dbeafe; color: #1e40af;}
.kb-draft {background: #fef9c3; color: #854d0e;} .kb-superseded {background: #fee2e2; color: #991b1b;}
.kb-not_yet_in_force {background: #ede9fe; color: #5b21b6;}
mark {background: #fde68a; padding: 0 1px;} mark#kb-quote {scroll-margin-top: 40vh;}
.kb-raw {font-size: 0.85rem; color: #6b7280;}
"""

_markdown = MarkdownIt("commonmark", {"html": False}).enable("table")
# A quote may lead with its clause's label ("Article 56: ...", "第二十条："), which the text
# itself writes as a heading: the words after it are what to find.
_LABEL = re.compile(r"^[^:：。.!?]{1,40}[:：]\s*")


def quoted_sentences(quote: str) -> list[tuple[str, ...]]:
    """Each quoted sentence, with the forms of it to look for in the text (whole, then unlabelled)."""
    forms = []
    for sentence in split_sentences(quote[:QUOTE_CHARS]) or [quote[:QUOTE_CHARS]]:
        bare = _LABEL.sub("", sentence)
        forms.append((sentence, bare) if bare != sentence else (sentence,))
    return forms


def rendered(path: Path) -> bool:
    return path.suffix.lower() in RENDERED_SUFFIXES + FROM_CLAUSES


def without_overlap(previous: str, text: str) -> str:
    for size in range(min(len(previous), len(text), MAX_OVERLAP_CHARS), 0, -1):
        if previous.endswith(text[:size]):
            return text[size:]
    return text


def clauses_html(chunks) -> str:
    """The document's clauses in reading order: each section label once, then its text."""
    parts, section, previous = [], None, ""
    for chunk in sorted(chunks, key=lambda c: c.meta.get("chunk_index", 0)):
        if chunk.meta.get("section") != section:
            section, previous = chunk.meta.get("section"), ""
            if section:
                parts.append(f"<h3>{html.escape(section)}</h3>")
        text = without_overlap(previous, chunk.text)
        parts += [f"<p>{html.escape(line)}</p>" for line in text.splitlines() if line.strip()]
        previous = chunk.text
    return "".join(parts)


def without_front_matter(text: str) -> str:
    return _FRONT_MATTER.sub("", text, count=1)


def body_html(path: Path) -> str:
    text = without_front_matter(path.read_text(encoding="utf-8", errors="replace"))
    if path.suffix.lower() == ".txt":
        return "".join(f"<p>{html.escape(block)}</p>" for block in re.split(r"\n\s*\n", text) if block.strip())
    return _markdown.render(text)


def highlight_quote(page: str, quote: str) -> str:
    """Each quoted sentence found in the page's text wrapped in <mark>; the first is #kb-quote."""
    first = True
    for forms in quoted_sentences(quote):
        found = [(page.find(e), e) for e in (html.escape(f, quote=False) for f in forms if len(f) >= 8)]
        at, escaped = next(((at, e) for at, e in found if at >= 0), (-1, ""))
        if at < 0:
            continue
        anchor = ' id="kb-quote"' if first else ""
        page = f"{page[:at]}<mark{anchor}>{escaped}</mark>{page[at + len(escaped):]}"
        first = False
    return page


def meta_table(meta: dict) -> str:
    rows = []
    for key, label in META_ROWS:
        value = meta.get(key)
        if not value:
            continue
        shown = html.escape(str(value).replace("_", " "))
        if key == "status":
            shown = f'<span class="kb-badge kb-{html.escape(str(value))}">{shown}</span>'
        rows.append(f"<tr><th>{label}</th><td>{shown}</td></tr>")
    return f'<table class="kb-meta">{"".join(rows)}</table>'


def source_page(meta: dict, path: Path, quote: str = "", chunks=()) -> str:
    """The whole HTML page for one document the caller may see (``chunks``: its clauses, for
    the formats shown from them)."""
    title = html.escape(meta.get("title") or meta.get("doc_id", ""))
    body = clauses_html(chunks) if path.suffix.lower() in FROM_CLAUSES else body_html(path)
    body = highlight_quote(body, quote) if quote else body
    lang = "zh" if meta.get("lang") == "zh" else "en"
    return (f'<!doctype html><html lang="{lang}"><head><meta charset="utf-8"><title>{title}</title>'
            f'<meta name="viewport" content="width=device-width, initial-scale=1"><style>{PAGE_CSS}</style></head>'
            f'<body><h1 class="kb-title">{title}</h1>{meta_table(meta)}<main class="kb-body">{body}</main>'
            f'<p class="kb-raw"><a href="?raw=1">the file as stored / 原始文件</a></p></body></html>')
