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
# After a full stop, or after the closing bracket or quote that follows one ("……国家卫生健康委。）").
_ZH_END = re.compile(r"(?<=[。！？])(?![”’」』）)】])|(?<=[。！？][”’」』）)】])")
_EN_END = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][)\]\"”’]))\s+(?=[A-Z0-9\"“(\[])")
_ABBREV = re.compile(r"(?:\b(?:No|Art|Arts|e\.g|i\.e|vs|etc|Dr|Mr|Ms|Co|Inc|Ltd|cf|approx|para)\.|\b[A-Z]\.)[)\]\"”’]?$")
_MARKERS_AFTER_STOP = re.compile(r"([.。!?！？;；])((?:\s*\[\d{1,3}\])+)")
_BULLET = re.compile(r"^(?:[-*•]\s+|\d+\)\s+)")


def detect_lang(text: str) -> str:
    """zh when Chinese characters carry the text, else en (a few Latin acronyms don't count)."""
    cjk = cjk_count(text)
    latin = len(_LATIN.findall(text))
    return "zh" if cjk > 0 and cjk * 3 >= latin else "en"


# Kana, Hangul, and letters of other scripts: text the knowledge base (Chinese and English) cannot
# answer. A Japanese question is written in kanji and kana; its kanji alone would pass for Chinese.
_OTHER_SCRIPT = re.compile(r"[\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff"
                           r"\u0370-\u03ff\u0400-\u052f\u0590-\u05ff\u0600-\u06ff\u0900-\u097f\u0e00-\u0e7f]")
# Share of the letters in another script from which a question counts as written in it: a
# Chinese or English question may quote a Greek letter or a Japanese name; 20% is a sentence.
OTHER_SCRIPT_SHARE = 0.2


OTHER_LANGUAGE_NOTE = ("Not covered: please ask in Chinese or English, the two languages of this knowledge "
                       "base. / 请用中文或英文提问：本知识库只回答这两种语言的问题。")


def other_language(text: str) -> bool:
    """Whether the text is written in a language other than Chinese or English (by its script:
    Japanese, Korean, Russian, Arabic, Hindi, Thai, Greek, Hebrew; Latin-script languages read as English)."""
    other = len(_OTHER_SCRIPT.findall(text))
    letters = other + cjk_count(text) + len(_LATIN.findall(text))
    return other > 0 and other >= OTHER_SCRIPT_SHARE * letters


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
