"""`iitkb bench` at its smallest: the command runs end to end and its JSON keeps the contract."""

import json
import os
import subprocess
import sys

from evals.bench_report import write_bench_report

CONTRACT = {"pipeline", "size", "ingest_chunks_per_s", "reingest_s", "query_p50_ms", "query_p95_ms",
            "answer_p95_ms", "peak_rss_mb", "index_mb"}


def test_bench_smoke_runs_both_pipelines_and_reports(tmp_path):
    done = subprocess.run([sys.executable, "-m", "ui.cli", "bench", "--sizes", "40", "--server-size", "0",
                           "--json"], capture_output=True, text=True, env=dict(os.environ), cwd=tmp_path, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    runs = {row["pipeline"]: row for row in result["runs"]}
    assert set(runs) == {"iitkb", "llamaindex-default"}
    for row in runs.values():
        assert CONTRACT <= set(row) and row["size"] == 40 and row["query_p50_ms"] > 0
    ours = runs["iitkb"]
    assert ours["chunks"] == 40 and ours["reingest_embedded"] == 0 and ours["answer_p95_ms"] > 0
    assert 0 < ours["share_of_raw_embedder"] < 2 and ours["peak_rss_mb"] > 50
    report = write_bench_report(result, tmp_path / "report")
    assert "| iitkb |" in report.read_text() and (tmp_path / "report" / "latency.png").stat().st_size > 0
