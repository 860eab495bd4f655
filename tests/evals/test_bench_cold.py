"""`iitkb bench --cold-start`: fresh `iitkb ask` processes against a real (small) index."""

import pytest


@pytest.mark.slow
def test_cold_start_bench_times_fresh_processes(index_settings):
    from evals.bench_cold import QUESTIONS, run_cold_bench

    result = run_cold_bench(runs=1, settings=index_settings)
    assert result["runs"] == len(QUESTIONS) and result["served"] is False
    assert 0 < result["min_s"] <= result["p50_s"] <= result["max_s"] < 60
    assert result["cores"] >= 1


def test_a_failing_ask_is_reported_with_its_error(tmp_path):
    import os

    from evals.bench_cold import time_ask

    env = {**os.environ, "IITKB_DATA_DIR": str(tmp_path / "data"), "IITKB_EMBED_BACKEND": "no-such-backend"}
    with pytest.raises(RuntimeError, match="no-such-backend"):
        time_ask("ethics review", env)
