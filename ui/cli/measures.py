"""`iitkb` eval and bench: the gold set and the benchmarks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from iitkb.progress import Progress
from iitkb.settings import load_settings
from ui.cli.base import app, err, fail, open_component, print_json


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
    names = [p.strip() for p in pipelines.split(",")]
    with Progress("evaluating questions", total=len(names) * len(questions)) as bar:
        def tick(name: str, done: int, total: int):
            bar.update(names.index(name) * total + done, note=name)

        try:
            report = open_component(lambda: evaluate(settings, questions, names, progress=tick))
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
          embedders: bool = typer.Option(False, "--embedders", help="compare the embedding backends instead"),
          serve: bool = typer.Option(False, "--serve", help="answers under load against a running app instead"),
          cold_start: bool = typer.Option(False, "--cold-start", help="seconds of one `iitkb ask` from a "
                                          "fresh process (no running server) instead"),
          clients: int = typer.Option(20, min=1, max=500, help="with --serve: clients asking at once"),
          seconds: float = typer.Option(30.0, min=1, help="with --serve: how long they ask"),
          url: Optional[str] = typer.Option(None, help="with --serve: the app (default http://127.0.0.1:IITKB_PORT/)"),
          key: str = typer.Option("", help="with --serve: an API key (`iitkb users "
                                  "key NAME`); none: anonymous, for an app without users")):
    """Ingestion throughput, re-ingest, latency and memory against corpus size, beside llama-index."""
    if cold_start:
        return _cold_start(as_json)
    if serve:
        from evals.bench_serve import run_serve_bench

        target = url or f"http://127.0.0.1:{load_settings().port}/"
        err.print(f"[dim]bench: {clients} clients asking {target} for {seconds:g} s[/dim]")
        result = run_serve_bench(target, clients, seconds, key)
        if as_json:
            print_json(result)
        else:
            sys.stdout.write("".join(f"{name}: {value}\n" for name, value in result.items()))
        return
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
    stages = 2 * len(wanted) + (1 if server_size else 0) + 1      # evals.bench.run_bench's steps
    with Progress("benchmark stages", total=stages) as bar:
        started = []

        def stage(message: str):
            bar.say(f"bench: {message}")
            bar.update(len(started), note=message)
            started.append(message)

        result = run_bench(wanted, server_size or None, progress=stage)
        bar.update(stages)
    if report_dir is not None:
        err.print(f"report written to {write_bench_report(result, report_dir)}")
    if as_json:
        print_json(result)
    else:
        sys.stdout.write(bench_table(result) + "\n")


def _cold_start(as_json: bool):
    from evals.bench_cold import run_cold_bench
    from ui.local import serve_file

    settings = load_settings()
    served = serve_file(settings).exists()
    if served:
        err.print("[yellow]a running `iitkb serve` is announced on this data folder: the figures are its "
                  "answers, not cold starts (stop it, or set IITKB_DATA_DIR to another folder)[/yellow]")
    result = run_cold_bench(settings=settings, served=served, progress=lambda m: err.print(f"[dim]bench: {m}[/dim]"))
    if as_json:
        print_json(result)
    else:
        sys.stdout.write("".join(f"{name}: {value}\n" for name, value in result.items()))
