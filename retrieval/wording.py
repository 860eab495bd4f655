"""Word-level differences between two wordings of a clause, and one-line summaries of them.

Words are jieba's for Chinese (its precise mode, which cuts a sentence into words that join back
into the sentence) and whitespace-separated words for everything else, so "10日" -> "5个工作日"
shows as one replaced word rather than a scatter of characters.

Example::

    ops = word_diff("within 10 days", "within 5 working days")
    # [("=", "within "), ("-", "10"), ("+", "5 working"), ("=", " days")]
    edit_phrase(ops, "en")        # '"10" became "5 working"'
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from functools import lru_cache

from iitkb.text import CJK_RUN

# Characters of old or new text quoted in a one-line summary.
SNIPPET_CHARS = 60
# Share of a clause's characters (old and new together) inside edits above which it reads as
# rewritten: then no single edit stands for the change, and the summary says so instead.
REWRITE_SHARE = 0.5
_TOKEN = re.compile(r"\s+|[^\W_]+(?:[-'’][^\W_]+)*|\S")

PHRASES = {
    "en": {"replace": "\u201c{old}\u201d became \u201c{new}\u201d", "insert": "added \u201c{new}\u201d",
           "delete": "deleted \u201c{old}\u201d", "more": "; {n} more edit(s)", "none": "wording unchanged",
           "rewrite": "largely rewritten ({pct}% of the wording changed, {n} edits)"},
    "zh": {"replace": "\u201c{old}\u201d改为\u201c{new}\u201d", "insert": "增加\u201c{new}\u201d",
           "delete": "删去\u201c{old}\u201d", "more": "，另有{n}处修改", "none": "内容未变",
           "rewrite": "大幅改写（约{pct}%的文字有改动，共{n}处）"},
}


@lru_cache(maxsize=1)
def _jieba():
    """Loaded on first Chinese text: English diffs never pay for it."""
    from iitkb.tokenize import load_jieba

    return load_jieba()


def words(text: str) -> list[str]:
    """Tokens that join back into ``text``: jieba words in Chinese runs, words, spaces and
    punctuation elsewhere."""
    out: list[str] = []
    position = 0
    for match in CJK_RUN.finditer(text):
        out.extend(_TOKEN.findall(text[position:match.start()]))
        out.extend(_jieba().lcut(match.group(), HMM=False))
        position = match.end()
    out.extend(_TOKEN.findall(text[position:]))
    return out


def word_diff(old: str, new: str) -> list[tuple[str, str]]:
    """("=", text), ("-", removed), ("+", added) runs; a replacement is a "-" then a "+"."""
    a, b = words(old), words(new)
    ops: list[tuple[str, str]] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag in ("delete", "replace"):
            _push(ops, "-", "".join(a[i1:i2]))
        if tag in ("insert", "replace"):
            _push(ops, "+", "".join(b[j1:j2]))
        if tag == "equal":
            _push(ops, "=", "".join(a[i1:i2]))
    return _absorb_spaces(ops)


def _push(ops: list[tuple[str, str]], op: str, text: str):
    if ops and ops[-1][0] == op:
        ops[-1] = (op, ops[-1][1] + text)
    elif text:
        ops.append((op, text))


def _absorb_spaces(ops: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Whitespace alone between two edits joins them: each block of edits becomes one deletion
    followed by one insertion ("A X B" -> "A Y C" reads as "X B" became "Y C")."""
    merged: list[tuple[str, str]] = []
    block: list[str] | None = None
    for i, (op, text) in enumerate(ops + [("=", "")]):
        inside = 0 < i < len(ops) - 1 and ops[i - 1][0] != "=" and ops[i + 1][0] != "="
        if op == "=" and not (inside and not text.strip()):
            if block:
                _push(merged, "-", block[0])
                _push(merged, "+", block[1])
            block = None
            _push(merged, "=", text)
            continue
        block = block or ["", ""]
        block[0] += text if op in "=-" else ""
        block[1] += text if op in "=+" else ""
    return merged


def edits(ops: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """(old, new) of each edit, a deletion or an insertion having one side empty."""
    out: list[tuple[str, str]] = []
    pending = ["", ""]
    for op, text in ops + [("=", "")]:
        if op == "=":
            if pending[0].strip() or pending[1].strip():
                out.append((pending[0].strip(), pending[1].strip()))
            pending = ["", ""]
        else:
            pending[0 if op == "-" else 1] += text
    return out


def edit_phrase(ops: list[tuple[str, str]], lang: str) -> str:
    """The largest edit in words, and how many others there are."""
    phrases = PHRASES[lang]
    found = edits(ops)
    if not found:
        return phrases["none"]
    share = changed_share(ops)
    if share >= REWRITE_SHARE and len(found) > 1:
        return phrases["rewrite"].format(pct=round(100 * share), n=len(found))
    old, new = max(found, key=lambda e: (len(e[0]) + len(e[1]), -found.index(e)))
    kind = "replace" if old and new else ("delete" if old else "insert")
    text = phrases[kind].format(old=snippet(old), new=snippet(new))
    return text + (phrases["more"].format(n=len(found) - 1) if len(found) > 1 else "")


def changed_share(ops: list[tuple[str, str]]) -> float:
    """Share of non-space characters (old and new counted together) that are in edits."""
    sizes = {"=": 0, "-": 0, "+": 0}
    for op, text in ops:
        sizes[op] += len(re.sub(r"\s+", "", text))
    total = 2 * sizes["="] + sizes["-"] + sizes["+"]
    return (sizes["-"] + sizes["+"]) / total if total else 0.0


def snippet(text: str, limit: int = SNIPPET_CHARS) -> str:
    flat = re.sub(r"\s+", " ", text).strip()
    return flat if len(flat) <= limit else flat[:limit - 1].rstrip() + "…"

