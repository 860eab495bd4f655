"""BM25 over jieba/stemmed tokens (bm25s), persisted beside Chroma.

Tokenising is the slow part, so ingestion tokenises each changed chunk once and stores the tokens
in the catalog; this index is rebuilt from them in seconds whenever the catalog's generation moves
on. Filter columns (language, access, status ...) sit beside the matrix so a role or filter is
applied as a mask before ranking, never after.
"""

from __future__ import annotations

import json
import os
import shutil
import threading
import uuid
from functools import cached_property
from pathlib import Path

import bm25s
import numpy as np

from index.catalog import Catalog
from index.conditions import column_mask

# The fields retrieval.filters turns roles and filters into (an issuer or date filter becomes a
# doc_id list), so a mask is built from these columns alone.
COLUMNS = ("doc_id", "lang", "doc_type", "status", "access")


class LexicalIndex:
    def __init__(self, bm25: bm25s.BM25 | None, ids: list[str], columns: dict[str, np.ndarray],
                 generation: int):
        self.bm25 = bm25
        self.ids = ids
        self.columns = columns
        self.generation = generation

    @classmethod
    def build(cls, catalog: Catalog) -> "LexicalIndex":
        generation = catalog.generation
        ids, corpus, metas = [], [], []
        for chunk_id, tokens, meta in catalog.token_rows():
            ids.append(chunk_id)
            corpus.append(tokens or [""])
            metas.append(meta)
        bm25 = None
        if ids:
            bm25 = bm25s.BM25()
            bm25.index(corpus, show_progress=False)
        columns = {name: np.array([str(m.get(name, "")) for m in metas], dtype=str) for name in COLUMNS}
        return cls(bm25, ids, columns, generation)

    def save(self, directory: Path):
        """Write to a temporary directory, then swap it in: a reader never sees half an index.

        Ingestion and every serving process's reader may save at once (each rebuilds when the
        catalog moved on), so each writes under a name of its own; when another's index landed
        first, this one is dropped (the generation check rebuilds whichever is stale)."""
        own = f"{os.getpid()}-{threading.get_ident()}-{uuid.uuid4().hex[:8]}"
        tmp = directory.with_name(f"{directory.name}.tmp-{own}")
        tmp.mkdir(parents=True)
        try:
            if self.bm25 is not None:
                self.bm25.save(str(tmp / "bm25"), show_progress=False)
            np.savez(tmp / "columns.npz", **self.columns)
            (tmp / "ids.json").write_text(json.dumps({"generation": self.generation, "ids": self.ids}))
            old = directory.with_name(f"{directory.name}.old-{own}")
            try:
                directory.rename(old)
            except FileNotFoundError:
                pass
            try:
                tmp.rename(directory)
            except OSError:             # another writer swapped its index in meanwhile
                pass
            shutil.rmtree(old, ignore_errors=True)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, directory: Path) -> "LexicalIndex | None":
        try:
            head = json.loads((directory / "ids.json").read_text())
            columns = dict(np.load(directory / "columns.npz"))
            bm25 = bm25s.BM25.load(str(directory / "bm25"), show_progress=False) if head["ids"] else None
        except (OSError, ValueError, KeyError):
            return None
        return cls(bm25, head["ids"], columns, head["generation"])

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
        if self.bm25 is None:
            return {t: 0.0 for t in tokens}
        indptr, vocab, n = self.bm25.scores["indptr"], self.bm25.vocab_dict, len(self.ids)
        out = {}
        for token in tokens:
            tid = vocab.get(token)
            df = int(indptr[tid + 1] - indptr[tid]) if tid is not None and tid + 1 < len(indptr) else 0
            out[token] = float(np.log(1 + (n - df + 0.5) / (df + 0.5)))
        return out

    @cached_property
    def _position(self) -> dict[str, int]:
        return {chunk_id: i for i, chunk_id in enumerate(self.ids)}

    def passing(self, ids: list[str], conds) -> set[str]:
        """The ids that meet the conditions, from the in-memory metadata columns (an id this index
        does not hold never passes)."""
        mask = column_mask(self.columns, conds)
        return {i for i in ids if (at := self._position.get(i)) is not None and mask[at]}

    def knows(self, token: str) -> bool:
        return self.bm25 is not None and token in self.bm25.vocab_dict

    def search(self, tokens: list[str], k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        if self.bm25 is None or not tokens:
            return []
        scores = self.bm25.get_scores(tokens)
        if mask is not None:
            scores = np.where(mask, scores, 0.0)
        k = min(k, int((scores > 0).sum()))
        if k == 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top]
