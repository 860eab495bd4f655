"""Language detection and sentence splitting for both languages, shared by ingest and answers."""

from __future__ import annotations

import re

# The one definition of a Chinese character: CJK Unified Ideographs, Extension A and the
# compatibility block (other modules import these rather than writing their own ranges).
CJK_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
CJK = re.compile(f"[{CJK_CHARS}]")
CJK_RUN = re.compile(f"[{CJK_CHARS}]+")
_LATIN = re.compile(r"[A-Za-z]")
# Semicolons join clauses of one statement, so they do not end a sentence here.
_ZH_END = re.compile(r"(?<=[。！？])")
_EN_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"“(\[])")
_ABBREV = re.compile(r"(?:\b(?:No|Art|Arts|e\.g|i\.e|vs|etc|Dr|Mr|Ms|Co|Inc|Ltd|cf|approx|para)\.|\b[A-Z]\.)$")
_MARKERS_AFTER_STOP = re.compile(r"([.。!?！？;；])((?:\s*\[\d{1,3}\])+)")
_BULLET = re.compile(r"^(?:[-*•]\s+|\d+\)\s+)")


def detect_lang(text: str) -> str:
    """zh when Chinese characters carry the text, else en (a few Latin acronyms don't count)."""
    cjk = cjk_count(text)
    latin = len(_LATIN.findall(text))
    return "zh" if cjk > 0 and cjk * 3 >= latin else "en"


def has_cjk(text: str) -> bool:
    return CJK.search(text) is not None


def cjk_count(text: str) -> int:
    return len(CJK.findall(text))


def split_sentences(text: str) -> list[str]:
    sentences: list[str] = []
    for line in text.splitlines():
        line = _BULLET.sub("", line.strip())
        if not line:
            continue
        pieces = [p for part in _ZH_END.split(line) for p in _EN_END.split(part)]
        merged: list[str] = []
        for piece in (p.strip() for p in pieces):
            if not piece:
                continue
            if merged and _ABBREV.search(merged[-1]):
                merged[-1] = f"{merged[-1]} {piece}"
            else:
                merged.append(piece)
        sentences.extend(merged)
    return sentences


def split_cited(text: str) -> list[str]:
    """Sentences of a cited answer, each keeping the [n] markers written after its full stop."""
    return split_sentences(_MARKERS_AFTER_STOP.sub(lambda m: f"{m.group(2)}{m.group(1)}", text))
