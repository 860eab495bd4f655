"""The dense index: a Chroma collection, embedded and persistent by default, or a `chroma run` server.

The collection records how it was built (embedding backend, model, dimension); opening it with a
different embedder raises ``IndexMismatchError``. Chroma is given an embedding function that
refuses to run, so it can never fetch or apply a model of its own.
"""

from __future__ import annotations

import logging
from contextlib import contextmanager
from typing import Callable
from urllib.parse import urlparse

import numpy as np

from iitkb.schema import Chunk, to_store_metadata
from iitkb.settings import Settings

SCHEMA_VERSION = 1
OVERFETCH = 4          # unfiltered neighbours fetched per wanted one before falling back to a where query
READ_BATCH = 1000      # ids per Chroma read of stored vectors (its batch limit is larger; memory stays flat)


class IndexMismatchError(RuntimeError):
    """The index was built with another embedder than the one configured."""


class StoreError(RuntimeError):
    """The Chroma store cannot be reached or opened."""


class StoreUnavailable(StoreError):
    """The Chroma server stopped answering while the app runs. Nothing needs restarting: each
    query makes a new connection, so answers resume as soon as the server is back."""


@contextmanager
def reaching(settings: Settings):
    """Name a lost connection to a `chroma run` server as such (it surfaces as an httpx error)."""
    import httpx

    try:
        yield
    except (httpx.TransportError, ConnectionError) as exc:
        raise StoreUnavailable(f"the Chroma server at {settings.chroma_url} is not answering "
                               f"({exc.__class__.__name__}): start it again with `chroma run --path DIR`; "
                               "the app reconnects by itself") from exc


def _refusing_embedding_function():
    from chromadb.api.types import Documents, EmbeddingFunction, Embeddings

    class RefuseToEmbed(EmbeddingFunction[Documents]):
        def __init__(self):
            pass

        def __call__(self, input: Documents) -> Embeddings:
            raise RuntimeError("iitkb computes embeddings itself; Chroma must never embed")

        @staticmethod
        def name() -> str:
            return "iitkb-refuse-to-embed"

        def get_config(self) -> dict:
            return {}

        @staticmethod
        def build_from_config(config: dict) -> "RefuseToEmbed":
            return RefuseToEmbed()

    return RefuseToEmbed()


def _client(settings: Settings):
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    logging.getLogger("chromadb.telemetry").setLevel(logging.CRITICAL)
    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if not settings.chroma_url:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(settings.data_dir / "chroma"), settings=chroma_settings)
    url = urlparse(settings.chroma_url if "//" in settings.chroma_url else f"http://{settings.chroma_url}")
    try:
        return chromadb.HttpClient(host=url.hostname or "127.0.0.1", port=url.port or 8000,
                                   ssl=url.scheme == "https", settings=chroma_settings)
    except Exception as exc:
        raise StoreError(f"cannot reach the Chroma server at {settings.chroma_url} ({exc}); "
                         "start it with `chroma run --path DIR` or unset IITKB_CHROMA_URL") from None


def forget_clients():
    """Drop the Chroma clients this process keeps per path: after a store's files were replaced
    (reindex, restore), a cached client would go on serving the old, removed ones."""
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient.clear_system_cache()


def store_info(embedder_info: dict) -> dict:
    """What the collection records of how it was built, and what a reader checks against."""
    return {"iitkb_schema": SCHEMA_VERSION, "embed_backend": embedder_info["backend"],
            "embed_model": embedder_info["model"], "embed_dim": int(embedder_info["dim"])}


def check_built_with(recorded: dict, configured: dict, where: str):
    """Raise ``IndexMismatchError`` naming the way across when an index was built with another
    embedder than the configured one (``configured`` as ``store_info`` gives it)."""
    built = {k: recorded.get(k) for k in configured}
    if built != configured:
        raise IndexMismatchError(
            f"the index in {where} was built with {built['embed_backend']}/"
            f"{built['embed_model']} ({built['embed_dim']}-d) but the configured embedder is "
            f"{configured['embed_backend']}/{configured['embed_model']} ({configured['embed_dim']}-d): "
            f"set IITKB_EMBED_BACKEND={built['embed_backend']} IITKB_EMBED_MODEL={built['embed_model']} "
            "to use it as built, or build a new index with the configured embedder by ingesting "
            "the sources into a new data directory (IITKB_DATA_DIR=new-dir iitkb ingest corpus/)")


class ChromaStore:
    """Chunks and their vectors in one Chroma collection.

    Example::

        store = ChromaStore(settings, embedder.info)
        store.replace_documents([("nhc-iit-2024-en", chunks, vectors)])
        hits = store.query(embedder.embed_query("ethics review"), k=10, where={"access": "public"})
    """

    def __init__(self, settings: Settings, embedder_info: dict):
        self.settings = settings
        self.info = store_info(embedder_info)
        client = _client(settings)
        self._batch = max(1, min(1000, client.get_max_batch_size()))
        self.collection = client.get_or_create_collection(
            settings.collection, embedding_function=_refusing_embedding_function(),
            metadata={"hnsw:space": "cosine", **self.info})
        self._check_info(self.collection.metadata or {})

    def _check_info(self, recorded: dict):
        check_built_with(recorded, self.info, self.where)

    @property
    def where(self) -> str:
        return self.settings.chroma_url or str(self.settings.data_dir / "chroma")

    def count(self) -> int:
        return self.collection.count()

    def replace_documents(self, documents: list[tuple[str, list[Chunk], np.ndarray]]):
        """Several documents in as few writes as Chroma allows: each write has a fixed cost (about
        57 ms), which one write per document made the largest part of ingesting small documents."""
        chunks, vectors = [], []
        for doc_id, doc_chunks, doc_vectors in documents:
            if len(doc_chunks) != len(doc_vectors):
                raise ValueError(f"{doc_id}: {len(doc_chunks)} chunks but {len(doc_vectors)} vectors")
            self.delete_document(doc_id)
            chunks.extend(doc_chunks)
            vectors.extend(np.asarray(doc_vectors, dtype=np.float32))
        self.upsert_chunks(chunks, vectors)

    def delete_document(self, doc_id: str):
        self.collection.delete(where={"doc_id": doc_id})

    def delete_chunks(self, ids: list[str]):
        for start in range(0, len(ids), self._batch):
            self.collection.delete(ids=ids[start:start + self._batch])

    def upsert_chunks(self, chunks: list[Chunk], vectors: np.ndarray):
        """Write these chunks as they are, whatever else their documents hold (repair, restore)."""
        for start in range(0, len(chunks), self._batch):
            part = chunks[start:start + self._batch]
            self.collection.upsert(
                ids=[c.id for c in part], documents=[c.text for c in part],
                embeddings=np.asarray(vectors[start:start + self._batch], dtype=np.float32),
                metadatas=[to_store_metadata(c.meta) for c in part])

    def vectors(self, ids: list[str]) -> tuple[list[str], np.ndarray]:
        """The stored vectors of ``ids`` (the ids found, in Chroma's order, and one row each)."""
        kept, rows = [], []
        with reaching(self.settings):
            for start in range(0, len(ids), READ_BATCH):
                part = self.collection.get(ids=ids[start:start + READ_BATCH], include=["embeddings"])
                kept.extend(part["ids"])
                rows.extend(np.asarray(part["embeddings"], dtype=np.float32))
        return kept, np.asarray(rows, dtype=np.float32).reshape(len(kept), self.info["embed_dim"])

    def query(self, vector: np.ndarray, k: int, where: dict | None = None,
              accept: Callable[[list[str]], set[str]] | None = None,
              total: int | None = None) -> list[tuple[str, float]]:
        """(chunk id, cosine similarity) of the ``k`` nearest chunks that pass ``where``.

        Chroma answers a ``where`` by scanning every row's metadata: 24 ms at 10k chunks, growing
        with the corpus, against 3 ms unfiltered. Given ``accept`` (the same conditions: it returns
        the ids among those given that pass them), the nearest ``OVERFETCH * k`` chunks are fetched
        unfiltered and filtered by it; only when too few pass does the ``where`` query run.
        ``total`` is the store's chunk count if the caller knows it (Chroma returns fewer rows
        than asked when the count is stale, never an error)."""
        with reaching(self.settings):
            return self._query(vector, k, where, accept, total)

    def _query(self, vector: np.ndarray, k: int, where: dict | None, accept,
               total: int | None = None) -> list[tuple[str, float]]:
        total = max(self.count() if total is None else total, 0)
        k = min(k, total)
        if k == 0:
            return []
        vector = np.asarray(vector, dtype=np.float32)
        if where and accept is not None:
            wide = min(k * OVERFETCH, total)
            result = self.collection.query(query_embeddings=[vector], n_results=wide, include=["distances"])
            passing = accept(result["ids"][0])
            rows = [(cid, 1.0 - float(dist)) for cid, dist in zip(result["ids"][0], result["distances"][0])
                    if cid in passing]
            if len(rows) >= k or wide == total:
                return rows[:k]
        result = self.collection.query(query_embeddings=[vector], n_results=k, where=where or None,
                                       include=["distances"])
        return [(cid, 1.0 - float(dist)) for cid, dist in zip(result["ids"][0], result["distances"][0])]
