"""The `iitkb` command line's shared parts: the app, consoles, choices and error handling.

The commands live beside this module, one module per family (contract in docs/ARCHITECTURE.md).
Thin: they parse, call, print.

Machine-readable output (``--json``) goes to stdout alone; progress bars and notes go to stderr.
"""

from __future__ import annotations

import json
import sys
from enum import Enum

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

from iitkb.schema import ACCESS, LANGS, ROLES

app = typer.Typer(add_completion=False, no_args_is_help=True,
                  help="Bilingual regulatory knowledge base for CGT investigator-initiated trials in China.")
err = Console(stderr=True, soft_wrap=True)
out = Console()


def _choices(name: str, values: tuple[str, ...]) -> type[Enum]:
    """A typer choice list made from the schema's enum, so the CLI never keeps its own copy."""
    return Enum(name, {v: v for v in values}, type=str)


Access = _choices("Access", ACCESS)
Role = _choices("Role", ROLES)
Lang = _choices("Lang", LANGS)


def fail(message: str, code: int = 2):
    err.print(f"[red]error:[/red] {message}")
    raise typer.Exit(code)


def progress_bar(label: str) -> Progress:
    return Progress(TextColumn(f"{label} [dim]{{task.description}}"), BarColumn(), MofNCompleteColumn(),
                    TimeRemainingColumn(), console=err, transient=True, disable=not err.is_terminal)


def print_json(data) -> None:
    sys.stdout.write(json.dumps(data, ensure_ascii=False) + "\n")


def open_component(factory):
    """Build a component, turning configuration errors into one clear line."""
    from index.embedders import EmbedderError
    from index.store import IndexMismatchError, StoreError

    try:
        return factory()
    except (EmbedderError, IndexMismatchError, StoreError, ValueError) as exc:
        fail(str(exc))
