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

from retrieval.settings import load_settings

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Bilingual regulatory knowledge base for CGT investigator-initiated trials in China.")
err = Console(stderr=True)
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
    from retrieval.catalog import Catalog

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


def _open(factory):
    """Build a component, turning configuration errors into one clear line."""
    from retrieval.embedders import EmbedderError
    from retrieval.store import IndexMismatchError, StoreError

    try:
        return factory()
    except (EmbedderError, IndexMismatchError, StoreError, ValueError) as exc:
        fail(str(exc))


if __name__ == "__main__":
    app()
