"""HTML and Markdown out: source cards with the quote highlighted, escaping, the API's answer object.

Every piece of document text reaching the page goes through ``html.escape`` (cards) or
``md_escape`` (chat), so a document's markup is shown, never run.
"""

from __future__ import annotations

import html
import re
from urllib.parse import quote

from iitkb.text import detect_lang
from retrieval.answer import Answer, Citation
from ui.web.changes import change_link
from ui.web.i18n import status_name, t
from ui.web.source_page import QUOTE_CHARS, quoted_sentences

CSS = """
.kb-table .table-wrap, .kb-table .table-wrap * { font-family: var(--font) !important; font-size: 0.92rem; }
.kb-table td { vertical-align: top; }
.kb-sources {display: flex; flex-direction: column; gap: 10px; max-height: 680px; overflow-y: auto;}
.kb-empty {color: var(--body-text-color-subdued); font-size: 0.92em; padding: 8px 2px;}
.kb-card {border: 1px solid var(--border-color-primary); border-radius: 8px; padding: 10px 12px;
          background: var(--background-fill-secondary);}
.kb-head {font-weight: 600; line-height: 1.4;}
.kb-n {color: var(--color-accent); margin-right: 4px;}
.kb-meta {font-size: 0.84em; color: var(--body-text-color-subdued); margin: 3px 0 6px;}
.kb-badge {display: inline-block; font-size: 0.74em; padding: 1px 8px; border-radius: 10px;
           margin-left: 6px; font-weight: 600; vertical-align: middle;}
.kb-in_force {background: #dcfce7; color: #166534;} .kb-trial {background: #dbeafe; color: #1e40af;}
.kb-draft {background: #fef9c3; color: #854d0e;} .kb-superseded {background: #fee2e2; color: #991b1b;}
.kb-not_yet_in_force {background: #ede9fe; color: #5b21b6;}
.kb-text {font-size: 0.88em; white-space: pre-wrap; max-height: 200px; overflow-y: auto; margin: 0;
          border-left: 3px solid var(--border-color-accent); padding-left: 8px;}
.kb-text mark {background: #fde68a; color: #1f2937; padding: 0 1px;}
.kb-open {font-size: 0.84em; margin-top: 6px;}
a.kb-cite {color: var(--color-accent); text-decoration: none; cursor: pointer; font-weight: 600;}
.kb-card.kb-flash {outline: 3px solid var(--color-accent); transition: outline 0.3s;}
"""

# The [n] markers of the chat's answers become links to their source cards, in the page rather
# than in the message text, so a copied answer keeps plain [n]. The chat's Markdown is re-rendered
# on every update, so a MutationObserver wraps the markers again each time.
CITE_JS = r"""
<script>
(() => {
  const MARK = /\[(\d{1,3})\]/g;
  function wrap(root) {
    const walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
    const found = [];
    while (walker.nextNode()) {
      const node = walker.currentNode;
      if (!node.parentElement.closest("a, textarea, code, [role=textbox]") && MARK.test(node.data)) found.push(node);
      MARK.lastIndex = 0;
    }
    for (const node of found) {
      const frag = document.createDocumentFragment();
      let at = 0;
      node.data.replace(MARK, (m, n, offset) => {
        frag.append(node.data.slice(at, offset));
        const a = document.createElement("a");
        a.className = "kb-cite"; a.href = "#kb-src-" + n; a.textContent = m; a.dataset.n = n;
        frag.append(a); at = offset + m.length; return m;
      });
      frag.append(node.data.slice(at));
      node.replaceWith(frag);
    }
  }
  document.addEventListener("click", (event) => {
    const link = event.target.closest && event.target.closest("a.kb-cite");
    if (!link) return;
    event.preventDefault(); event.stopPropagation();
    const card = document.getElementById("kb-src-" + link.dataset.n);
    if (!card) return;
    card.scrollIntoView({behavior: "smooth", block: "nearest"});
    card.classList.add("kb-flash");
    setTimeout(() => card.classList.remove("kb-flash"), 2000);
  }, true);
  const watch = () => {
    const chat = document.getElementById("chatbot");
    if (!chat) return setTimeout(watch, 300);
    let busy = false;
    new MutationObserver(() => {
      if (busy) return;
      busy = true; wrap(chat); busy = false;
    }).observe(chat, {childList: true, subtree: true, characterData: true});
    wrap(chat);
  };
  watch();
})();
</script>
"""

_MD_INLINE = re.compile(r"([\\`*_<>|$~])")
_MD_LINE_START = re.compile(r"(?m)^(\s*)([#+=-]|\d+[.)])")


def md_escape(text: str) -> str:
    """Document text shown as literal text in the chat's Markdown, never as markup.

    Only what Markdown would act on is escaped (so a copied answer keeps its [n] markers
    clean): inline markup characters, a link's "](", and list or heading marks at a line start."""
    text = _MD_INLINE.sub(r"\\\1", text).replace("](", "]\\(")
    return _MD_LINE_START.sub(lambda m: m.group(1) + _escape_mark(m.group(2)), text)


def _escape_mark(mark: str) -> str:
    """A backslash goes before the punctuation ("12." -> "12\\."): it escapes nothing else."""
    return mark[:-1] + "\\" + mark[-1] if mark[0].isdigit() else "\\" + mark


def shorten(text: str, limit: int) -> str:
    """At most ``limit`` characters, for echoing a question that was refused for its length."""
    return text if len(text) <= limit else text[:limit] + "…"


def notice(message: str) -> str:
    """A message shown inline in the chat where the answer would be (not as an error state)."""
    return "⚠️ " + md_escape(message)


def highlight(text: str, quote_text: str) -> str:
    """The chunk text, HTML-escaped, with each quoted sentence wrapped in <mark>."""
    spans = []
    for forms in quoted_sentences(quote_text):
        for sentence in forms:
            words = sentence.split()
            match = re.search(r"\s*".join(re.escape(w) for w in words), text) if words else None
            if match:
                spans.append(match.span())
                break
    out, position = [], 0
    for start, end in sorted(spans):
        if start < position:
            continue
        out += [html.escape(text[position:start]), "<mark>", html.escape(text[start:end]), "</mark>"]
        position = end
    out.append(html.escape(text[position:]))
    return "".join(out)


def source_link(doc_id: str, page) -> str:
    """Relative, so the app also works behind a path prefix; PDFs open at the cited page."""
    return f"source/{quote(doc_id, safe='')}" + (f"#page={int(page)}" if page else "")


def card_link(meta: dict, quote_text: str) -> str:
    """A PDF opens at its page; a text document opens as its page, scrolled to the quote."""
    if meta.get("page"):
        return source_link(meta["doc_id"], meta["page"])
    return f"{source_link(meta['doc_id'], None)}?quote={quote(quote_text[:QUOTE_CHARS], safe='')}#kb-quote"


def sources_html(answer: Answer | None, ui: str) -> str:
    if answer is None or not answer.citations:
        empty = t("sources_empty" if answer is None else "no_sources", ui)
        return f'<div class="kb-sources"><div class="kb-empty">{html.escape(empty)}</div></div>'
    return '<div class="kb-sources">' + "".join(_card(c, ui) for c in answer.citations) + "</div>"


def _card(citation: Citation, ui: str) -> str:
    meta = citation.chunk.meta
    status = meta.get("status", "")
    page = meta.get("page")
    details = [meta.get("issuer"), meta.get("doc_number"), meta.get("section"),
               t("page_n", ui).format(page=page) if page else None, meta.get("lang"), meta.get("doc_type")]
    return (f'<div class="kb-card" id="kb-src-{citation.n}">'
            f'<div class="kb-head"><span class="kb-n">[{citation.n}]</span>{html.escape(meta.get("title", ""))}'
            f'<span class="kb-badge kb-{html.escape(status)}">{html.escape(status_name(status, ui))}</span></div>'
            f'<div class="kb-meta">{" · ".join(html.escape(str(d)) for d in details if d)}</div>'
            f'<blockquote class="kb-text">{highlight(citation.chunk.text, citation.quote)}</blockquote>'
            f'<div class="kb-open"><a href="{html.escape(card_link(meta, citation.quote))}" '
            f'target="_blank" rel="noopener">{html.escape(t("open", ui))} ↗</a></div>{change_link(citation, ui)}</div>')


def api_answer(answer: Answer) -> dict:
    """The answer object (docs/ARCHITECTURE.md) for remote callers, each citation's server path
    giving way to a link.

    gradio_client takes any dict with a string "path" for a file to download (and fails on it),
    and a server path means nothing to a remote caller anyway. "path" stays, as null; "url"
    (relative to the app's address) opens the cited file through the role-checked route."""
    data = answer.to_json()
    for citation in data["citations"]:
        citation["url"] = source_link(citation["doc_id"], citation.get("page"))
        citation["path"] = None
    return data


def refused(question: str, role: str, message: str, limit: int) -> dict:
    """The answer object for a question that was not answered: no text, the reason in ``error``.

    The question is echoed at most ``limit`` characters long, so refusing a huge question does
    not send it back whole."""
    shown = shorten(question or "", limit)
    return api_answer(Answer(shown, role, detect_lang(shown), "", True, error=message))
