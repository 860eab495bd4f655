"""BM25 over jieba/stemmed tokens (bm25s), persisted beside Chroma.

Tokenising is the slow part, so ingestion tokenises each changed chunk once and stores the tokens
in the catalog; this index is rebuilt from them in seconds whenever the catalog's generation moves
on. Filter columns (language, access, status ...) sit beside the matrix so a role or filter is
applied as a mask before ranking, never after.

bm25s builds the matrix; querying it is a sum over a few posting lists, so ``Postings`` reads
bm25s's saved files with numpy alone: importing bm25s (and the scipy it needs) cost a fresh
`iitkb ask` 0.27-0.32 s of its cold start.
"""

from __future__ import annotations

import json
from functools import cached_property
from pathlib import Path

import numpy as np

from index.catalog import Catalog
from index.conditions import column_mask
from index.swap import swap_in
from iitkb.tokenize import base_stem

# The fields retrieval.filters turns roles and filters into (an issuer or date filter becomes a
# doc_id list), so a mask is built from these columns alone.
COLUMNS = ("doc_id", "lang", "doc_type", "status", "access")
# bm25s's file names for the matrix (compressed sparse columns, one column per token) and its vocab.
MATRIX_FILES = {"data": "data.csc.index.npy", "indices": "indices.csc.index.npy", "indptr": "indptr.csc.index.npy"}
VOCAB_FILE, PARAMS_FILE = "vocab.index.json", "params.index.json"
# How stored tokens become index terms; an index saved under another version is rebuilt on open.
# 2: English noun stems joined to their verbs' (iitkb.tokenize.base_stem).
LEXICAL_VERSION = 2


class Postings:
    """BM25's precomputed per-token chunk scores, as bm25s saves them.

    A query's scores are the sums of its tokens' columns, as ``bm25s.BM25.get_scores`` computes
    them for the lucene method this index uses: unknown tokens are left out, a repeated token
    counts each time.

    Example::

        postings = Postings.read(Path("data/lexical/bm25"))
        postings.scores(["伦理", "审查"])          # one float32 score per chunk
    """

    def __init__(self, data: np.ndarray, indices: np.ndarray, indptr: np.ndarray, vocab: dict[str, int],
                 num_docs: int):
        if len(data) != len(indices) or not len(indptr) or int(indptr[-1]) != len(data):
            raise ValueError("the BM25 matrix files do not fit together")
        self.data, self.indices, self.indptr, self.vocab, self.num_docs = data, indices, indptr, vocab, num_docs
        self.columns = len(indptr) - 1            # bm25s's vocab ends with "", which has no column

    @classmethod
    def of(cls, bm25) -> "Postings":
        return cls(*(bm25.scores[name] for name in MATRIX_FILES), bm25.vocab_dict, int(bm25.scores["num_docs"]))

    @classmethod
    def read(cls, directory: Path) -> "Postings":
        arrays = [np.load(directory / name, allow_pickle=False) for name in MATRIX_FILES.values()]
        vocab = json.loads((directory / VOCAB_FILE).read_text(encoding="utf-8"))
        params = json.loads((directory / PARAMS_FILE).read_text(encoding="utf-8"))
        if params.get("method", "lucene") != "lucene":
            raise ValueError(f"a BM25 index of method {params['method']!r}; this reader sums lucene scores")
        return cls(*arrays, vocab, int(params["num_docs"]))

    def scores(self, tokens: list[str]) -> np.ndarray:
        out = np.zeros(self.num_docs, dtype=self.data.dtype)
        for token in tokens:
            start, end = self._postings(token)
            np.add.at(out, self.indices[start:end], self.data[start:end])
        return out

    def document_frequency(self, token: str) -> int:
        start, end = self._postings(token)
        return end - start

    def _postings(self, token: str) -> tuple[int, int]:
        column = self.vocab.get(token, self.columns)
        return (int(self.indptr[column]), int(self.indptr[column + 1])) if column < self.columns else (0, 0)


class LexicalIndex:
    def __init__(self, postings: Postings | None, ids: list[str], columns: dict[str, np.ndarray],
                 generation: int, bm25=None):
        self.postings = postings
        self._bm25 = bm25                          # the bm25s model just built, kept to save it
        self.ids = ids
        self.columns = columns
        self.generation = generation

    @classmethod
    def build(cls, catalog: Catalog) -> "LexicalIndex":
        generation = catalog.generation
        ids, corpus, metas = [], [], []
        for chunk_id, tokens, meta in catalog.token_rows():
            ids.append(chunk_id)
            corpus.append([base_stem(t) for t in tokens] or [""])
            metas.append(meta)
        bm25 = None
        if ids:
            import bm25s

            bm25 = bm25s.BM25()
            bm25.index(corpus, show_progress=False)
        columns = {name: np.array([str(m.get(name, "")) for m in metas], dtype=str) for name in COLUMNS}
        return cls(Postings.of(bm25) if bm25 else None, ids, columns, generation, bm25)

    def save(self, directory: Path):
        """Write the index beside the old one and swap it in (``index.swap``)."""
        def fill(tmp: Path):
            if self._bm25 is not None:
                self._bm25.save(str(tmp / "bm25"), show_progress=False)
            np.savez(tmp / "columns.npz", **self.columns)
            (tmp / "ids.json").write_text(json.dumps({"generation": self.generation, "ids": self.ids,
                                                      "version": LEXICAL_VERSION}))

        swap_in(directory, fill)

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex | None":
        try:
            head = json.loads((directory / "ids.json").read_text())
            columns = dict(np.load(directory / "columns.npz"))
            postings = Postings.read(directory / "bm25") if head["ids"] else None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        if head.get("version") != LEXICAL_VERSION:
            return None
        if postings is not None and postings.num_docs != len(head["ids"]):
            return None
        return cls(postings, head["ids"], columns, head["generation"])

    @classmethod
    def open(cls, catalog: Catalog, directory: Path) -> "LexicalIndex":
        """The saved index if it matches the catalog, otherwise a fresh one (saved for next time)."""
        index = cls.load(directory)
        if index is None or index.generation != catalog.generation:
            index = cls.build(catalog)
            index.save(directory)
        return index

    def idf(self, tokens: list[str]) -> dict[str, float]:
        """Inverse document frequency of each token.

        A token the corpus never uses gets the highest value: "Guangzhou" or "visa" in a question
        is the strongest sign that the knowledge base does not cover it."""
        if self.postings is None:
            return {t: 0.0 for t in tokens}
        n = len(self.ids)
        return {token: float(np.log(1 + (n - (df := self.postings.document_frequency(token)) + 0.5) / (df + 0.5)))
                for token in tokens}

    @cached_property
    def _position(self) -> dict[str, int]:
        return {chunk_id: i for i, chunk_id in enumerate(self.ids)}

    def passing(self, ids: list[str], conds) -> set[str]:
        """The ids that meet the conditions, from the in-memory metadata columns (an id this index
        does not hold never passes)."""
        mask = column_mask(self.columns, conds)
        return {i for i in ids if (at := self._position.get(i)) is not None and mask[at]}

    def knows(self, token: str) -> bool:
        return self.postings is not None and token in self.postings.vocab

    def search(self, tokens: list[str], k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        if self.postings is None or not tokens:
            return []
        scores = self.postings.scores(tokens)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, int((scores > 0).sum()))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top]
