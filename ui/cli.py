"""The `iitkb` command line (contract in DESIGN.md). Thin: it parses, calls, prints.

Machine-readable output (``--json``) goes to stdout alone; progress bars and notes go to stderr.
"""

from __future__ import annotations

import json
import sys
from enum import Enum
from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn
from rich.table import Table

from iitkb.settings import load_settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Bilingual regulatory knowledge base for CGT investigator-initiated trials in China.")
err = Console(stderr=True, soft_wrap=True)
out = Console()


class Access(str, Enum):
    public = "public"
    internal = "internal"


def fail(message: str, code: int = 2):
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def progress_bar(label: str) -> Progress:
    return Progress(TextColumn(f"{label} [dim]{{task.description}}"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), console=err, transient=True, disable=not err.is_terminal)


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


@app.command()
def ingest(paths: list[Path] = typer.Argument(..., help="files or folders to index"),
           access: Optional[Access] = typer.Option(None, help="access for files that declare none "
                                                   "(undeclared files default to internal)"),
           prune: bool = typer.Option(False, help="remove indexed documents whose files are gone"),
           strict: bool = typer.Option(False, help="exit non-zero when any file is skipped"),
           as_json: bool = typer.Option(False, "--json", help="print the run report as JSON")):
    """Index documents: Markdown, PDF, DOCX, HTML, text. Re-runs only touch what changed."""
    from ingest.pipeline import Ingestor

    settings = load_settings()
    with progress_bar("ingesting") as bar:
        task = bar.add_task("", total=None)

        def tick(done: int, total: int, path: str):
            bar.update(task, completed=done - 1, total=total, description=path)

        ingestor = _open(lambda: Ingestor(settings, progress=tick))
        try:
            report = ingestor.run(paths, access=access.value if access else None, prune=prune)
        finally:
            ingestor.close()
    if as_json:
        print_json(report.to_json())
    else:
        err.print(f"added {report.added}, updated {report.updated}, unchanged {report.unchanged}, "
                  f"removed {report.removed}, chunks embedded {report.chunks_embedded}")
    for item in report.skipped:
        err.print(f"[yellow]skipped[/yellow] {item['path']}: {item['reason']}")
    if strict and report.skipped:
        raise typer.Exit(1)


@app.command()
def stats(as_json: bool = typer.Option(False, "--json")):
    """Documents and chunks in the index, per language, type, status and access."""
    from index.catalog import Catalog

    settings = load_settings()
    data = Catalog(settings.data_dir).stats()
    if as_json:
        print_json(data)
        return
    out.print(f"[bold]{data['documents']}[/bold] documents, [bold]{data['chunks']}[/bold] chunks "
              f"in {settings.data_dir}")
    for name in ("lang", "doc_type", "status", "access"):
        table = Table(name, "documents", "chunks", box=None)
        for value, group in data[f"by_{name}"].items():
            table.add_row(value, str(group["documents"]), str(group["chunks"]))
        out.print(table)


class Role(str, Enum):
    sponsor = "sponsor"
    staff = "staff"
    admin = "admin"


class Lang(str, Enum):
    zh = "zh"
    en = "en"


@app.command()
def search(query: str = typer.Argument(..., help="keywords or a question, in Chinese or English"),
           role: Role = typer.Option(Role.sponsor, help="sponsor sees public documents only"),
           k: int = typer.Option(10, "--k", min=1, max=100, help="number of results"),
           lang: Optional[Lang] = typer.Option(None, help="only documents in this language"),
           doc_type: Optional[str] = typer.Option(None, "--doc-type", help="e.g. regulation, guidance, sop"),
           status: Optional[list[str]] = typer.Option(None, help="in_force, trial, draft, superseded, "
                                                       "not_yet_in_force (repeatable)"),
           as_of: Optional[str] = typer.Option(None, "--as-of", help="YYYY-MM-DD: rules in force then"),
           as_json: bool = typer.Option(False, "--json")):
    """Hybrid search over the index; prints scored clauses with their metadata."""
    from retrieval.filters import FilterError, Filters
    from retrieval.search import Searcher

    try:
        filters = Filters(lang=lang.value if lang else None, doc_type=doc_type,
                          status=tuple(status) if status else None, as_of=as_of)
        searcher = _open(lambda: Searcher(load_settings()))
        result = searcher.search(query, role=role.value, k=k, filters=filters)
    except FilterError as exc:
        fail(str(exc))
    rows = [hit.to_json(rank) for rank, hit in enumerate(result.hits, start=1)]
    if as_json:
        print_json({"results": rows})
        return
    if not rows:
        out.print("no results")
    for row in rows:
        page = f", p. {row['page']}" if row["page"] else ""
        out.print(f"[bold]{row['rank']}.[/bold] {row['title']} — {row['section']}{page} "
                  f"[dim]({row['lang']}, {row['doc_type']}, {row['status']}, {row['score']:.4f})[/dim]")
        out.print("   " + row["text"][:240].replace("\n", " "))


@app.command()
def ask(question: Optional[str] = typer.Argument(None, help="the question, in Chinese or English"),
        role: Role = typer.Option(Role.sponsor, help="sponsor sees public documents only"),
        batch: Optional[Path] = typer.Option(None, help="questionnaire: .jsonl, .csv, .txt, .xlsx, .docx"),
        out_path: Optional[Path] = typer.Option(None, "--out", help="batch output: .jsonl, .md or .docx"),
        as_json: bool = typer.Option(False, "--json")):
    """Answer with clause-level citations, in the question's language; abstain when not covered."""
    from retrieval.answer import Answerer
    from retrieval.filters import FilterError

    if (question is None) == (batch is None):
        fail("give either a QUESTION or --batch FILE")
    answerer = _open(lambda: Answerer(load_settings()))
    if batch is None:
        try:
            answer = answerer.ask(question, role=role.value).to_json()
        except FilterError as exc:
            fail(str(exc))
        print_json(answer) if as_json else _print_answer(answer)
        return
    _ask_batch(answerer, batch, role.value, out_path, as_json)


def _ask_batch(answerer, batch: Path, role: str, out_path: Optional[Path], as_json: bool):
    from proposals.export import OUTPUTS, write_answers
    from proposals.intake import QuestionnaireError, read_questionnaire
    from proposals.batch import answer_items

    if out_path is not None and out_path.suffix.lower() not in OUTPUTS:
        fail(f"--out must end in {', '.join(OUTPUTS)}")
    try:
        items = read_questionnaire(batch)
    except (QuestionnaireError, OSError, UnicodeDecodeError) as exc:
        fail(f"cannot read {batch}: {exc}")
    with progress_bar("answering") as bar:
        task = bar.add_task("", total=len(items))
        answers = answer_items(answerer, items, role, lambda: bar.advance(task))
    if out_path is not None:
        write_answers(answers, out_path)
        err.print(f"wrote {len(answers)} answers to {out_path}")
    if as_json or out_path is None:
        for answer in answers:
            print_json(answer)
    errors = sum(1 for a in answers if a.get("error"))
    if errors:
        err.print(f"[yellow]{errors} line(s) had errors; see their \"error\" field[/yellow]")


def _print_answer(answer: dict):
    out.print(answer["answer"])
    for c in answer["citations"]:
        from proposals.export import source_line

        out.print(f"[bold][{c['n']}][/bold] {source_line(c)}")
        out.print(f"    [dim]{c['quote']}[/dim]")


@app.command()
def serve(host: str = typer.Option("127.0.0.1", help="interface to bind; non-loopback needs users"),
          port: int = typer.Option(7860, help="port")):
    """Serve the web app (chat with sources, questionnaires, admin documents tab)."""
    from ui.web import ServeError, serve as serve_app

    try:
        serve_app(load_settings(), host=host, port=port)
    except ServeError as exc:
        fail(str(exc))


users_app = typer.Typer(help="Web app users: sponsor, staff or admin.", no_args_is_help=True)
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(name: str, role: Role = typer.Option(..., help="sponsor, staff or admin"),
              password_stdin: bool = typer.Option(False, "--password-stdin", help="read the password from stdin")):
    """Add a user (or reset an existing user's role and password)."""
    from ui.users import UserError, UserStore

    if not password_stdin:
        fail("pass the password on standard input with --password-stdin (it never goes on the command line)")
    password = sys.stdin.readline().rstrip("\n")
    try:
        UserStore(load_settings().users_path).add(name, role.value, password)
    except UserError as exc:
        fail(str(exc))
    err.print(f"user {name} saved with role {role.value}")


@users_app.command("list")
def users_list(as_json: bool = typer.Option(False, "--json")):
    """List users and their roles (never their password hashes)."""
    from ui.users import UserStore

    rows = UserStore(load_settings().users_path).list()
    if as_json:
        print_json(rows)
    for row in [] if as_json else rows:
        out.print(f"{row['name']}\t{row['role']}")


@users_app.command("remove")
def users_remove(name: str):
    """Remove a user."""
    from ui.users import UserStore

    if not UserStore(load_settings().users_path).remove(name):
        fail(f"no user named {name!r}")
    err.print(f"user {name} removed")


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
            report = _open(lambda: evaluate(settings, questions, [p.strip() for p in pipelines.split(",")],
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
          report_dir: Optional[Path] = typer.Option(None, "--report", help="write report.md and plots here")):
    """Ingestion throughput, re-ingest, latency and memory against corpus size, beside llama-index."""
    from evals.bench import run_bench
    from evals.bench_report import bench_table, write_bench_report

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


def _open(factory):
    """Build a component, turning configuration errors into one clear line."""
    from index.embedders import EmbedderError
    from index.store import IndexMismatchError, StoreError

    try:
        return factory()
    except (EmbedderError, IndexMismatchError, StoreError, ValueError) as exc:
        fail(str(exc))


if __name__ == "__main__":
    app()
