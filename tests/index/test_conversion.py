"""The converted model is made once per data directory and read from disk after that."""

import numpy as np

from index import e5_convert
from index.e5_format import QK, E5Weights, dequantize
from index.onnx_e5 import OnnxE5Embedder


def test_a_second_start_reuses_the_converted_model(models_dir, onnx_int8):
    onnx_int8.embed_query("warm")                      # the session fixture converted, if no test had yet
    path = e5_convert.model_path(models_dir, E5Weights.open(), "int8")
    mtime, count = path.stat().st_mtime_ns, e5_convert.conversions
    again = OnnxE5Embedder(models_dir, kind="int8")
    assert np.array_equal(again.embed_query("ethics review"), onnx_int8.embed_query("ethics review"))
    assert e5_convert.conversions == count
    assert path.stat().st_mtime_ns == mtime
    assert not list(models_dir.glob("*.tmp")), "no half-written file is left behind"
    assert '"kind": "int8"' in path.with_suffix(".json").read_text()


def test_the_cache_name_follows_the_converter_version(models_dir, monkeypatch):
    weights = E5Weights.open()
    before = e5_convert.model_path(models_dir, weights, "int8")
    monkeypatch.setattr(e5_convert, "CONVERTER_VERSION", "test-changed")
    assert e5_convert.model_path(models_dir, weights, "int8") != before


def test_dequantize_follows_the_q4_0_layout():
    """Byte j holds weight j (low nibble) and weight j + 16 (high nibble); weight = (nibble - 8) * d."""
    from index.e5_format import BLOCK

    block = np.zeros(1, dtype=BLOCK)
    block["d"] = 0.5
    block["qs"][0] = [(15 << 4) | 0] + [(8 << 4) | 9] * 15
    values = dequantize(block)
    assert values.shape == (QK,)
    assert values[0] == -4.0 and values[1] == 0.5 and values[16] == 3.5 and values[17] == 0.0


def test_the_bundled_file_reads_as_e5_small():
    weights = E5Weights.open()
    assert (weights.config.hidden, weights.config.layers, weights.config.heads) == (384, 12, 12)
    assert weights.matrix("l0.fi.w").shape == (1536, 384)
    assert weights.word_rows(np.array([0, 250001])).shape == (2, 384)
    assert len(weights.pieces) == len(weights.scores) == 250002      # decoded on first read
    assert weights.pieces[:4] == ["<s>", "<pad>", "</s>", "<unk>"] and weights.pieces[weights.unk] == "<unk>"
    assert len(weights.normalisation) > 1000


def test_residual_layer_norms_stay_unfused(models_dir, onnx_int8):
    """Add + LayerNormalization, not SkipLayerNormalization, which ran slower (e5_convert's docstring)."""
    import onnx

    from index import onnx_e5

    onnx_int8.embed_query("warm")
    ops = [n.op_type for n in onnx.load(str(e5_convert.model_path(models_dir, E5Weights.open(), "int8"))).graph.node]
    assert "SkipLayerNormalization" not in ops and ops.count("LayerNormalization") == 1 + 2 * 12
    assert onnx_e5.UNFUSED == ["SkipLayerNormFusion"]
