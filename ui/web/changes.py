"""The "What changed" view: a document that has another version, compared clause by clause.

Thin like every page: versions come from ``retrieval.versions``, differences from
``retrieval.diff``; this module picks the role from the login (``Context.role``), lays out the
choices and renders HTML, escaping every piece of document text. A role sees only the versions
it may read, and a document it may not read is refused as if it did not exist.

Two ways in: the tab built by ``changes_tab`` (pick a document, then the version to compare it
with), and the page ``changes_route`` serves, which a source card citing a superseded rule links
to (``change_link``; the answer's ``replaced_by`` names the version that replaced it).
"""

from __future__ import annotations

import html
from typing import Callable
from urllib.parse import quote

import gradio as gr
from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse

from retrieval.diff import DiffError, Differ
from ui.web.context import Context
from ui.web.i18n import DEFAULT_UI, UI_LANGS

# key -> (English, Chinese), as in ui/web/i18n.py
LABELS = {
    "c_tab": ("What changed", "修订对比"),
    "c_intro": ("Pick a rule that has another version, then the version to compare it with.",
                "选择一份有其他版本的规定，再选择要对比的版本。"),
    "c_doc": ("Document", "文件"),
    "c_other": ("Compare with", "对比版本"),
    "c_empty": ("Choose a document to see what changed.", "请选择文件以查看修订内容。"),
    "c_none": ("No differences: every clause reads the same.", "没有差异：各条款内容相同。"),
    "c_old": ("old", "旧版"), "c_new": ("new", "新版"),
    "added": ("added", "新增"), "removed": ("removed", "删除"), "changed": ("changed", "修改"),
    "moved": ("moved", "移动"), "unchanged": ("unchanged", "未变"),
    "c_link": ("what changed in {title}", "查看《{title}》的修订内容"),
}
# The comparison page is escaped document text and our CSS: nothing in it may load or run.
PAGE_HEADERS = {"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
                "X-Content-Type-Options": "nosniff", "Cache-Control": "private, no-store"}
# Appended to ui/web/render.py's CSS where the page is built.
CSS = """
.kb-changes {display: flex; flex-direction: column; gap: 10px;}
.kb-change {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 8px 12px;}
.kb-kind {font-weight: 600; text-transform: uppercase; font-size: 0.78em; margin-right: 6px;}
.kb-added .kb-kind {color: #166534;} .kb-removed .kb-kind {color: #991b1b;}
.kb-changed .kb-kind {color: #1e40af;} .kb-moved .kb-kind {color: #5b21b6;}
.kb-cites {font-size: 0.84em; color: var(--body-text-color-subdued); margin: 3px 0 6px;}
.kb-words {font-size: 0.88em; white-space: pre-wrap; margin: 0;}
.kb-words del {background: #fee2e2; color: #991b1b;} .kb-words ins {background: #dcfce7; color: #166534;
  text-decoration: none;}
"""


def label(key: str, ui: str) -> str:
    return LABELS[key][1 if ui == UI_LANGS[1] else 0]


def versioned_documents(ctx: Context, role: str) -> list[tuple[str, str]]:
    """(title · date, doc_id) of every document the role sees that has another version."""
    differ = Differ(ctx.searcher.index)
    versions = differ.versions(role)
    out = []
    for chain in versions.chains():
        for version in chain.versions:
            for lang, doc in sorted(version.docs.items()):
                out.append((f"{doc.get('title', '')} · {version.date or version.id} ({lang})", doc["doc_id"]))
    return out


def other_versions(ctx: Context, role: str, doc_id: str) -> list[tuple[str, str]]:
    """The document's other versions in its language, newest first."""
    versions = Differ(ctx.searcher.index).versions(role)
    version = versions.version(doc_id)
    if version is None:
        return []
    lang = next(lang for lang, doc in version.docs.items() if doc["doc_id"] == doc_id)
    others = [v for v in reversed(versions.chain(doc_id).versions) if v is not version and lang in v.docs]
    return [(f"{v.title(lang)} · {v.date or v.id}", v.docs[lang]["doc_id"]) for v in others]


def change_path(old_id: str, new_id: str, ui: str = DEFAULT_UI) -> str:
    """The comparison page's address, relative to the app (as source links are)."""
    lang = "zh" if ui == UI_LANGS[1] else "en"
    return f"changes/{quote(old_id, safe='')}/{quote(new_id, safe='')}?ui={lang}"


def change_link(citation, ui: str) -> str:
    """The source card's "what changed" link for a cited rule a newer one replaced ("" for a
    current rule). ``replaced_by`` was filled from the asker's role's versions only."""
    newer = getattr(citation, "replaced_by", None)
    if not newer:
        return ""
    text = label("c_link", ui).format(title=newer.get("title") or "")
    href = change_path(citation.chunk.meta["doc_id"], newer["doc_id"], ui)
    return (f'<div class="kb-diff"><a href="{html.escape(href)}" target="_blank" rel="noopener">'
            f'{html.escape(text)} ↗</a></div>')


def changes_route(server, ctx: Context, role_of: Callable):
    """``GET /changes/{old}/{new}``: the comparison as a page of its own, for the role behind the
    request's login (``role_of(request)``); a document the role may not read gets the same 404
    as one that does not exist."""
    from ui.web.render import CSS as CARD_CSS          # render imports this module

    @server.get("/changes/{old_id}/{new_id}")
    def changes_page(old_id: str, new_id: str, request: Request, ui: str = "en"):
        role = role_of(request)
        if role is None:
            raise HTTPException(status_code=401, detail="log in first")
        shown = UI_LANGS[1] if ui == "zh" else UI_LANGS[0]
        try:
            diff = Differ(ctx.searcher.index).diff(old_id, new_id, role=role).to_json()
        except DiffError:
            raise HTTPException(status_code=404, detail="no such pair of documents") from None
        title = html.escape(label("c_tab", shown))
        page = (f"<!doctype html><html><head><meta charset='utf-8'><title>{title}</title>"
                f"<style>body{{font-family:sans-serif;max-width:960px;margin:2em auto;}}{CARD_CSS}{CSS}</style>"
                f"</head><body><h1>{title}</h1>{_render(diff, shown)}</body></html>")
        return HTMLResponse(page, headers=PAGE_HEADERS)


def changes_html(ctx: Context, role: str, doc_id: str | None, other_id: str | None = None,
                 ui: str = DEFAULT_UI) -> str:
    """The comparison as HTML, older version first whichever of the two was picked first."""
    if not doc_id:
        return f"<p class='kb-empty'>{html.escape(label('c_empty', ui))}</p>"
    differ = Differ(ctx.searcher.index)
    other_id = other_id or next((d for _, d in other_versions(ctx, role, doc_id)), None)
    if other_id is None:
        return f"<p class='kb-empty'>{html.escape(label('c_empty', ui))}</p>"
    versions = differ.versions(role)
    pair = sorted((doc_id, other_id), key=lambda d: (getattr(versions.version(d), "date", ""), d))
    try:
        diff = differ.diff(pair[0], pair[1], role=role).to_json()
    except DiffError as exc:
        return f"<p class='kb-empty'>{html.escape(str(exc))}</p>"
    return _render(diff, ui)


def _render(diff: dict, ui: str) -> str:
    counts = ", ".join(f"{label(k, ui)} {n}" for k, n in diff["counts"].items())
    head = (f"<div class='kb-cites'>{html.escape(label('c_old', ui))}: {html.escape(diff['old']['title'] or '')}"
            f" &rarr; {html.escape(label('c_new', ui))}: {html.escape(diff['new']['title'] or '')}"
            f"<br>{html.escape(counts)}</div>")
    cards = [_card(change, ui) for change in diff["changes"]]
    body = "".join(cards) or f"<p class='kb-empty'>{html.escape(label('c_none', ui))}</p>"
    return f"<div class='kb-changes'>{head}{body}</div>"


def _card(change: dict, ui: str) -> str:
    sections = " &rarr; ".join(html.escape(s) for s in (change["old_section"], change["new_section"]) if s)
    if change["words"]:
        pieces = change["words"]
    else:
        pieces = [["+", change["new_text"]]] if change["kind"] == "added" else [["-", change["old_text"] or ""]]
    tags = {"=": "{}", "-": "<del>{}</del>", "+": "<ins>{}</ins>"}
    words = "".join(tags[op].format(html.escape(text)) for op, text in pieces)
    return (f"<div class='kb-change kb-{change['kind']}'><span class='kb-kind'>{html.escape(label(change['kind'], ui))}"
            f"</span>{html.escape(change['summary'])}<div class='kb-cites'>{sections}</div>"
            f"<pre class='kb-words'>{words}</pre></div>")


def changes_tab(ctx: Context, ui) -> dict:
    """The tab's components (inside a ``gr.Tab`` the page opens), with their handlers wired."""
    intro = gr.Markdown(label("c_intro", DEFAULT_UI))
    with gr.Row():
        doc = gr.Dropdown(label=label("c_doc", DEFAULT_UI), choices=[], scale=3, elem_id="c-doc")
        other = gr.Dropdown(label=label("c_other", DEFAULT_UI), choices=[], scale=2, elem_id="c-other")
    view = gr.HTML(changes_html(ctx, "sponsor", None), elem_id="c-view")

    def pick_document(doc_id, ui_lang, request: gr.Request):
        role = ctx.role(request)
        choices = other_versions(ctx, role, doc_id) if doc_id else []
        first = choices[0][1] if choices else None
        return gr.update(choices=choices, value=first), changes_html(ctx, role, doc_id, first, ui_lang)

    def pick_other(doc_id, other_id, ui_lang, request: gr.Request):
        return changes_html(ctx, ctx.role(request), doc_id, other_id, ui_lang)

    doc.input(pick_document, [doc, ui], [other, view], api_visibility="private")
    other.input(pick_other, [doc, other, ui], [view], api_visibility="private")
    return {"c_intro": intro, "c_doc": doc, "c_other": other, "c_view": view}


def document_choices(ctx: Context, role: str):
    """The update for the tab's document list when the page loads (the role's documents)."""
    return gr.update(choices=versioned_documents(ctx, role), value=None)


def changes_labels(tab: dict, ui: str) -> dict:
    """The language switch's updates for this tab's components."""
    return {tab["c_intro"]: gr.update(value=label("c_intro", ui)),
            tab["c_doc"]: gr.update(label=label("c_doc", ui)),
            tab["c_other"]: gr.update(label=label("c_other", ui))}
