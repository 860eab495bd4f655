"""The embedded store's vectors as one matrix beside BM25: dense search without opening Chroma.

Chroma stays the store every write goes to. After each ingest, the vectors of the catalog's
chunks are copied out of it into ``vectors.npy``, row for row in the BM25 index's chunk order, so
the same filter mask (role, language, status ...) applies to both paths before ranking. Reading
it needs numpy alone: importing chromadb and opening its client was 0.8 s of a fresh
`iitkb ask`, more than the answer itself. Search is exact (one matrix-vector product over
normalised rows: well under a millisecond at 10k chunks), where Chroma's HNSW graph is close to
exact at this size.

The view is used only while it matches the catalog's generation and the configured embedder;
otherwise (another process is mid-ingest, a `chroma run` server is configured) Chroma answers.

Example::

    view = VectorView.build(store, lexical.ids, catalog.generation)
    view.save(data_dir / "vectors")
    VectorView.load(data_dir / "vectors").search(query_vector, k=10, mask=mask)
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from index.swap import swap_in

MATRIX_FILE, HEAD_FILE = "vectors.npy", "vectors.json"


class VectorView:
    def __init__(self, matrix: np.ndarray, ids: list[str], generation: int, info: dict):
        if matrix.shape[0] != len(ids):
            raise ValueError(f"{matrix.shape[0]} vectors for {len(ids)} chunk ids")
        self.matrix, self.ids, self.generation, self.info = matrix, ids, generation, info

    @classmethod
    def build(cls, store, ids: list[str], generation: int) -> "VectorView | None":
        """The store's vectors of ``ids`` in that order, or None when the store lacks any of them
        (a half-written document: Chroma keeps answering until the next complete ingest)."""
        found, rows = store.vectors(ids)
        if len(found) != len(ids):
            return None
        order = {chunk_id: i for i, chunk_id in enumerate(found)}
        matrix = rows[[order[i] for i in ids]] if ids else rows
        norms = np.linalg.norm(matrix, axis=1, keepdims=True)
        return cls((matrix / np.where(norms > 0, norms, 1.0)).astype(np.float32), list(ids), generation,
                   dict(store.info))

    def save(self, directory: Path):
        def fill(tmp: Path):
            np.save(tmp / MATRIX_FILE, self.matrix, allow_pickle=False)
            (tmp / HEAD_FILE).write_text(json.dumps({"generation": self.generation, "info": self.info,
                                                     "ids": self.ids}))

        swap_in(directory, fill)

    @classmethod
    def load(cls, directory: Path) -> "VectorView | None":
        """The saved view, memory-mapped (a serving process pages in only what it reads), or
        None when there is none or it does not fit together."""
        try:
            head = json.loads((directory / HEAD_FILE).read_text())
            matrix = np.load(directory / MATRIX_FILE, mmap_mode="r", allow_pickle=False)
            return cls(matrix, head["ids"], int(head["generation"]), head["info"])
        except (OSError, ValueError, KeyError, TypeError):
            return None

    @staticmethod
    def remove(directory: Path):
        """Drop a view that no longer matches the store, so no reader can take it for current."""
        swap_in(directory, lambda tmp: None)

    def search(self, vector: np.ndarray, k: int, mask: np.ndarray | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the ``k`` nearest chunks where ``mask`` is true."""
        if not self.ids:
            return []
        query = np.asarray(vector, dtype=np.float32)
        query = query / (np.linalg.norm(query) or 1.0)
        scores = self.matrix @ query
        if mask is not None:
            scores = np.where(mask, scores, -np.inf)
        k = min(k, len(scores) if mask is None else int(mask.sum()))
        if k <= 0:
            return []
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind="stable")]
        return [(self.ids[i], float(scores[i])) for i in top]
