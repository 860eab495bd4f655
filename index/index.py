"""The one interface over everything on disk: dense store, catalog, BM25, embedding cache, embedder.

Ingestion writes through it and retrieval reads through it; neither touches Chroma, SQLite or
bm25s itself, so a backend (a Chroma server instead of the embedded store, another embedder)
swaps here without touching callers. Writes keep the catalog's crash-safety rule: a document is
``pending`` in the catalog before the dense store is touched and ``done`` after, and ``recover``
removes whatever a killed run left pending.

Example::

    index = Index(load_settings())
    index.begin("nhc-iit-2024-en", "corpus/rules/nhc-iit-2024.en.md", file_hash, meta)
    vectors, fresh = index.embed_passages(texts)
    index.write([Written("nhc-iit-2024-en", chunks, vectors, tokens)])
    hits = index.dense(index.embed_query("ethics review"), k=10, conds=[("access", "in", ["public"])])
"""

from __future__ import annotations

import hashlib
import threading
from dataclasses import dataclass

import numpy as np

from iitkb.schema import Chunk
from iitkb.settings import Settings
from index.cache import EmbeddingCache
from index.catalog import Catalog, DocRecord
from index.conditions import Condition, chroma_where, column_mask, passes
from index.diskfull import guard_disk
from index.embedders import Embedder, make_embedder
from index.lexical import LexicalIndex
from index.store import ChromaStore, check_built_with, store_info
from index.vectors import VectorView


@dataclass
class Written:
    """One document's new chunks, with their vectors and BM25 tokens, ready to be stored."""

    doc_id: str
    chunks: list[Chunk]
    vectors: np.ndarray
    tokens: list[list[str]]


class Index:
    def __init__(self, settings: Settings, embedder: Embedder | None = None):
        self.settings = settings
        self.embedder = embedder or make_embedder(settings)
        with guard_disk(settings.data_dir):
            self.catalog = Catalog(settings.data_dir)
        self._cache: EmbeddingCache | None = None
        self._store: ChromaStore | None = None
        self._lexical: LexicalIndex | None = None
        self._vectors: tuple[int, VectorView | None] | None = None   # (catalog generation, view)
        self._stored: tuple[int, int] | None = None     # (catalog generation, chunks in the store)
        self._lock = threading.Lock()
        self._opening = threading.Lock()     # ingestion opens the store and the cache from its threads

    @property
    def store(self) -> ChromaStore:
        """Opened on first need: an unchanged re-ingest never touches Chroma."""
        if self._store is None:
            with self._opening:
                if self._store is None:
                    self._store = ChromaStore(self.settings, self.embedder.info)
        return self._store

    def open_store(self) -> "Index":
        """Make sure the index can answer now, so a mismatched or unreachable one fails at
        start-up: a current vector view answers without Chroma, otherwise the store is opened."""
        if self.vector_view() is None:
            _ = self.store
        return self

    @property
    def cache(self) -> EmbeddingCache:
        if self._cache is None:
            with self._opening:
                if self._cache is None:
                    self._cache = EmbeddingCache(self.settings.data_dir, self.embedder.info)
        return self._cache

    def close(self):
        self.catalog.close()
        if self._cache is not None:
            self._cache.close()

    # documents ---------------------------------------------------------------------------
    @property
    def generation(self) -> int:
        return self.catalog.generation

    def documents(self, state: str | None = "done") -> list[DocRecord]:
        return self.catalog.documents(state)

    def document(self, doc_id: str) -> DocRecord | None:
        return self.catalog.get(doc_id)

    def document_at(self, path: str) -> DocRecord | None:
        return self.catalog.by_path(path)

    def stats(self, access: tuple[str, ...] = ("public", "internal")) -> dict:
        return self.catalog.stats(access)

    def chunk_count(self) -> int:
        return self.catalog.chunk_count()

    def version(self, access: tuple[str, ...] = ("public", "internal")) -> str:
        """A content hash of the catalog: which documents are indexed, and from which file
        contents. The same version means the same index, so an answer can be reproduced later."""
        return catalog_version(self.catalog, access)

    # writing -----------------------------------------------------------------------------
    def embed_passages(self, texts: list[str], batch: int | None = None) -> tuple[np.ndarray, int]:
        """Vectors for ``texts``, from the cache where it has them; returns them and how many
        were newly embedded."""
        vectors, missing = self.cache.get_many(texts)
        step = batch or self.settings.embed_batch
        for start in range(0, len(missing), step):
            part = missing[start:start + step]
            fresh = self.embedder.embed_passages([texts[i] for i in part])
            for i, vector in zip(part, fresh):
                vectors[i] = vector
            with guard_disk(self.settings.data_dir):
                self.cache.put_many([texts[i] for i in part], fresh)
        return vectors, len(missing)

    def begin(self, doc_id: str, path: str, file_hash: str, meta: dict):
        """Mark a document pending before any of its chunks are written."""
        with guard_disk(self.settings.data_dir):
            self.catalog.mark_pending(doc_id, path, file_hash, meta)

    def write(self, documents: list[Written]):
        """Store several begun documents at once and mark each done (few Chroma writes: each
        costs about 57 ms whatever its size)."""
        if not documents:
            return
        with guard_disk(self.settings.data_dir):
            self.store.replace_documents([(d.doc_id, d.chunks, d.vectors) for d in documents])
            for d in documents:
                self.catalog.commit_document(d.doc_id, d.chunks, d.tokens)

    def remove(self, doc_id: str) -> bool:
        """Take a document out of every store (crash-safe: pending first)."""
        record = self.catalog.get(doc_id)
        if record is None:
            return False
        self.catalog.mark_pending(doc_id, record.path, record.file_hash, record.meta)
        self.store.delete_document(doc_id)
        self.catalog.remove_document(doc_id)
        return True

    def recover(self) -> int:
        """Remove every trace of documents a killed run left half-written."""
        pending = self.catalog.documents(state="pending")
        for record in pending:
            self.store.delete_document(record.doc_id)
            self.catalog.remove_document(record.doc_id)
        return len(pending)

    def refresh_views(self):
        """Rebuild BM25 from the catalog's stored tokens (seconds, no re-tokenising) and, for the
        embedded store, copy its vectors into the view beside it (``index.vectors``)."""
        with guard_disk(self.settings.data_dir):
            lexical = LexicalIndex.build(self.catalog)
            lexical.save(self.settings.data_dir / "lexical")
            if self.settings.chroma_url:
                return
            view = VectorView.build(self.store, lexical.ids, lexical.generation)
            if view is None:
                VectorView.remove(self.settings.data_dir / "vectors")
            else:
                view.save(self.settings.data_dir / "vectors")
            self._vectors = None                       # read again on next use

    # checking ----------------------------------------------------------------------------
    def check(self):
        """Where the catalog, Chroma and BM25 disagree (index/check.py)."""
        from index.check import check

        return check(self)

    def repair(self, text_of):
        """Fix what ``check`` finds; ``text_of(chunk)`` is what the embedder reads for a chunk."""
        from index.check import repair

        return repair(self, self.check(), text_of)

    # reading -----------------------------------------------------------------------------
    def lexical_index(self) -> LexicalIndex:
        """The BM25 view, reloaded whenever ingestion has moved the catalog on. A current view is
        returned without taking the lock: an answer asks for it dozens of times, and 20
        concurrent answers queued on the lock (py-spy under `iitkb bench --serve`)."""
        current, generation = self._lexical, self.catalog.generation
        if current is not None and current.generation == generation:
            return current
        with self._lock:
            generation = self.catalog.generation
            if self._lexical is None or self._lexical.generation != generation:
                self._lexical = LexicalIndex.open(self.catalog, self.settings.data_dir / "lexical")
            return self._lexical

    def views_current(self) -> bool:
        """Whether BM25 and (for the embedded store) the vector view match the catalog: a data
        folder from before the view existed gets one on its next ingest, changed or not."""
        return self.lexical_index() is not None and (bool(self.settings.chroma_url) or self.vector_view() is not None)

    def vector_view(self) -> VectorView | None:
        """The saved vector view when it is current (the catalog's generation, the BM25 index's
        chunk order, the configured embedder: a view built with another raises
        ``IndexMismatchError``); None sends dense search to Chroma."""
        generation = self.catalog.generation
        cached = self._vectors
        if cached is not None and cached[0] == generation:
            return cached[1]
        view = None if self.settings.chroma_url else VectorView.load(self.settings.data_dir / "vectors")
        if view is not None:
            check_built_with(view.info, store_info(self.embedder.info), str(self.settings.data_dir / "chroma"))
            if view.generation != generation or view.ids != self.lexical_index().ids:
                view = None
        self._vectors = (generation, view)
        return view

    def embed_query(self, text: str) -> np.ndarray:
        return self.embedder.embed_query(text)

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        return self.embedder.embed_queries(texts)

    def chunks(self, ids: list[str] | None = None) -> list[Chunk]:
        return self.catalog.chunks(ids)

    def document_chunks(self, doc_id: str) -> list[Chunk]:
        """One finished document's chunks in reading order (for comparing versions)."""
        return [c for c in self.catalog.chunks() if c.meta.get("doc_id") == doc_id]

    def counterpart(self, chunk: Chunk, lang: str, conds: list[Condition]) -> Chunk | None:
        """The same clause in the rule's ``lang`` document, if it exists and passes ``conds``."""
        pair = self.catalog.counterpart(chunk.meta["source_id"], lang, chunk.meta.get("section_key", ""))
        return pair if pair is not None and passes(pair.meta, conds) else None

    def dense(self, vector: np.ndarray, k: int, conds: list[Condition]) -> list[tuple[str, float]]:
        """(chunk id, cosine) of the ``k`` nearest chunks that pass ``conds``."""
        lexical, view = self.lexical_index(), self.vector_view()
        if view is not None and view.generation == lexical.generation:
            return view.search(vector, k, column_mask(lexical.columns, conds))
        return self.store.query(vector, k, chroma_where(conds),
                                accept=lambda ids: self.lexical_index().passing(ids, conds),
                                total=self._stored_count())

    def _stored_count(self) -> int:
        """The store's chunk count, read once per catalog generation: Chroma's ``count()`` holds
        the GIL while it waits for the store's lock, and under 20 concurrent questions it took a
        third of the server's interpreter time (py-spy, `iitkb bench --serve`)."""
        generation = self.catalog.generation
        stored = self._stored
        if stored is None or stored[0] != generation:
            stored = self._stored = (generation, self.store.count())
        return stored[1]

    def lexical(self, tokens: list[str], k: int, conds: list[Condition]) -> list[tuple[str, float]]:
        index = self.lexical_index()
        return index.search(tokens, k, column_mask(index.columns, conds))

    def idf(self, tokens: list[str]) -> dict[str, float]:
        return self.lexical_index().idf(tokens)

    def knows(self, token: str) -> bool:
        return self.lexical_index().knows(token)


def catalog_version(catalog: Catalog, access: tuple[str, ...] = ("public", "internal")) -> str:
    """sha256 of the sorted (doc_id, file hash) of finished documents with ``access``; a sponsor's
    version covers public documents only, so it reveals nothing about internal ones."""
    rows = sorted((d.doc_id, d.file_hash) for d in catalog.documents() if d.meta.get("access") in access)
    return hashlib.sha256("\n".join(f"{i}\t{h}" for i, h in rows).encode()).hexdigest()[:16]
