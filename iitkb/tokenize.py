"""Tokens for BM25 in two languages: jieba words for Chinese, stemmed lower-case words for English.

A whitespace tokenizer sees a Chinese sentence as one token, which is why plain BM25 fails on
Chinese; jieba's search mode cuts it into words and their parts. The termbase's Chinese terms are
added to jieba's dictionary so 人类遗传资源 or 伦理委员会 stay whole.
"""

from __future__ import annotations

import logging
import marshal
import os
import re
import tempfile
from functools import lru_cache

import jieba
import Stemmer

from iitkb.text import CJK_RUN as _CJK

_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
EN_STOP = frozenset("""a an and are as at be by can do does for from has have how i if in is it its
may must of on or shall should that the their there these this to was what when where which who
will with within without you your we our us they say says said tell mean means please did about any
also""".split())
ZH_STOP = frozenset("""的 了 和 与 及 或 是 在 对 由 为 将 等 中 应 应当 可以 其 并 于 以 之 个 我 吗 呢 吧 哪些 什么 如何
怎么 是否 需要 一个 多少 几 哪 哪个 哪里 哪儿 谁 何时 什么样 怎样 为什么 你们 我们 他们 您 有没有 能不能 能否 请问
一下 还 都 也 就 这 那 这个 那个 么""".split())
# Snowball keeps a verb and its noun apart where English changes the stem ("submit"/"submission",
# "retain"/"retention", "register"/"registration"), and regulatory questions tend to use the verb
# ("how long must records be retained?") where the rules use the noun ("retention period"). Each
# noun stem maps to its verb's; so do acronym plurals ("PIs"). A stem ending in "ifi" ("notifi",
# from "notify") drops its last letter to meet the noun's ("notif", from "notification").
DERIVED_STEMS = {"submiss": "submit", "resubmiss": "resubmit", "permiss": "permit", "transmiss": "transmit",
                 "admiss": "admit", "omiss": "omit", "decis": "decid", "retent": "retain", "registr": "regist",
                 "registri": "regist", "storag": "store", "extens": "extend", "suspens": "suspend",
                 "conclus": "conclud", "expiri": "expir", "descript": "describ", "prescript": "prescrib",
                 "analysi": "analys", "analyz": "analys", "deliveri": "deliv", "failur": "fail",
                 "pis": "pi", "cros": "cro", "cras": "cra", "irbs": "irb", "info": "inform"}


def base_stem(stem: str) -> str:
    """The stem a word's derived forms share (idempotent, so stored tokens can pass through it again)."""
    stem = DERIVED_STEMS.get(stem, stem)
    return stem[:-1] if stem.endswith("ifi") else stem


class Tokenizer:
    """Example: ``Tokenizer(["人类遗传资源"]).tokens("HGR 人类遗传资源出境审批")``."""

    def __init__(self, zh_terms: list[str] = ()):
        self._zh_terms = [t for t in zh_terms if _CJK.search(t)]
        self._tokenizer = None
        self._stem = Stemmer.Stemmer("english").stemWord

    @property
    def _jieba(self) -> jieba.Tokenizer:
        """Built on first Chinese text (its dictionary takes about a quarter of a second to read)."""
        if self._tokenizer is None:
            tokenizer = load_jieba()
            for term in self._zh_terms:
                tokenizer.add_word(term, freq=2000)
            self._tokenizer = tokenizer
        return self._tokenizer

    def is_word(self, token: str) -> bool:
        """Whether jieba's dictionary knows a Chinese token; its HMM also invents fragments (单是)."""
        return bool(self._jieba.FREQ.get(token))

    def tokens(self, text: str) -> list[str]:
        out: list[str] = []
        position = 0
        for match in _CJK.finditer(text):
            out.extend(self._latin(text[position:match.start()]))
            out.extend(w for w in self._jieba.cut_for_search(match.group()) if w not in ZH_STOP)
            position = match.end()
        out.extend(self._latin(text[position:]))
        return out

    def _latin(self, text: str) -> list[str]:
        words = (w.lower() for w in _WORD.findall(text))
        return [base_stem(self._stem(w)) for w in words if w not in EN_STOP]


def load_jieba() -> jieba.Tokenizer:
    """A jieba tokenizer with its default dictionary, read from jieba's own cache in one piece.

    jieba reads that cache with ``marshal.load`` on the open file, which fetches every one of its
    half a million words through a separate read: 0.8-0.9 s of a cold ``iitkb ask``, against
    0.25 s for ``marshal.loads`` of the whole file (the same dictionary, so the same tokens). Where
    the cache is missing or unreadable, jieba builds it as it always does."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    cache = os.path.join(tokenizer.tmp_dir or tempfile.gettempdir(), tokenizer.cache_file or "jieba.cache")
    try:
        with open(cache, "rb") as fh:
            freq, total = marshal.loads(fh.read())
    except (OSError, EOFError, ValueError, TypeError):
        freq = None
    if isinstance(freq, dict) and freq and isinstance(total, int):
        tokenizer.FREQ, tokenizer.total, tokenizer.initialized = freq, total, True
    else:
        tokenizer.initialize()
    return tokenizer


@lru_cache(maxsize=4)
def tokenizer_for(glossary_terms: tuple[str, ...]) -> Tokenizer:
    return Tokenizer(list(glossary_terms))
