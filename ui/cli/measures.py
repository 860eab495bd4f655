"""`iitkb` eval and bench: the gold set and the benchmarks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from iitkb.settings import load_settings
from ui.cli.base import app, err, fail, open_component, print_json, progress_bar


@app.command("eval")
def eval_(gold: Optional[Path] = typer.Option(None, help="gold JSONL (default: evals/gold/questions.jsonl)"),
          split: Optional[str] = typer.Option(None, help="dev or test (default: all questions)"),
          pipelines: str = typer.Option(",".join(("iitkb", "iitkb-no-expansion", "iitkb-no-bm25",
                                                  "iitkb-no-dense", "bm25", "llamaindex-default")),
                                        help="comma-separated pipelines to compare"),
          limit: int = typer.Option(0, help="only the first N questions (smoke runs)"),
          as_json: bool = typer.Option(False, "--json"),
          report_dir: Optional[Path] = typer.Option(None, "--report", help="write report.md and plots here")):
    """Evaluate retrieval and answers on a gold set, with baselines side by side."""
    from evals.gold import DEFAULT_GOLD, GoldError, load_gold
    from evals.report import table
    from evals.run import EvalError, evaluate, public_summary, write_report

    try:
        questions = load_gold(gold or DEFAULT_GOLD, split)
    except GoldError as exc:
        fail(str(exc))
    questions = questions[:limit] if limit else questions
    settings = load_settings()
    with progress_bar("evaluating") as bar:
        task = bar.add_task("", total=None)

        def tick(name: str, done: int, total: int):
            bar.update(task, completed=done, total=total, description=name)

        try:
            report = open_component(lambda: evaluate(settings, questions, [p.strip() for p in pipelines.split(",")],
                                            progress=tick))
        except EvalError as exc:
            fail(str(exc))
    report["split"] = split
    if report_dir is not None:
        path = write_report(report, report_dir, str(gold or DEFAULT_GOLD))
        err.print(f"report written to {path}")
    if as_json:
        print_json(public_summary(report))
    else:
        sys.stdout.write(table(report) + "\n")


@app.command()
def bench(sizes: str = typer.Option("1000,10000,100000", help="comma-separated corpus sizes in chunks"),
          server_size: int = typer.Option(1000, help="also run this size against a `chroma run` server (0: skip)"),
          as_json: bool = typer.Option(False, "--json"),
          report_dir: Optional[Path] = typer.Option(None, "--report", help="write report.md and plots here"),
          embedders: bool = typer.Option(False, "--embedders", help="compare the embedding backends instead")):
    """Ingestion throughput, re-ingest, latency and memory against corpus size, beside llama-index."""
    from evals.bench import run_bench
    from evals.bench_report import bench_table, embedders_table, write_bench_report

    if embedders:
        from evals.bench_embedders import run_embedders_bench

        result = run_embedders_bench(progress=lambda m: err.print(f"[dim]bench: {m}[/dim]"))
        if as_json:
            print_json(result)
        else:
            sys.stdout.write(embedders_table(result) + "\n")
        return
    try:
        wanted = [int(s) for s in sizes.split(",") if s.strip()]
    except ValueError:
        fail(f"--sizes must be comma-separated integers, not {sizes!r}")
    if not wanted or min(wanted) < 20:
        fail("--sizes needs sizes of at least 20 chunks")
    result = run_bench(wanted, server_size or None, progress=lambda m: err.print(f"[dim]bench: {m}[/dim]"))
    if report_dir is not None:
        err.print(f"report written to {write_bench_report(result, report_dir)}")
    if as_json:
        print_json(result)
    else:
        sys.stdout.write(bench_table(result) + "\n")
